/**
 * The SMTP server goes away mid bulk email (it stops listening: connections are refused) and comes
 * back on the same port a few seconds later. A `sluice serve --role worker` process keeps running:
 * the failed sends go back to the outbox with a retry time, nothing is given up or lost, nothing is
 * sent twice, and the outbox drains once the server is back.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { nameWordQuery } from '../bulk-actions/fixtures.ts';
import { SmtpSink } from '../email/helpers/smtp-sink.ts';
import { createTestApp } from '../helpers/app.ts';
import { onTestFileEnd } from '../helpers/db.ts';
import { assertCountersExact, assertMailAtMostOnce, mailSettled } from './helpers/checks.ts';
import { startSluice, until } from './helpers/processes.ts';
import { insertLeadsWithEmails, setUpMail } from './helpers/seed.ts';

const N = 300;
const DOWN_MS = 3000;

test('SMTP down for a while: mail is delayed, not lost; the outbox drains when it returns', async (t) => {
  const env = { OUTBOUND_ALLOW_HOSTS: '127.0.0.1', EMAIL_RETRY_BASE_MS: '250', EMAIL_LEASE_SECONDS: '5', BULK_BATCH_SIZE: '50', TEMPLATE_RENDER_MS: '10000' };
  const app = await createTestApp({ env });
  const sink = new SmtpSink();
  await sink.start();
  sink.dataDelayMs = 5;
  onTestFileEnd(() => sink.stop());
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-faults-smtp-'));
  onTestFileEnd(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const leads = await insertLeadsWithEmails(app.db, app.orgA.organization_id, N, 'Mailme');
  const mail = await setUpMail((m, p, body) => app.call(m, p, { body }), sink.port);
  await startSluice('worker', { ...env, DATABASE_URL: app.connectionString, DATA_DIR: dataDir });

  const res = await app.call('POST', '/api/v1/bulk_action/email/', { body: { s_query: nameWordQuery('Mailme'), template_id: mail.templateId, contact_preference: 'lead', send_done_email: false } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  await until(() => sink.received.length >= N / 4, 'a quarter of the mail to arrive', 120_000, 10);
  await sink.stop();
  const downAt = Date.now();
  const receivedAtStop = sink.received.length;
  await new Promise((resolve) => setTimeout(resolve, DOWN_MS));
  const activities = async () => app.db.selectFrom('email_activities').select(['id', 'status', 'send_attempts', 'error_message']).where('bulk_email_action_id', '=', res.body.id).execute();
  const whileDown = await activities();
  const failedAttempts = whileDown.reduce((n, a) => n + (a.send_attempts as { status?: string }[]).filter((x) => x.status !== 'sent').length, 0);
  const waiting = whileDown.filter((a) => a.status === 'outbox' || a.status === 'sending').length;
  assert.equal(sink.received.length, receivedAtStop, 'nothing arrives while the server is down');
  assert.ok(waiting > 0, 'mail waits in the outbox while the server is down');
  assert.equal(whileDown.filter((a) => a.status === 'error').length, 0, 'nothing is given up during the outage');
  await sink.start();
  const upAt = Date.now();
  // On a slow machine the action may still be enqueuing: its last messages come after the outage.
  await until(async () => (await app.db.selectFrom('bulk_actions').select('status').where('id', '=', res.body.id).executeTakeFirstOrThrow()).status === 'done', 'the action to be done', 120_000);
  const ids = (await activities()).map((a) => a.id);
  await until(() => mailSettled(app.db, ids), 'the outbox to drain', 120_000, 20);
  const drainedMs = Date.now() - upAt;

  await assertCountersExact(app.db, res.body.id, N);
  const figures = await assertMailAtMostOnce(app.db, sink, ids, leads.emails);
  assert.equal(ids.length, N);
  assert.equal(figures.unknown, 0, 'no send was cut off half-way: a refused connection is a clean failure');
  assert.equal(figures.sent, N, 'every message sent once');
  const retried = (await activities()).filter((a) => (a.send_attempts as unknown[]).length > 1).length;
  assert.ok(retried > 0, 'some messages needed more than one attempt');
  t.diagnostic(
    `SMTP down ${upAt - downAt} ms after ${receivedAtStop} of ${N} emails; ${waiting} waited in the outbox (${failedAttempts} failed attempts recorded, ` +
      `${retried} messages retried), 0 given up; back up: drained in ${drainedMs} ms; ${N} sent exactly once, 0 lost, 0 duplicates`,
  );
});
