import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { spawnWorker } from './child.ts';
import { eventsOf, insertCustomField, insertLeads, waitForStatus } from './fixtures.ts';

const ACTIONS = 6;
const PER_ACTION = 80;

describe('two worker processes on one database', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ env: { BULK_BATCH_SIZE: '8', BULK_MAX_RUNNING_PER_ORG: '10' } });
  });

  test('share the work of several actions, with nothing done twice', async () => {
    const env = { BULK_BATCH_SIZE: '8', BULK_MAX_RUNNING_PER_ORG: '10', BULK_BATCH_DELAY_MS: '10', CHILD_CONCURRENCY: '2' };
    const children = [
      await spawnWorker(t.connectionString, { ...env, CHILD_WORKER_ID: 'w1' }),
      await spawnWorker(t.connectionString, { ...env, CHILD_WORKER_ID: 'w2' }),
    ];
    const field = await insertCustomField(t.db, t.orgA.organization_id, { name: 'Wave', type: 'number' });
    const sets: string[][] = [];
    const ids: string[] = [];
    for (let a = 0; a < ACTIONS; a++) {
      const org = a % 2 === 0 ? t.orgA : t.orgB;
      const f = org === t.orgA ? field : await insertCustomField(t.db, org.organization_id, { name: `Wave${a}`, type: 'number' });
      sets.push(await insertLeads(t.db, org.organization_id, PER_ACTION, { prefix: `Wave${a}` }));
      const res = await t.call('POST', '/api/v1/bulk_action/edit/', {
        key: org.api_key,
        body: {
          s_query: { type: 'field_condition', field: { type: 'regular_field', object_type: 'lead', field_name: 'name' }, condition: { type: 'text', mode: 'full_words', value: `Wave${a}` } },
          type: 'set_custom_field',
          custom_field_id: f,
          custom_field_value: a + 1,
          send_done_email: false,
        },
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      ids.push(res.body.id);
    }
    for (const id of ids) await waitForStatus(t.db, id, ['done', 'error'], 60_000);

    for (let a = 0; a < ACTIONS; a++) {
      const org = a % 2 === 0 ? t.orgA : t.orgB;
      const row = await t.db.selectFrom('bulk_actions').selectAll().where('id', '=', ids[a]!).executeTakeFirstOrThrow();
      assert.equal(row.status, 'done');
      assert.equal(row.n_leads, PER_ACTION);
      assert.equal(row.n_leads_processed, PER_ACTION);
      assert.equal(row.n_objects_processed, PER_ACTION);
      const events = await eventsOf(t.db, org.organization_id, ids[a]!, 'lead', 'updated');
      assert.deepEqual([...events.keys()].sort(), [...sets[a]!].sort());
      assert.ok([...events.values()].every((n) => n === 1), `action ${a}: one event per lead`);
      const leads = await t.db.selectFrom('leads').select('custom').where('id', 'in', sets[a]!).execute();
      assert.ok(leads.every((l) => Object.values(l.custom).includes(a + 1)));
    }
    const claimed = children.map((c) => c.claims.filter((id) => ids.includes(id)));
    assert.ok(claimed[0]!.length > 0 && claimed[1]!.length > 0, `both processes worked: ${JSON.stringify(claimed)}`);
    assert.deepEqual([...new Set(claimed.flat())].sort(), [...ids].sort(), 'every action was claimed');
    assert.equal(new Set(claimed.flat()).size, claimed.flat().length, 'no action was claimed twice (no lease lapsed)');
    for (const child of children) child.proc.kill('SIGTERM');
    await Promise.all(children.map((c) => c.exited));
  });
});
