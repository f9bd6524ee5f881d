import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { claimAction, releaseLease } from '../../src/bulk-actions/claim.ts';
import { enqueueEmails, type EnqueueEmailInput } from '../../src/email/enqueue.ts';
import { reapDeliveries } from '../../src/email/reaper.ts';
import { createMetricsRegistry } from '../../src/metrics/registry.ts';
import { systemClock } from '../../src/time.ts';
import { claimSubscriptions } from '../../src/webhooks/claim.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { insertLeads, statuses, TARGET_QUERY } from '../bulk-actions/fixtures.ts';
import { insertAccount, insertLead } from '../email/helpers/fixtures.ts';
import { parseExposition, valueOf } from './exposition.ts';

describe('sluice_lease_takeovers_total', () => {
  let t: TestApp;
  let read: (name: string, labels: Record<string, string>) => Promise<number>;
  before(async () => {
    t = await createTestApp({ env: { OUTBOUND_ALLOW_HOSTS: '127.0.0.1' } });
    const registry = createMetricsRegistry({ db: t.db, pools: { api: t.pool } });
    read = async (name, labels) => valueOf(parseExposition(await registry.metrics()), name, labels) ?? 0;
  });

  test('bulk: a lapsed lease claimed by another worker counts; a released one does not', async () => {
    await insertLeads(t.db, t.orgA.organization_id, 3);
    const [, , qualified] = await statuses(t.db, t.orgA.organization_id);
    const create = async () =>
      (await t.call('POST', '/api/v1/bulk_action/edit/', {
        body: { s_query: TARGET_QUERY, type: 'set_lead_status', lead_status_id: qualified!.id, send_done_email: false },
      })).body.id as string;
    const before = await read('sluice_lease_takeovers_total', { kind: 'bulk' });
    const released = await create();
    assert.equal((await claimAction(t.db, 'worker-a', t.config, systemClock))?.id, released);
    await releaseLease(t.db, { id: released, organization_id: t.orgA.organization_id }, 'worker-a');
    assert.equal((await claimAction(t.db, 'worker-b', t.config, systemClock))?.id, released, 'a graceful hand-over');
    assert.equal(await read('sluice_lease_takeovers_total', { kind: 'bulk' }), before);

    await sql`UPDATE bulk_actions SET locked_until = now() - interval '1 second' WHERE id = ${released}`.execute(t.db);
    assert.equal((await claimAction(t.db, 'worker-c', t.config, systemClock))?.id, released, 'worker-b died');
    assert.equal(await read('sluice_lease_takeovers_total', { kind: 'bulk' }), before + 1);
  });

  test('email: each interrupted send the reaper marks unknown counts, and as an unknown outcome', async () => {
    const org = t.orgA.organization_id;
    const account = await insertAccount(t.db, org, t.orgA.user_id, { email: 'ann@a.example' });
    const lead = await insertLead(t.db, org, 'L1', [{ name: 'C1', emails: ['c1@x.example'] }]);
    const input = (i: number): EnqueueEmailInput => ({
      organizationId: org, userId: t.orgA.user_id, leadId: lead.leadId, contactId: lead.contactIds[0]!, emailAccountId: account,
      senderName: 'Ann', senderEmail: 'ann@a.example', to: [`m${i}@x.example`], subject: `m${i}`, bodyHtml: `<p>m${i}</p>`,
    });
    const [lapsed, live] = await t.db.transaction().execute((trx) => enqueueEmails(trx, [input(1), input(2)]));
    await sql`UPDATE email_activities SET status = 'sending', claimed_by = 'dw-dead', lease_expires_at = now() - interval '1 second' WHERE id = ${lapsed!.activityId}`.execute(t.db);
    await sql`UPDATE email_activities SET status = 'sending', claimed_by = 'dw-live', lease_expires_at = now() + interval '1 minute' WHERE id = ${live!.activityId}`.execute(t.db);
    const takeovers = await read('sluice_lease_takeovers_total', { kind: 'email' });
    const unknown = await read('sluice_email_sends_total', { outcome: 'unknown' });
    assert.equal(await reapDeliveries(t.db), 1);
    assert.equal(await read('sluice_lease_takeovers_total', { kind: 'email' }), takeovers + 1);
    assert.equal(await read('sluice_email_sends_total', { outcome: 'unknown' }), unknown + 1);
    assert.equal(await reapDeliveries(t.db), 0, 'the live send is left alone');
    assert.equal(await read('sluice_lease_takeovers_total', { kind: 'email' }), takeovers + 1);
  });

  test('webhook: a subscription whose holder’s lease lapsed counts; a released one does not', async () => {
    const hook = async () => {
      const res = await t.call('POST', '/api/v1/webhook/', { body: { url: 'http://127.0.0.1:9/', events: [{ object_type: 'lead', action: 'updated' }] } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      await sql`INSERT INTO webhook_deliveries (webhook_id, organization_id, event_id, next_attempt_at)
                VALUES (${res.body.id}, ${t.orgA.organization_id}, ${`ev_${res.body.id}`}, now() - interval '1 second')`.execute(t.db);
      return res.body.id as string;
    };
    const lapsed = await hook();
    const released = await hook();
    await sql`UPDATE webhooks SET claimed_by = 'wh-dead', lease_expires_at = now() - interval '1 second' WHERE id = ${lapsed}`.execute(t.db);
    await sql`UPDATE webhooks SET claimed_by = NULL, lease_expires_at = now() - interval '1 second' WHERE id = ${released}`.execute(t.db);
    const before = await read('sluice_lease_takeovers_total', { kind: 'webhook' });
    const claimed = await claimSubscriptions(t.db, 'wh-b', 10, 30, new Date(), []);
    assert.deepEqual(claimed.map((w) => w.id).sort(), [lapsed, released].sort());
    assert.equal(claimed[0]!.claimed_by, 'wh-b');
    assert.equal('previous_holder' in claimed[0]!, false, 'rows keep their shape');
    assert.equal(await read('sluice_lease_takeovers_total', { kind: 'webhook' }), before + 1);
  });
});
