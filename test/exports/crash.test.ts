/**
 * A worker process killed with SIGKILL at chosen points of an export (the commit of the loading,
 * of a batch whose segment is already written and fsynced, right after a batch, of the final
 * transition whose trailer is already written): another worker finishes it, and the file is byte
 * for byte the file of an uninterrupted export of the same leads. In one more run the killed worker
 * also leaves a torn write behind and the leads not yet committed are deleted before the resume, so
 * the finished file is shorter than what is on disk, which only cutting the file back to its
 * committed length gets right.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { before, describe, test } from 'node:test';
import { exportFilePath } from '../../src/exports/export-file.ts';
import { spawnWorker } from '../bulk-actions/child.ts';
import { insertLeads, nameWordQuery, startWorker, waitForStatus } from '../bulk-actions/fixtures.ts';
import type { TestApp } from '../helpers/app.ts';
import { createExportApp, downloadWithKey, runExport, singleMember } from './helpers.ts';

const N = 120;
const BATCH = '10';

interface KillPoint {
  readonly name: string;
  readonly at: 'commit-pending' | 'committed';
  readonly when: (s: { status: string; processed: number }) => boolean;
  /**
   * What the file must look like right after the kill, against its committed length. The kill is
   * decided on a database read, so on a loaded machine it can land just after the held commit:
   * uncommitted bytes are then likely but not certain, and the run with `tear` adds some for sure.
   */
  readonly file: (size: number, committed: number) => void;
}

const KILL_POINTS: readonly KillPoint[] = [
  {
    name: 'while loading',
    at: 'commit-pending',
    when: (s) => s.status === 'loading',
    file: (size, committed) => assert.deepEqual([size, committed], [0, 0], 'nothing written before the set is loaded'),
  },
  {
    name: 'inside a batch, its segment written and fsynced, before its commit',
    at: 'commit-pending',
    when: (s) => s.status === 'processing' && s.processed >= 30,
    file: (size, committed) => assert.ok(size >= committed && committed > 0),
  },
  {
    name: 'right after a batch commit',
    at: 'committed',
    when: (s) => s.status === 'processing' && s.processed >= 70,
    // The next batch may have written its segment before the kill landed.
    file: (size, committed) => assert.ok(size >= committed && committed > 0),
  },
  {
    name: 'with the trailer written, before the final transition commits',
    at: 'commit-pending',
    when: (s) => s.status === 'processing' && s.processed === N,
    file: (size, committed) => assert.ok(size >= committed && committed > 0),
  },
];

