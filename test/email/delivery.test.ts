import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { simpleParser } from 'mailparser';
import { enqueueEmail, type EnqueueEmailInput } from '../../src/email/enqueue.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { insertAccount, insertLead } from './helpers/fixtures.ts';
import { SmtpSink, waitFor } from './helpers/smtp-sink.ts';
import { startWorker } from './helpers/worker.ts';

describe('outbox delivery over SMTP', () => {
  let t: TestApp;
  const sink = new SmtpSink();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-email-'));
  let accountA: string;
  let outboxAccount: string;
  let accountB: string;
  let leadA: { leadId: string; contactIds: string[] };
  let leadB: { leadId: string; contactIds: string[] };

  before(async () => {
    await sink.start();
    t = await createTestApp({ env: { DATA_DIR: dataDir, EMAIL_RETRY_BASE_MS: '150', EMAIL_LEASE_SECONDS: '5', PUBLIC_URL: 'https://sluice.example', OUTBOUND_ALLOW_HOSTS: '127.0.0.1' } });
    accountA = await insertAccount(t.db, t.orgA.organization_id, t.orgA.user_id, { email: 'sales@a.example', name: 'Ann Sales', smtpPort: sink.port });
    outboxAccount = await insertAccount(t.db, t.orgA.organization_id, t.orgA.user_id, { email: 'local@a.example' });
    accountB = await insertAccount(t.db, t.orgB.organization_id, t.orgB.user_id, { email: 'sales@b.example', smtpPort: sink.port });
    leadA = await insertLead(t.db, t.orgA.organization_id, 'Acme', [{ name: 'Jane Doe', emails: ['jane@acme.example'] }]);
    leadB = await insertLead(t.db, t.orgB.organization_id, 'Bolt', [{ name: 'Bob Bolt', emails: ['bob@bolt.example'] }]);
    await startWorker(t, t.config);
  });

  const input = (over: Partial<EnqueueEmailInput> = {}): EnqueueEmailInput => ({
    organizationId: t.orgA.organization_id,
    userId: t.orgA.user_id,
    leadId: leadA.leadId,
    contactId: leadA.contactIds[0]!,
    emailAccountId: accountA,
    senderName: 'Ann Sales',
    senderEmail: 'sales@a.example',
    to: ['jane@acme.example'],
    subject: 'Hello Jane',
    bodyHtml: '<p>Hi <b>Jane</b></p>',
    ...over,
  });

  const activity = (id: string) => t.db.selectFrom('email_activities').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  test('sends a queued message once, with a stable Message-ID and one-click unsubscribe headers', async () => {
    const { activityId } = await t.db.transaction().execute((trx) => enqueueEmail(trx, input()));
    const row = await activity(activityId);
    await waitFor(() => sink.countOf(row.message_id) === 1, 15000, 'delivery');
    await waitFor(async () => (await activity(activityId)).status === 'sent', 5000, 'status sent');
    const mail = sink.received.find((m) => m.messageId === row.message_id)!;
    assert.equal(mail.parsed.subject, 'Hello Jane');
    assert.deepEqual(mail.envelopeTo, ['jane@acme.example']);
    assert.equal(mail.parsed.from?.value[0]?.address, 'sales@a.example');
    assert.equal(mail.parsed.from?.value[0]?.name, 'Ann Sales');
    assert.match(String(mail.parsed.html), /Hi <b>Jane<\/b>/);
    assert.match(String(mail.parsed.text), /Hi Jane/);
    const headers = mail.raw.replace(/\r\n[ \t]+/g, ' ');
    assert.match(headers, /^List-Unsubscribe: <https:\/\/sluice\.example\/unsubscribe\/[\w-]+\.[\w-]+>\r$/m);
    assert.match(headers, /^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r$/m);
    assert.equal(row.message_id, `<${activityId}@a.example>`);
    // Exactly one Message-ID: the transport is told the one the message carries, and adds none.
    assert.deepEqual(headers.split('\r\n\r\n')[0]!.match(/^Message-ID: .*$/gim), [`Message-ID: ${row.message_id}`]);
    const sent = await activity(activityId);
    assert.ok(sent.date_sent);
    assert.equal(sent.send_attempts.length, 1);
    assert.equal(sent.send_attempts[0]!.status, 'sent');
    assert.equal(sent.claimed_by, null);
  });

  test('a rolled-back transaction sends nothing', async () => {
    const before = sink.received.length;
    await assert.rejects(
      t.db.transaction().execute(async (trx) => {
        await enqueueEmail(trx, input({ subject: 'never' }));
        throw new Error('rollback');
      }),
    );
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(sink.received.length, before);
    assert.equal(sink.received.filter((m) => m.parsed.subject === 'never').length, 0);
  });

  test('a reply carries In-Reply-To and References of the earlier message and joins its thread', async () => {
    const first = await t.db.transaction().execute((trx) => enqueueEmail(trx, input({ subject: 'Thread start' })));
    const second = await t.db.transaction().execute((trx) => enqueueEmail(trx, input({ subject: 'Re: Thread start', inReplyToActivityId: first.activityId })));
    const [a, b] = [await activity(first.activityId), await activity(second.activityId)];
    await waitFor(() => sink.countOf(b.message_id) === 1, 15000, 'reply delivery');
    const mail = sink.received.find((m) => m.messageId === b.message_id)!;
    assert.equal(mail.parsed.inReplyTo, a.message_id);
    assert.equal(b.thread_id, a.thread_id);
    assert.equal(b.in_reply_to_id, a.id);
  });

  test('SMTP down, then up: every message is retried with backoff and delivered exactly once', async () => {
    await sink.stop();
    const ids: string[] = [];
    await t.db.transaction().execute(async (trx) => {
      for (let i = 0; i < 5; i++) ids.push((await enqueueEmail(trx, input({ subject: `down-up ${i}` }))).activityId);
    });
    await waitFor(async () => {
      const rows = await t.db.selectFrom('email_activities').select(['status', 'send_attempts']).where('id', 'in', ids).execute();
      return rows.every((r) => r.status === 'outbox' && r.send_attempts.length >= 2);
    }, 15000, 'failed attempts recorded');
    const failed = await activity(ids[0]!);
    assert.equal(failed.send_attempts[0]!.status, 'failed');
    assert.match(String(failed.send_attempts[0]!.error), /ECONNREFUSED|ECONNECTION|connect/i);
    const account = await t.db.selectFrom('connected_accounts').select('latest_send_error').where('id', '=', accountA).executeTakeFirstOrThrow();
    assert.ok(account.latest_send_error);
    await sink.start();
    const messageIds = await Promise.all(ids.map(async (id) => (await activity(id)).message_id));
    await waitFor(() => messageIds.every((m) => sink.countOf(m) >= 1), 20000, 'delivery after recovery');
    await waitFor(async () => (await t.db.selectFrom('email_activities').select('status').where('id', 'in', ids).execute()).every((r) => r.status === 'sent'), 5000, 'all sent');
    await new Promise((r) => setTimeout(r, 500));
    for (const m of messageIds) assert.equal(sink.countOf(m), 1, m);
    const cleared = await t.db.selectFrom('connected_accounts').select('latest_send_error').where('id', '=', accountA).executeTakeFirstOrThrow();
    assert.equal(cleared.latest_send_error, null);
  });

  test('a permanent rejection (5xx) ends in error with the reason; a 4xx is retried until accepted', async () => {
    sink.rejectPermanently.add('nobody@acme.example');
    sink.rejectTemporarily.add('later@acme.example');
    const bad = await t.db.transaction().execute((trx) => enqueueEmail(trx, input({ to: ['nobody@acme.example'], subject: 'bounce' })));
    const later = await t.db.transaction().execute((trx) => enqueueEmail(trx, input({ to: ['later@acme.example'], subject: 'greylisted' })));
    await waitFor(async () => (await activity(bad.activityId)).status === 'error', 15000, 'error status');
    const row = await activity(bad.activityId);
    assert.match(String(row.error_message), /550|No such user/);
    assert.equal(row.send_attempts.length, 1);
    assert.equal(row.send_attempts[0]!.status, 'rejected');
    await waitFor(async () => (await activity(later.activityId)).send_attempts.length >= 2, 15000, 'temporary failures');
    assert.equal((await activity(later.activityId)).status === 'outbox' || (await activity(later.activityId)).status === 'sending', true);
    sink.rejectTemporarily.clear();
    await waitFor(async () => (await activity(later.activityId)).status === 'sent', 20000, 'greylisted sent');
    assert.equal(sink.received.filter((m) => m.parsed.subject === 'bounce').length, 0);
  });

  test('an account without SMTP writes each message as an .eml file in DATA_DIR/outbox', async () => {
    const { activityId } = await t.db.transaction().execute((trx) =>
      enqueueEmail(trx, input({ emailAccountId: outboxAccount, senderEmail: 'local@a.example', subject: 'Local copy' })),
    );
    await waitFor(async () => (await activity(activityId)).status === 'sent', 15000, 'local outbox');
    const file = path.join(dataDir, 'outbox', `${activityId}.eml`);
    const raw = fs.readFileSync(file);
    const parsed = await simpleParser(raw);
    assert.equal(parsed.subject, 'Local copy');
    assert.equal(parsed.messageId, (await activity(activityId)).message_id);
    assert.match(raw.toString('utf8'), /^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r$/m);
    assert.equal(sink.received.filter((m) => m.parsed.subject === 'Local copy').length, 0);
  });

  test("each organization's mail goes through its own account", async () => {
    const { activityId } = await t.db.transaction().execute((trx) =>
      enqueueEmail(trx, {
        ...input(),
        organizationId: t.orgB.organization_id,
        userId: t.orgB.user_id,
        leadId: leadB.leadId,
        contactId: leadB.contactIds[0]!,
        emailAccountId: accountB,
        senderName: null,
        senderEmail: 'sales@b.example',
        to: ['bob@bolt.example'],
        subject: 'From B',
      }),
    );
    await waitFor(async () => (await activity(activityId)).status === 'sent', 15000, 'org B sent');
    const mail = sink.received.find((m) => m.parsed.subject === 'From B')!;
    assert.equal(mail.parsed.from?.value[0]?.address, 'sales@b.example');
    const listA = await t.call('GET', '/api/v1/activity/email/');
    assert.ok(listA.body.data.every((a: any) => a.organization_id === t.orgA.organization_id));
    assert.ok(!listA.body.data.some((a: any) => a.id === activityId));
    const other = await t.call('GET', `/api/v1/activity/email/${activityId}/`);
    assert.equal(other.status, 404);
  });
});
