import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { before, describe, test } from 'node:test';
import pino from 'pino';
import { createEmailDeliveryWorker } from '../../src/email/delivery-worker.ts';
import { enqueueEmails, type EnqueueEmailInput } from '../../src/email/enqueue.ts';
import { createMetricsRegistry } from '../../src/metrics/registry.ts';
import { systemClock } from '../../src/time.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { onTestFileEnd } from '../helpers/db.ts';
import { waitFor } from '../bulk-actions/fixtures.ts';
import { insertAccount, insertLead } from '../email/helpers/fixtures.ts';
import { parseExposition, valueOf } from './exposition.ts';

describe('email delivery in metrics and logs', () => {
  let t: TestApp;
  before(async () => {
    // Port 9 (discard) on loopback: nothing listens, so the SMTP account's send fails at once.
    t = await createTestApp({ env: { OUTBOUND_ALLOW_HOSTS: '127.0.0.1', EMAIL_RETRY_BASE_MS: '600000' } });
  });

  test('each send counts by outcome and logs its email_id', async () => {
    const org = t.orgA.organization_id;
    const local = await insertAccount(t.db, org, t.orgA.user_id, { email: 'local@a.example' });
    const refused = await insertAccount(t.db, org, t.orgA.user_id, { email: 'smtp@a.example', smtpPort: 9 });
    const lead = await insertLead(t.db, org, 'L1', [{ name: 'C1', emails: ['c1@x.example'] }]);
    const input = (account: string, email: string): EnqueueEmailInput => ({
      organizationId: org, userId: t.orgA.user_id, leadId: lead.leadId, contactId: lead.contactIds[0]!, emailAccountId: account,
      senderName: 'Ann', senderEmail: email, to: ['c1@x.example'], subject: 'Hi', bodyHtml: '<p>Hi</p>',
    });
    const [sent, failing] = await t.db.transaction().execute((trx) => enqueueEmails(trx, [input(local, 'local@a.example'), input(refused, 'smtp@a.example')]));

    const registry = createMetricsRegistry({ db: t.db, pools: { worker: t.pool } });
    const read = async (outcome: string) => valueOf(parseExposition(await registry.metrics()), 'sluice_email_sends_total', { outcome }) ?? 0;
    const before = { sent: await read('sent'), retry: await read('retry') };

    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n')) if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const worker = createEmailDeliveryWorker(
      { db: t.db, pool: t.pool, config: t.config, clock: systemClock, log: pino({ level: 'debug' }, sink), connectionString: t.connectionString },
      { pollMs: 100 },
    );
    await worker.start();
    onTestFileEnd(() => worker.stop());

    await waitFor(async () => {
      const rows = await t.db.selectFrom('email_activities').select(['id', 'status', 'send_attempts']).execute();
      const byId = new Map(rows.map((r) => [r.id, r]));
      return byId.get(sent!.activityId)?.status === 'sent' && (byId.get(failing!.activityId)?.send_attempts ?? []).length === 1;
    }, 20_000, 'one send and one failed attempt recorded');

    assert.equal(await read('sent'), before.sent + 1);
    assert.equal(await read('retry'), before.retry + 1);
    const sentLine = lines.find((l) => l.msg === 'email sent');
    assert.equal(sentLine?.email_id, sent!.activityId);
    assert.equal(sentLine?.account_id, local);
    const failedLine = lines.find((l) => l.msg === 'email not sent');
    assert.equal(failedLine?.email_id, failing!.activityId);
    assert.equal(failedLine?.outcome, 'retry');
    assert.equal(failedLine?.level, 30, 'a failure is logged at info');
    assert.equal(typeof failedLine?.reason, 'string');
  });
});