describe('an export whose worker is killed with SIGKILL: another finishes it, the file is exactly the uninterrupted one', () => {
  let t: TestApp & { dataDir: string };
  before(async () => {
    t = await createExportApp({ env: { BULK_BATCH_SIZE: BATCH, BULK_LEASE_SECONDS: '1' } });
  });

  async function crashRun(point: KillPoint, word: string, body: Record<string, unknown>, tear = false) {
    await insertLeads(t.db, t.orgA.organization_id, N, { prefix: word, contactsPerLead: 2 });
    await insertLeads(t.db, t.orgB.organization_id, 10, { prefix: word });
    const child = await spawnWorker(t.connectionString, {
      DATA_DIR: t.dataDir,
      BULK_BATCH_SIZE: BATCH,
      BULK_LEASE_SECONDS: '1',
      CHILD_COMMIT_DELAY_MS: '100',
      CHILD_WORKER_ID: `child-${word}`,
    });
    let exportId = '';
    let killed = false;
    child.onLine((line) => {
      if (line !== point.at || !exportId || killed) return;
      void t.db
        .selectFrom('bulk_actions')
        .select(['status', 'n_leads_processed'])
        .where('id', '=', exportId)
        .executeTakeFirst()
        .then((row) => {
          if (!row || killed || !point.when({ status: row.status, processed: row.n_leads_processed })) return;
          killed = true;
          child.proc.kill('SIGKILL');
        });
    });
    const res = await t.call('POST', '/api/v1/export/lead/', { body: { s_query: nameWordQuery(word), send_done_email: false, ...body } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    exportId = res.body.id;
    await child.exited;
    assert.ok(killed, `the child was killed (${point.name})`);
    const mid = await t.db.selectFrom('bulk_actions').selectAll().where('id', '=', exportId).executeTakeFirstOrThrow();
    assert.ok(['loading', 'processing'].includes(mid.status), `killed mid-export, found ${mid.status}`);
    const file = exportFilePath(t.dataDir, exportId, body.format as 'csv' | 'json');
    const committed = await t.db.selectFrom('export_files').select('bytes').where('action_id', '=', exportId).executeTakeFirst();
    point.file(fs.existsSync(file) ? fs.statSync(file).size : 0, Number(committed?.bytes ?? 0));
    // With `tear`, the dead worker also left 64 KiB it never committed (a torn write), and every
    // lead not yet committed is deleted: the rest of the export writes less than that, so only
    // cutting the file back to its committed length (not writing over it) leaves no stale bytes.
    if (tear) fs.appendFileSync(file, Buffer.alloc(65_536, 0xa5));
    const pending = !tear
      ? []
      : await t.db.selectFrom('bulk_action_items').select('lead_id').where('action_id', '=', exportId).where('status', '=', 'pending').execute();
    if (pending.length > 0) await t.db.deleteFrom('leads').where('id', 'in', pending.map((p) => p.lead_id)).execute();
    const expected = N - pending.length;

    const finisher = await startWorker(t);
    await waitForStatus(t.db, exportId, ['done', 'error'], 30_000);
    const resumed = await t.call('GET', `/api/v1/export/${exportId}/`);
    assert.equal(resumed.body.status, 'done', JSON.stringify(resumed.body));
    const reference = await runExport(t, { s_query: nameWordQuery(word), ...body });
    await finisher.stop();
    assert.equal(resumed.body.n_docs_processed, reference.n_docs_processed);
    const got = await downloadWithKey(t, exportId);
    const want = await downloadWithKey(t, reference.id);
    assert.equal(got.status, 200);
    if (tear) {
      // The resumed export skips the deleted leads' items where a fresh one never had them: equal
      // content, batches cut elsewhere, so other compressed bytes.
      assert.equal(got.text, want.text, 'the resumed content is the uninterrupted one');
    } else {
      assert.ok(got.raw.equals(want.raw), 'the resumed file is byte for byte the uninterrupted one');
    }
    assert.equal(singleMember(got.raw), got.text);
    return { text: got.text, expected };
  }

  KILL_POINTS.forEach((point, i) => {
    test(`json leads: killed ${point.name}`, async () => {
      const { text, expected } = await crashRun(point, `Crashjson${i}`, { format: 'json', type: 'leads' });
      const leads = JSON.parse(text) as { id: string; contacts: unknown[] }[];
      assert.equal(leads.length, expected);
      assert.equal(new Set(leads.map((l) => l.id)).size, expected, 'no lead twice');
      assert.ok(leads.every((l) => l.contacts.length === 2));
    });
  });

  test(`json leads, a torn write left on disk and the rest deleted before the resume: killed ${KILL_POINTS[1]!.name}`, async () => {
    const { text, expected } = await crashRun(KILL_POINTS[1]!, 'Crashmutated', { format: 'json', type: 'leads' }, true);
    assert.ok(expected >= 30 && expected < N);
    assert.equal((JSON.parse(text) as unknown[]).length, expected);
  });

  test('csv contacts: killed inside a batch before its commit', async () => {
    const { text, expected } = await crashRun(KILL_POINTS[1]!, 'Crashcsv', { format: 'csv', type: 'contacts', fields: ['id', 'lead_id', 'name'] });
    const lines = text.split('\r\n').filter((line) => line !== '');
    assert.equal(lines[0], 'id,lead_id,name');
    assert.equal(lines.length, 1 + 2 * expected, 'one header, every contact once');
    assert.equal(new Set(lines).size, lines.length);
  });
});
