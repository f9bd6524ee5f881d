import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { enqueueEmails, type EnqueueEmailInput } from '../../src/email/enqueue.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { createOrganization } from '../../src/orgs/create-organization.ts';
import { insertAccount, insertLead } from './helpers/fixtures.ts';
import { SmtpSink, waitFor } from './helpers/smtp-sink.ts';
import { killHard, spawnWorker } from './helpers/spawn-worker.ts';

describe('a delivery worker killed with SIGKILL mid-run', () => {
  let d: TestDatabase;
  const sink = new SmtpSink();
  const N = 400;
  let ids: string[] = [];
  let orgB: string;

  before(async () => {
    await sink.start();
    sink.dataDelayMs = 15;
    d = await createTestDatabase();
    const a = await createOrganization(d.db, { name: 'A', userEmail: 'a@a.example' });
    const b = await createOrganization(d.db, { name: 'B', userEmail: 'b@b.example' });
    orgB = b.organization_id;
    const account = await insertAccount(d.db, a.organization_id, a.user_id, { email: 'ann@a.example', smtpPort: sink.port });
    const lead = await insertLead(d.db, a.organization_id, 'Target', [{ name: 'C', emails: ['c@c.example'] }]);
    const inputs: EnqueueEmailInput[] = Array.from({ length: N }, (_, i) => ({
      organizationId: a.organization_id,
      userId: a.user_id,
      leadId: lead.leadId,
      contactId: lead.contactIds[0]!,
      emailAccountId: account,
      senderName: null,
      senderEmail: 'ann@a.example',
      to: [`r${i}@c.example`],
      subject: `m${i}`,
      bodyHtml: `<p>${i}</p>`,
    }));
    ids = (await d.db.transaction().execute((trx) => enqueueEmails(trx, inputs))).map((r) => r.activityId);
    // Org B's queued mail has no account able to send it: it must stay untouched by org A's run.
    const bLead = await insertLead(d.db, orgB, 'B lead', [{ name: 'D', emails: ['d@d.example'] }]);
    await d.db.transaction().execute((trx) =>
      enqueueEmails(trx, [{ ...inputs[0]!, organizationId: orgB, userId: b.user_id, leadId: bLead.leadId, contactId: bLead.contactIds[0]!, emailAccountId: 'emailacct_paused', subject: 'B' }]),
    );
  });

  test('no message reaches the SMTP server twice; every message is sent or marked unknown', async () => {
    const env = { DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-crash-')), EMAIL_LEASE_SECONDS: '3', EMAIL_SMTP_CONNECTIONS: '4', CHILD_MAX_IN_FLIGHT: '40', OUTBOUND_ALLOW_HOSTS: '127.0.0.1' };
    const statuses = async () => {
      const rows = await d.db.selectFrom('email_activities').select(['id', 'status', 'message_id', 'send_attempts']).where('id', 'in', ids).execute();
      return rows;
    };
    let kills = 0;
    for (let round = 0; round < 4; round++) {
      const child = await spawnWorker(d.connectionString, env);
      const sentBefore = sink.received.length;
      // Kill once this worker is in the middle of sending.
      await waitFor(() => sink.received.length >= sentBefore + 20, 20000, 'sending to start');
      await new Promise((r) => setTimeout(r, 50 + Math.floor(Math.random() * 150)));
      await killHard(child);
      kills += 1;
    }
    const last = await spawnWorker(d.connectionString, env);
    await waitFor(async () => (await statuses()).every((r) => r.status === 'sent' || r.status === 'unknown' || r.status === 'error'), 60000, 'all messages settled');
    await killHard(last);

    const rows = await statuses();
    const counts = new Map<string, number>();
    for (const m of sink.received) counts.set(m.messageId, (counts.get(m.messageId) ?? 0) + 1);
    for (const [messageId, n] of counts) assert.equal(n, 1, `${messageId} reached the server ${n} times`);
    let unknown = 0;
    for (const row of rows) {
      assert.notEqual(row.status, 'error', `${row.id} ended in error`);
      if (row.status === 'sent') assert.equal(counts.get(row.message_id), 1, `${row.id} is sent but the server never got it`);
      else {
        assert.equal(row.status, 'unknown');
        unknown += 1;
      }
    }
    // Every message the server did not get is accounted for as unknown (none silently lost).
    const missing = rows.filter((r) => !counts.has(r.message_id));
    assert.ok(missing.every((r) => r.status === 'unknown'));
    const workers = new Set(rows.flatMap((r) => (r.send_attempts as { worker?: string }[]).map((a) => a.worker)));
    assert.ok(workers.size >= 3, `several worker processes took part (${workers.size})`);
    assert.equal(kills, 4);
    assert.ok(unknown < N / 2, `unknown stays a small fraction (${unknown} of ${N})`);
    const b = await d.db.selectFrom('email_activities').select('status').where('organization_id', '=', orgB).execute();
    assert.deepEqual(b.map((r) => r.status), ['error'], "org B's message (no such account) is failed by the reaper, never sent");
    console.log(`crash test: ${N} messages, ${kills} kills, ${rows.filter((r) => r.status === 'sent').length} sent, ${unknown} unknown (${missing.length} of them never reached the server)`);
  });
});
