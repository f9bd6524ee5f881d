/**
 * PostgreSQL restarted while bulk actions run and API traffic flows: an `api` and a `worker`
 * process on a PostgreSQL of this test's own (the other test files' server is never disturbed) see
 * it stop (fast shutdown: every connection is cut) and come back on the same port. Nobody touches
 * the processes: they reconnect and finish, every effect exactly once (email at most once), a
 * request during the outage gets a 503 (never a 500), and none sent after PostgreSQL is back a 5xx.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { freePort } from '../../scripts/free-port.ts';
import { connect } from '../../src/db/database.ts';
import { startEmbeddedPostgres } from '../../src/db/embedded.ts';
import { migrate } from '../../src/db/migrate.ts';
import { createOrganization } from '../../src/orgs/create-organization.ts';
import { nameWordQuery, statuses } from '../bulk-actions/fixtures.ts';
import { SmtpSink } from '../email/helpers/smtp-sink.ts';
import { onTestFileEnd } from '../helpers/db.ts';
import { assertDeletedOnce, assertEditedOnce, assertMailAtMostOnce, assertCountersExact, mailSettled } from './helpers/checks.ts';
import { request, startSluice, until } from './helpers/processes.ts';
import { insertLeadsWithEmails, setUpMail } from './helpers/seed.ts';
import { startTraffic } from './helpers/traffic.ts';

const EDITS = 1200;
const DELETES = 400;
const EMAILS = 200;
const DOWN_MS = 2000;

test('PostgreSQL restarted mid-run: processes reconnect and finish, no 5xx once it is back', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-faults-pg-'));
  const pgDir = path.join(dir, 'pg');
  const port = await freePort();
  let server = await startEmbeddedPostgres(pgDir, port);
  onTestFileEnd(async () => {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const handles = connect(server.connectionString, 4);
  onTestFileEnd(() => handles.end());
  const db = handles.db;
  await migrate(handles.pool);
  const a = await createOrganization(db, { name: 'A', userEmail: 'a@a.example' });
  const edit = await insertLeadsWithEmails(db, a.organization_id, EDITS, 'Editme');
  const drop = await insertLeadsWithEmails(db, a.organization_id, DELETES, 'Dropme');
  const mail = await insertLeadsWithEmails(db, a.organization_id, EMAILS, 'Mailme');
  const sink = new SmtpSink();
  await sink.start();
  sink.dataDelayMs = 10;
  onTestFileEnd(() => sink.stop());

  const env = {
    DATABASE_URL: server.connectionString,
    DATA_DIR: path.join(dir, 'data'),
    BULK_BATCH_SIZE: '40',
    BULK_BATCH_DELAY_MS: '60',
    BULK_LEASE_SECONDS: '2',
    BULK_MAX_RUNNING_PER_ORG: '4',
    EMAIL_LEASE_SECONDS: '2',
    OUTBOUND_ALLOW_HOSTS: '127.0.0.1',
    // Saving a template test-renders it; on a loaded machine that can pass the 1 s default.
    TEMPLATE_RENDER_MS: '10000',
  };
  const [api, worker] = await Promise.all([startSluice('api', env), startSluice('worker', env)]);
  const call = (method: string, p: string, body?: unknown) => request(api.url, a.api_key, method, p, body);
  const mailSetup = await setUpMail(call, sink.port);
  const qualified = (await statuses(db, a.organization_id))[2]!;
  const post = async (kind: string, body: Record<string, unknown>) => {
    const res = await call('POST', `/api/v1/bulk_action/${kind}/`, { send_done_email: false, ...body });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.id as string;
  };
  const traffic = startTraffic([api.url], a.api_key);
  const editId = await post('edit', { s_query: nameWordQuery('Editme'), type: 'set_lead_status', lead_status_id: qualified.id });
  const deleteId = await post('delete', { s_query: nameWordQuery('Dropme') });
  const emailId = await post('email', { s_query: nameWordQuery('Mailme'), template_id: mailSetup.templateId, contact_preference: 'lead' });
  const ids = [editId, deleteId, emailId];
  const action = (id: string) => db.selectFrom('bulk_actions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  await until(async () => {
    const row = await action(editId);
    return row.n_leads !== null && row.n_leads_processed >= row.n_leads / 4;
  }, 'the edit to be a quarter done', 120_000, 20);
  const before = await Promise.all(ids.map(action));
  const stoppedAt = Date.now();
  await server.stop();
  await new Promise((resolve) => setTimeout(resolve, DOWN_MS));
  server = await startEmbeddedPostgres(pgDir, port);
  const backAt = Date.now();
  // Recovery: the edit commits a batch again without anyone touching the processes.
  const processedBefore = before[0]!.n_leads_processed;
  await until(async () => {
    const row = await action(editId).catch(() => undefined);
    return row && (row.n_leads_processed > processedBefore || row.status === 'done');
  }, 'the edit to move on after the restart', 60_000, 20);
  const recoveredMs = Date.now() - backAt;

  await until(async () => (await Promise.all(ids.map(action))).every((r) => r.status === 'done' || r.status === 'error'), 'the actions to finish', 180_000, 100);
  const bulkMail = (await db.selectFrom('email_activities').select('id').where('bulk_email_action_id', '=', emailId).execute()).map((r) => r.id);
  await until(() => mailSettled(db, bulkMail), 'mail to settle', 120_000, 100);
  // Some traffic after the restart, then stop.
  const afterBack = () => traffic.answers.filter((x) => x.sent >= backAt).length;
  await until(() => afterBack() >= 20, 'requests after the restart', 60_000);
  const calls = await traffic.stop();

  await assertEditedOnce(db, a.organization_id, editId, edit.leadIds, qualified.id);
  await assertDeletedOnce(db, a.organization_id, deleteId, drop.leadIds);
  await assertCountersExact(db, emailId, EMAILS);
  const figures = await assertMailAtMostOnce(db, sink, bulkMail, mail.emails);
  const after = calls.answers.filter((x) => x.sent >= backAt);
  const bad = after.filter((x) => x.status >= 500 || x.status === 0).map((x) => `${x.op} ${x.status} ${x.sent - backAt} ms after`);
  assert.deepEqual(bad, [], 'no request sent after PostgreSQL is back fails');
  const during = calls.answers.filter((x) => x.sent >= stoppedAt && x.sent < backAt);
  const byStatus = new Map<number, number>();
  for (const x of during) byStatus.set(x.status, (byStatus.get(x.status) ?? 0) + 1);
  // While it is down, the API says so (503, retry) instead of a 500; the process stays up.
  assert.deepEqual(during.filter((x) => x.status !== 503 && (x.status < 200 || x.status > 299)).map((x) => `${x.op} ${x.status}`), [], 'during the outage: 2xx or 503 only');
  await calls.verify();
  assert.equal(api.proc.exitCode, null, 'the api process kept running');
  assert.equal(worker.proc.exitCode, null, 'the worker process kept running');

  const processed = before.map((r) => `${r.kind} ${r.n_leads_processed}/${r.n_leads ?? '?'}`).join(', ');
  t.diagnostic(
    `PostgreSQL stopped for ${backAt - stoppedAt} ms (restart included) with ${processed} done; the edit moved on ${recoveredMs} ms after it was back; ` +
      `${EDITS} edited once, ${DELETES} deleted once, 0 duplicates, counters exact; email ${figures.sent} sent + ${figures.unknown} unknown; ` +
      `${during.length} requests during the outage (${[...byStatus].map(([s, n]) => `${n}x ${s}`).join(', ') || 'none'}), ${after.length} after it, all 2xx`,
  );
});
