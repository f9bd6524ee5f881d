import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { spawnWorker } from './child.ts';
import { eventsOf, insertLeads, nameWordQuery, startWorker, statuses, waitForStatus } from './fixtures.ts';

const N = 120;
const BATCH = '10';

type KillPoint = {
  readonly name: string;
  /** What the committed state must look like after the kill. */
  readonly check: (row: { status: string; n_leads: number | null; n_leads_processed: number }, killedAt: { processed: number }) => void;
  /** Decides, at each commit marker of the child, whether to kill it now. */
  readonly at: 'commit-pending' | 'committed';
  readonly when: (state: { status: string; processed: number }) => boolean;
};

const KILL_POINTS: readonly KillPoint[] = [
  {
    name: 'while loading, before the items commit',
    at: 'commit-pending',
    when: (s) => s.status === 'loading',
    check: (row) => assert.equal(row.n_leads, null, 'no items were committed'),
  },
  {
    name: 'inside a batch, before its commit',
    at: 'commit-pending',
    when: (s) => s.status === 'processing' && s.processed >= 30,
    check: (row, k) => assert.ok(row.n_leads_processed === k.processed && row.n_leads_processed < N, 'the open batch rolled back'),
  },
  {
    name: 'right after a batch commit',
    at: 'committed',
    when: (s) => s.status === 'processing' && s.processed >= 70,
    check: (row) => assert.ok(row.n_leads_processed >= 70 && row.n_leads_processed < N),
  },
  {
    name: 'before the final transition commits',
    at: 'commit-pending',
    when: (s) => s.status === 'processing' && s.processed === N,
    check: (row) => assert.ok(row.status === 'processing' && row.n_leads_processed === N),
  },
];

describe('a worker killed with SIGKILL mid-action: another finishes, nothing done twice or lost', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ env: { BULK_BATCH_SIZE: BATCH, BULK_LEASE_SECONDS: '1' } });
  });

  async function crashRun(kind: 'edit' | 'delete', point: KillPoint, word: string) {
    const matched = await insertLeads(t.db, t.orgA.organization_id, N, { prefix: word, contactsPerLead: kind === 'delete' ? 1 : 0 });
    const outside = await insertLeads(t.db, t.orgA.organization_id, 10, { prefix: `${word}x` });
    const theirs = await insertLeads(t.db, t.orgB.organization_id, 10, { prefix: word });
    const snapshot = async (ids: string[]) => t.db.selectFrom('leads').select(['id', 'status_id', 'custom', 'date_updated']).where('id', 'in', ids).orderBy('id').execute();
    const beforeOutside = await snapshot([...outside, ...theirs]);

    const child = await spawnWorker(t.connectionString, {
      BULK_BATCH_SIZE: BATCH,
      BULK_LEASE_SECONDS: '1',
      CHILD_COMMIT_HANDSHAKE: '1',
      CHILD_WORKER_ID: `child-${word}`,
    });
    let actionId = '';
    let killedAt: { status: string; processed: number } | undefined;
    // Each COMMIT of the child waits for our go-ahead, and lines are handled one at a time: the
    // kill is decided, on the committed state, before the child may commit anything further.
    const decide = async (line: string) => {
      if (killedAt) return;
      if (line === point.at && actionId) {
        const row = await t.db.selectFrom('bulk_actions').select(['status', 'n_leads_processed']).where('id', '=', actionId).executeTakeFirst();
        if (row && point.when({ status: row.status, processed: row.n_leads_processed })) {
          killedAt = { status: row.status, processed: row.n_leads_processed };
          child.proc.kill('SIGKILL');
          return;
        }
      }
      if (line === 'commit-pending') child.send('go');
    };
    let lines = Promise.resolve();
    child.onLine((line) => {
      lines = lines.then(() => decide(line));
    });
    const [, , qualified] = await statuses(t.db, t.orgA.organization_id);
    const body =
      kind === 'edit'
        ? { s_query: nameWordQuery(word), type: 'set_lead_status', lead_status_id: qualified!.id, send_done_email: false }
        : { s_query: nameWordQuery(word), send_done_email: false };
    const res = await t.call('POST', `/api/v1/bulk_action/${kind}/`, { body });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    actionId = res.body.id;
    await child.exited;
    assert.ok(killedAt, `the child was killed (${point.name})`);
    const mid = await t.db.selectFrom('bulk_actions').selectAll().where('id', '=', actionId).executeTakeFirstOrThrow();
    assert.ok(['loading', 'processing'].includes(mid.status), `killed mid-action, found ${mid.status}`);
    assert.equal(mid.locked_by, `child-${word}`);
    point.check(mid, killedAt!);

    const finisher = await startWorker(t);
    const done = await waitForStatus(t.db, actionId, ['done', 'error'], 30_000);
    await finisher.stop();
    assert.equal(done.status, 'done');
    assert.equal(done.n_leads, N);
    assert.equal(done.n_leads_processed, N);
    assert.equal(done.n_objects, N);
    assert.equal(done.n_objects_processed, N);

    const events = await eventsOf(t.db, t.orgA.organization_id, actionId, 'lead', kind === 'edit' ? 'updated' : 'deleted');
    assert.deepEqual([...events.keys()].sort(), [...matched].sort(), 'every matched lead has an event');
    assert.ok([...events.values()].every((n) => n === 1), 'exactly one event per lead');
    const items = await t.db.selectFrom('bulk_action_items').select(['status']).where('action_id', '=', actionId).execute();
    assert.equal(items.length, N);
    assert.ok(items.every((i) => i.status === 'done'));
    if (kind === 'edit') {
      const rows = await snapshot(matched);
      assert.ok(rows.every((r) => r.status_id === qualified!.id));
    } else {
      assert.equal((await snapshot(matched)).length, 0);
      assert.equal((await t.db.selectFrom('contacts').select('id').where('lead_id', 'in', matched).execute()).length, 0);
    }
    assert.deepEqual(await snapshot([...outside, ...theirs]), beforeOutside, 'nothing outside the set changed');
    return killedAt!;
  }

  for (const kind of ['edit', 'delete'] as const) {
    KILL_POINTS.forEach((point, i) => {
      test(`${kind}: killed ${point.name}`, async () => {
        await crashRun(kind, point, `Crash${kind}${i}`);
      });
    });
  }
});
