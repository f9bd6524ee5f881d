import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { simpleParser } from 'mailparser';
import { exportFilePath } from '../../src/exports/export-file.ts';
import { sweepExportFiles } from '../../src/exports/retention.ts';
import { ManualClock } from '../../src/time.ts';
import { insertLeads, startWorker, TARGET_QUERY, waitFor, waitForStatus } from '../bulk-actions/fixtures.ts';
import type { TestApp } from '../helpers/app.ts';
import { createExportApp, downloadLink, downloadWithKey, runExport } from './helpers.ts';

const DAY = 86_400_000;
const N = 60;

describe('export lifecycle: progress, pause, resume, cancel, links, retention, done email', () => {
  let t: TestApp & { dataDir: string };
  let clock: ManualClock;

  before(async () => {
    clock = new ManualClock('2026-03-01T09:00:00Z');
    // Batches of 5 with 80 ms between them: a 60-lead export takes about a second, long enough to act on.
    t = await createExportApp({ clock, env: { BULK_BATCH_SIZE: '5', BULK_BATCH_DELAY_MS: '80', EXPORT_LINK_SECONDS: '3600' } });
    await startWorker(t);
    await insertLeads(t.db, t.orgA.organization_id, N, { contactsPerLead: 2 });
    await insertLeads(t.db, t.orgB.organization_id, 5);
  });

  const create = async (body: Record<string, unknown> = {}) => {
    const res = await t.call('POST', '/api/v1/export/lead/', { body: { s_query: TARGET_QUERY, format: 'json', type: 'leads', send_done_email: false, ...body } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.status, 'created');
    assert.equal(res.body.n_docs, null);
    assert.equal(res.body.n_docs_processed, 0);
    assert.equal(res.body.download_url, null);
    return res.body as { id: string };
  };
  const get = async (id: string) => (await t.call('GET', `/api/v1/export/${id}/`)).body;
  const put = (id: string, status: string) => t.call('PUT', `/api/v1/export/${id}/`, { body: { status } });

  test('paused mid-run: no batch after the pause; resumed: the same file as an uninterrupted export', async () => {
    const action = await create();
    await waitFor(async () => {
      const now = await get(action.id);
      return now.status === 'in_progress' && now.n_docs_processed >= 10 ? now : undefined;
    });
    const paused = await put(action.id, 'paused');
    assert.equal(paused.status, 200, JSON.stringify(paused.body));
    assert.equal(paused.body.status, 'paused');
    assert.equal(paused.body.resumable_until, '2026-03-08T09:00:00.000000+00:00');
    await new Promise((resolve) => setTimeout(resolve, 600));
    const still = await get(action.id);
    assert.equal(still.n_docs_processed, paused.body.n_docs_processed, 'nothing was written after the pause answered');
    assert.ok(still.n_docs_processed < N);
    assert.equal((await downloadWithKey(t, action.id)).status, 400, 'a paused export has no file to download');

    assert.equal((await put(action.id, 'resuming')).body.status, 'resuming');
    await waitForStatus(t.db, action.id, ['done']);
    const resumed = await downloadWithKey(t, action.id);
    const straight = await runExport(t, { s_query: TARGET_QUERY, format: 'json', type: 'leads' });
    const reference = await downloadWithKey(t, straight.id);
    assert.deepEqual(resumed.raw, reference.raw, 'byte for byte');
    assert.equal((JSON.parse(resumed.text) as unknown[]).length, N);
  });

  test('cancelled: the export stops, stays cancelled, and the sweep deletes its partial file', async () => {
    const action = await create({ format: 'csv', type: 'contacts' });
    await waitFor(async () => ((await get(action.id)).n_docs_processed >= 10 ? true : undefined));
    const cancelled = await put(action.id, 'cancelled');
    assert.equal(cancelled.body.status, 'cancelled');
    assert.equal((await put(action.id, 'resuming')).status, 400);
    const file = exportFilePath(t.dataDir, action.id, 'csv');
    assert.ok(fs.existsSync(file));
    await sweepExportFiles(t.db, t.config, clock.now());
    assert.ok(!fs.existsSync(file));
    const after = await get(action.id);
    assert.equal(after.status, 'cancelled');
    assert.ok(after.n_docs_processed < after.n_docs);
    assert.equal((await downloadWithKey(t, action.id)).status, 400);
  });

  test('download_url expires after EXPORT_LINK_SECONDS; a new GET signs a new one', async () => {
    const done = await runExport(t, { s_query: TARGET_QUERY, format: 'json', type: 'leads', fields: ['id'], results_limit: 3 });
    assert.equal((await downloadLink(t, done.download_url)).status, 200);
    clock.advance(3600 * 1000);
    const expired = await downloadLink(t, done.download_url);
    assert.equal(expired.status, 403);
    assert.match(expired.text, /expired/);
    const fresh = await get(done.id);
    assert.notEqual(fresh.download_url, done.download_url);
    assert.equal((await downloadLink(t, fresh.download_url)).status, 200);
  });

  test('retention: the file is deleted EXPORT_RETENTION_DAYS after the export is done; the export shows expired', async () => {
    const done = await runExport(t, { s_query: TARGET_QUERY, format: 'json', type: 'leads', fields: ['id'], results_limit: 3 });
    const other = await runExport(t, { s_query: TARGET_QUERY, format: 'json', type: 'leads', fields: ['id'], results_limit: 2 });
    const file = exportFilePath(t.dataDir, done.id, 'json');
    // Finished "now" in database time; the sweep reads the (manual) clock.
    const finished = new Date(Date.parse(done.date_expires) - 7 * DAY);
    assert.equal(await sweepExportFiles(t.db, t.config, new Date(finished.getTime() + 7 * DAY - 60_000)), 0);
    assert.ok(fs.existsSync(file));
    await t.db.updateTable('export_files').set({ date_finished: new Date(finished.getTime() + 60 * DAY) }).where('action_id', '=', other.id).execute();
    assert.ok((await sweepExportFiles(t.db, t.config, new Date(finished.getTime() + 7 * DAY + 60_000))) >= 1);
    assert.ok(!fs.existsSync(file));
    const expired = await get(done.id);
    assert.equal(expired.status, 'expired');
    assert.equal(expired.download_url, null);
    assert.equal(expired.date_expires, null);
    assert.equal(expired.n_docs, 3, 'the row and its counts stay');
    const refused = await downloadWithKey(t, done.id);
    assert.equal(refused.status, 400);
    assert.match(refused.text, /deleted/);
    assert.equal((await get(other.id)).status, 'done', 'an export finished later is kept');
    assert.ok(fs.existsSync(exportFilePath(t.dataDir, other.id, 'json')));
  });

  test('a paused export that can no longer resume loses its partial file at the sweep', async () => {
    const action = await create({ fields: ['id'] });
    await waitFor(async () => ((await get(action.id)).n_docs_processed >= 5 ? true : undefined));
    await put(action.id, 'paused');
    const file = exportFilePath(t.dataDir, action.id, 'json');
    assert.ok(fs.existsSync(file));
    await sweepExportFiles(t.db, t.config, new Date(clock.now().getTime() + 6 * DAY));
    assert.ok(fs.existsSync(file), 'still resumable: kept');
    await sweepExportFiles(t.db, t.config, new Date(clock.now().getTime() + 8 * DAY));
    assert.ok(!fs.existsSync(file));
  });

  test('the done email goes to the creator with the download link, once; none with send_done_email false', async () => {
    const outbox = path.join(t.dataDir, 'outbox');
    const mails = async (id: string) => {
      if (!fs.existsSync(outbox)) return [];
      const parsed = await Promise.all(fs.readdirSync(outbox).map((f) => simpleParser(fs.readFileSync(path.join(outbox, f)))));
      return parsed.filter((m) => m.text?.includes(id));
    };
    const loud = await runExport(t, { s_query: TARGET_QUERY, format: 'json', type: 'leads', fields: ['id'], results_limit: 4, send_done_email: true });
    const quiet = await runExport(t, { s_query: TARGET_QUERY, format: 'json', type: 'leads', fields: ['id'], results_limit: 4 });
    const [mail] = await waitFor(async () => {
      const found = await mails(loud.id);
      return found.length > 0 ? found : undefined;
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal((await mails(loud.id)).length, 1);
    assert.equal((await mails(quiet.id)).length, 0);
    assert.equal(mail!.subject, 'Export done: 4 leads');
    assert.equal((mail!.to as { text: string }).text, 'alice@a.example');
    const link = /(http\S+\/download\/export\/\S+)/.exec(mail!.text!)?.[1];
    assert.ok(link, mail!.text);
    const file = await downloadLink(t, link);
    assert.equal(file.status, 200);
    assert.equal((JSON.parse(file.text) as unknown[]).length, 4);
  });
});
