/**
 * Two `api` and two `worker` processes (`sluice serve --role …`) on one database run four bulk
 * actions of different kinds at once (edit, delete, email, sequence subscription whose step sends
 * mail), with API traffic on both API processes alongside. Halfway through the edit, the worker
 * process holding it is killed with SIGKILL: the other worker takes over once the lease lapses.
 * Every edit, delete and subscription happened exactly once, every email at most once, counters
 * equal the item rows, and no API request failed.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { createOrganization } from '../../src/orgs/create-organization.ts';
import { nameWordQuery, statuses } from '../bulk-actions/fixtures.ts';
import { SmtpSink } from '../email/helpers/smtp-sink.ts';
import { createTestDatabase, onTestFileEnd } from '../helpers/db.ts';
import { assertCountersExact, assertDeletedOnce, assertEditedOnce, assertMailAtMostOnce, assertSubscribedOnce, mailSettled } from './helpers/checks.ts';
import { killHard, request, startSluice, until } from './helpers/processes.ts';
import { insertLeadsWithEmails, setUpMail } from './helpers/seed.ts';
import { startTraffic } from './helpers/traffic.ts';

const EDITS = 1500;
const DELETES = 600;
const EMAILS = 300;
const SUBSCRIPTIONS = 300;

test('2 api + 2 worker processes, 4 bulk actions and API traffic; the worker running the edit is SIGKILLed halfway', async (t) => {
  const d = await createTestDatabase();
  const a = await createOrganization(d.db, { name: 'A', userEmail: 'a@a.example' });
  const b = await createOrganization(d.db, { name: 'B', userEmail: 'b@b.example' });
  const sink = new SmtpSink();
  await sink.start();
  sink.dataDelayMs = 5;
  onTestFileEnd(() => sink.stop());
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-faults-'));
  onTestFileEnd(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const env = {
    DATABASE_URL: d.connectionString,
    DATA_DIR: dataDir,
    BULK_BATCH_SIZE: '50',
    BULK_BATCH_DELAY_MS: '20',
    BULK_LEASE_SECONDS: '2',
    BULK_MAX_RUNNING_PER_ORG: '4',
    EMAIL_LEASE_SECONDS: '2',
    OUTBOUND_ALLOW_HOSTS: '127.0.0.1',
    // Saving a template test-renders it; on a loaded machine that can pass the 1 s default.
    TEMPLATE_RENDER_MS: '10000',
  };

  const edit = await insertLeadsWithEmails(d.db, a.organization_id, EDITS, 'Editme');
  const drop = await insertLeadsWithEmails(d.db, a.organization_id, DELETES, 'Dropme');
  const mail = await insertLeadsWithEmails(d.db, a.organization_id, EMAILS, 'Mailme');
  const subs = await insertLeadsWithEmails(d.db, a.organization_id, SUBSCRIPTIONS, 'Subme');
  // The neighbour organization has leads every query would match: none may be touched.
  const theirs = await insertLeadsWithEmails(d.db, b.organization_id, 20, 'Editme Dropme Mailme Subme', 'b.example');

  const [api1, api2, w1, w2] = await Promise.all([startSluice('api', env), startSluice('api', env), startSluice('worker', env), startSluice('worker', env)]);
  const apis = [api1!, api2!];
  const workers = [w1!, w2!];
  const callA = (i: number) => (method: string, p: string, body?: unknown) => request(apis[i % 2]!.url, a.api_key, method, p, body);
  const mailSetup = await setUpMail(callA(0), sink.port);
  const qualified = (await statuses(d.db, a.organization_id))[2]!;

  const traffic = startTraffic(apis.map((p) => p.url), a.api_key);
  const post = async (i: number, kind: string, body: Record<string, unknown>) => {
    const res = await callA(i)('POST', `/api/v1/bulk_action/${kind}/`, { send_done_email: false, ...body });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.id as string;
  };
  const started = Date.now();
  const editId = await post(0, 'edit', { s_query: nameWordQuery('Editme'), type: 'set_lead_status', lead_status_id: qualified.id });
  const deleteId = await post(1, 'delete', { s_query: nameWordQuery('Dropme') });
  const emailId = await post(0, 'email', { s_query: nameWordQuery('Mailme'), template_id: mailSetup.templateId, contact_preference: 'lead' });
  const subId = await post(1, 'sequence_subscription', { s_query: nameWordQuery('Subme'), action_type: 'subscribe', contact_preference: 'lead', sequence_id: mailSetup.sequenceId, ...mailSetup.sender });
  const ids = [editId, deleteId, emailId, subId];

  const action = (id: string) => d.db.selectFrom('bulk_actions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const half = await until(async () => {
    const row = await action(editId);
    return row.n_leads !== null && row.n_leads_processed >= row.n_leads / 2 && row.locked_by ? row : undefined;
  }, 'the edit to be half done', 120_000, 10);
  const victim = workers.find((w) => half.locked_by!.includes(`_${w.proc.pid}_`));
  assert.ok(victim, `the edit is held by one of our workers (${half.locked_by})`);
  const others = await Promise.all(ids.map(action));
  await killHard(victim.proc);
  const killedAt = Date.now();
  const processedAtKill = (await action(editId)).n_leads_processed;
  const hit = others.filter((o) => o.locked_by === half.locked_by && o.status !== 'done').map((o) => o.kind);
  // Recovery: the surviving worker takes the edit over and commits its next batch.
  await until(async () => {
    const row = await action(editId);
    return row.n_leads_processed > processedAtKill || row.status === 'done';
  }, 'the edit to move on after the kill', 60_000, 20);
  const recoveredMs = Date.now() - killedAt;

  await until(async () => (await Promise.all(ids.map(action))).every((r) => r.status === 'done' || r.status === 'error'), 'all four actions to finish', 180_000, 100);
  const activityIds = async (column: 'bulk_email_action_id' | 'sequence_id', value: string) =>
    (await d.db.selectFrom('email_activities').select('id').where(column, '=', value).execute()).map((r) => r.id);
  // The subscriptions' one step is due at once: wait until each has sent it, then until mail settles.
  await until(async () => (await activityIds('sequence_id', mailSetup.sequenceId)).length >= SUBSCRIPTIONS, 'each subscription to run its step', 120_000, 100);
  const bulkMail = await activityIds('bulk_email_action_id', emailId);
  const stepMail = await activityIds('sequence_id', mailSetup.sequenceId);
  await until(() => mailSettled(d.db, [...bulkMail, ...stepMail]), 'mail to settle', 120_000, 100);
  const elapsed = Date.now() - started;
  const calls = await traffic.stop();

  await assertEditedOnce(d.db, a.organization_id, editId, edit.leadIds, qualified.id);
  await assertDeletedOnce(d.db, a.organization_id, deleteId, drop.leadIds);
  await assertCountersExact(d.db, emailId, EMAILS);
  await assertCountersExact(d.db, subId, SUBSCRIPTIONS);
  await assertSubscribedOnce(d.db, mailSetup.sequenceId, subs.contactIds);
  assert.equal(bulkMail.length, EMAILS, 'one email per lead');
  assert.equal(stepMail.length, SUBSCRIPTIONS, 'one step email per subscription');
  const bulkFigures = await assertMailAtMostOnce(d.db, sink, bulkMail, mail.emails);
  const stepFigures = await assertMailAtMostOnce(d.db, sink, stepMail, subs.emails);
  const untouched = await d.db.selectFrom('leads').select('status_id').where('id', 'in', theirs.leadIds).execute();
  assert.equal(untouched.length, 20, "the other organization's leads are all there");
  assert.equal(new Set(untouched.map((r) => r.status_id)).size, 1);
  assert.ok(!untouched.some((r) => r.status_id === qualified.id));
  assert.ok(calls.total > 0, 'API traffic ran alongside');
  assert.deepEqual(calls.failures, [], 'no API request failed');
  await calls.verify();

  t.diagnostic(
    `killed worker 1 of 2 (of 4 processes) at ${Math.round((100 * processedAtKill) / EDITS)}% of a ${EDITS.toLocaleString('en')}-lead edit ` +
      `(it also held: ${hit.join(', ') || 'nothing else'}); recovered in ${recoveredMs} ms; ${EDITS} edited once, ${DELETES} deleted once, ` +
      `${SUBSCRIPTIONS} subscribed once, 0 duplicates, counters exact; bulk email ${bulkFigures.sent} sent + ${bulkFigures.unknown} unknown ` +
      `(${bulkFigures.unknownReceived} of them received), step email ${stepFigures.sent} sent + ${stepFigures.unknown} unknown; ` +
      `${calls.total} API calls alongside, all 2xx; ${elapsed} ms in all`,
  );
});
