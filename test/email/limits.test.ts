import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { before, describe, test } from 'node:test';
import { enqueueEmails, type EnqueueEmailInput } from '../../src/email/enqueue.ts';
import { newId } from '../../src/ids.ts';
import { createOrganization, type CreatedOrganization } from '../../src/orgs/create-organization.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { insertAccount, insertLead } from './helpers/fixtures.ts';
import { SmtpSink, waitFor } from './helpers/smtp-sink.ts';
import { spawnWorker, stopGracefully } from './helpers/spawn-worker.ts';

describe('per-account sending limits across two worker processes', () => {
  let d: TestDatabase;
  let org: CreatedOrganization;
  let lead: { leadId: string; contactIds: string[] };
  const sink = new SmtpSink();
  const env = () => ({ DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-limits-')), EMAIL_LEASE_SECONDS: '10', OUTBOUND_ALLOW_HOSTS: '127.0.0.1' });

  before(async () => {
    await sink.start();
    d = await createTestDatabase();
    org = await createOrganization(d.db, { name: 'A', userEmail: 'a@a.example' });
    lead = await insertLead(d.db, org.organization_id, 'Target', [{ name: 'C', emails: ['c@c.example'] }]);
  });

  async function enqueue(account: string, sender: string, n: number, tag: string): Promise<string[]> {
    const inputs: EnqueueEmailInput[] = Array.from({ length: n }, (_, i) => ({
      organizationId: org.organization_id,
      userId: org.user_id,
      leadId: lead.leadId,
      contactId: lead.contactIds[0]!,
      emailAccountId: account,
      senderName: null,
      senderEmail: sender,
      to: [`${tag}${i}@c.example`],
      subject: `${tag} ${i}`,
      bodyHtml: '<p>x</p>',
    }));
    return (await d.db.transaction().execute((trx) => enqueueEmails(trx, inputs))).map((r) => r.activityId);
  }

  const receivedFrom = (sender: string) => sink.received.filter((m) => m.parsed.from?.value[0]?.address === sender);

  test('minimum delay: consecutive sends of one account are at least min_delay_seconds apart', async () => {
    const account = await insertAccount(d.db, org.organization_id, org.user_id, { email: 'slow@a.example', smtpPort: sink.port, minDelaySeconds: 1 });
    const fast = await insertAccount(d.db, org.organization_id, org.user_id, { email: 'fast@a.example', smtpPort: sink.port });
    await enqueue(account, 'slow@a.example', 4, 'slow');
    await enqueue(fast, 'fast@a.example', 20, 'fast');
    const e = env();
    const workers = [await spawnWorker(d.connectionString, e), await spawnWorker(d.connectionString, e)];
    await waitFor(() => receivedFrom('slow@a.example').length === 4, 20000, 'four slow sends');
    const times = receivedFrom('slow@a.example').map((m) => m.at).sort((a, b) => a - b);
    for (let i = 1; i < times.length; i++) assert.ok(times[i]! - times[i - 1]! >= 1000, `gap ${i}: ${times[i]! - times[i - 1]!} ms`);
    // The other account is not held back by the slow one.
    const fastTimes = receivedFrom('fast@a.example').map((m) => m.at);
    assert.equal(fastTimes.length, 20);
    assert.ok(Math.max(...fastTimes) < times[2]!, 'the unlimited account finished while the slow one was still waiting');
    await Promise.all(workers.map(stopGracefully));
  });

  test('hourly and daily limits: exactly as many messages as the window allows are sent; the rest wait in the outbox', async () => {
    const hourly = await insertAccount(d.db, org.organization_id, org.user_id, { email: 'hourly@a.example', smtpPort: sink.port, hourly: 3 });
    const daily = await insertAccount(d.db, org.organization_id, org.user_id, { email: 'daily@a.example', smtpPort: sink.port, daily: 2 });
    const e = env();
    const workers = [await spawnWorker(d.connectionString, e), await spawnWorker(d.connectionString, e)];
    // Two sends of the last hour that leave the window 3 seconds from now.
    for (let i = 0; i < 2; i++) {
      await sql`INSERT INTO email_send_ledger (account_id, organization_id, activity_id, sent_at)
                VALUES (${hourly}, ${org.organization_id}, ${newId('acti')}, now() - interval '1 hour' + interval '3 seconds')`.execute(d.db);
    }
    const start = Date.now();
    const hourlyIds = await enqueue(hourly, 'hourly@a.example', 6, 'h');
    const dailyIds = await enqueue(daily, 'daily@a.example', 4, 'd');
    await waitFor(() => receivedFrom('daily@a.example').length === 2 && receivedFrom('hourly@a.example').length >= 1, 10000, 'first sends');
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(receivedFrom('hourly@a.example').length, 1, 'one slot free while two old sends are in the window');
    await waitFor(() => receivedFrom('hourly@a.example').length === 3, 10000, 'slots freed by the window');
    const late = receivedFrom('hourly@a.example').map((m) => m.at - start).sort((a, b) => a - b);
    assert.ok(late[1]! >= 2500, `second send waited for the window (${late[1]} ms)`);
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(receivedFrom('hourly@a.example').length, 3, 'no more than 3 in any hour');
    assert.equal(receivedFrom('daily@a.example').length, 2, 'no more than 2 in any day');
    const statuses = async (ids: string[]) =>
      (await d.db.selectFrom('email_activities').select('status').where('id', 'in', ids).execute()).map((r) => r.status).sort();
    assert.deepEqual(await statuses(hourlyIds), ['outbox', 'outbox', 'outbox', 'sent', 'sent', 'sent']);
    assert.deepEqual(await statuses(dailyIds), ['outbox', 'outbox', 'sent', 'sent']);
    const parked = await d.db.selectFrom('connected_accounts').select(['id', 'send_ready_at']).where('id', 'in', [hourly, daily]).execute();
    for (const row of parked) assert.ok(row.send_ready_at.getTime() > Date.now() + 50 * 60_000, `${row.id} waits for its window`);
    await Promise.all(workers.map(stopGracefully));
  });
});
