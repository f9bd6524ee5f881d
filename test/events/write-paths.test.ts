/**
 * The events write paths record that the event log did not show before: email activities through
 * their life (queued, sent, failed, interrupted, orphaned, deleted with their lead), subscriptions
 * that go with their contact, lead or sequence, a subscription the scheduler gives up on, and a new
 * organization's default statuses. Each is read back through `GET /event/`, and organization B,
 * doing the same things, never shows.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { enqueueEmails, type EnqueueEmailInput } from '../../src/email/enqueue.ts';
import { reapDeliveries } from '../../src/email/reaper.ts';
import { recordResults } from '../../src/email/record-results.ts';
import { createOrganization } from '../../src/orgs/create-organization.ts';
import { runSchedulerOnce } from '../../src/sequences/scheduler.ts';
import { ManualClock } from '../../src/time.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createAccount, createLead, createTemplate, type Org } from '../sequences/fixtures.ts';

describe('events of write paths', () => {
  const clock = new ManualClock('2026-01-05T12:00:00Z');
  let t: TestApp;

  before(async () => {
    t = await createTestApp({ clock });
  });

  const events = async (query: string, key?: string) => {
    const res = await t.call('GET', `/api/v1/event/?${query}`, key ? { key } : {});
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.data as any[];
  };

  async function queue(org: Org, leadId: string, contactId: string, accountId: string, n: number): Promise<string[]> {
    const inputs: EnqueueEmailInput[] = Array.from({ length: n }, (_, i) => ({
      organizationId: org.organization_id,
      userId: org.user_id,
      leadId,
      contactId,
      emailAccountId: accountId,
      senderName: 'Sam',
      senderEmail: 'sam@a.example',
      to: [`r${i}@c.example`],
      subject: `m${i}`,
      bodyHtml: `<p>${i}</p>`,
    }));
    return (await t.db.transaction().execute((trx) => enqueueEmails(trx, inputs))).map((r) => r.activityId);
  }

  test('email activities: created when queued, sent / updated at a final outcome, nothing for a retry', async () => {
    const account = await createAccount(t, t.orgA, 'sam@a.example');
    const lead = await createLead(t, t.orgA, 'Mailed', [{ name: 'Cy', emails: ['cy@c.example'] }]);
    const bAccount = await createAccount(t, t.orgB, 'bo@b.example');
    const bLead = await createLead(t, t.orgB, 'B mailed', [{ name: 'Di', emails: ['di@d.example'] }]);
    const [sent, refused, retried] = await queue(t.orgA, lead.id, lead.contacts[0].id, account, 3);
    await queue(t.orgB, bLead.id, bLead.contacts[0].id, bAccount, 2);

    const created = await events(`object_type=activity.email&action=created&lead_id=${lead.id}`);
    assert.deepEqual(created.map((e) => e.object_id).sort(), [sent, refused, retried].sort());
    for (const e of created) {
      assert.equal(e.lead_id, lead.id);
      assert.equal(e.user_id, t.orgA.user_id);
      assert.equal(e.data.status, 'outbox');
      assert.equal(e.data.id, e.object_id);
      assert.equal(e.data.subject.startsWith('m'), true);
    }
    assert.equal((await events('object_type=activity.email', t.orgB.api_key)).length, 2, 'B sees its own two');
    assert.equal((await events(`object_type=activity.email&lead_id=${lead.id}`, t.orgB.api_key)).length, 0);

    // A worker claimed all three; outcomes: accepted, refused for good, refused for now.
    await sql`UPDATE email_activities SET status = 'sending', claimed_by = 'w1', lease_expires_at = now() + interval '1 minute'
              WHERE id = ANY(${[sent, refused, retried]}::text[])`.execute(t.db);
    const at = new Date();
    await recordResults(
      t.db,
      'w1',
      [
        { id: sent!, accountId: account, previousAttempts: 0, outcome: { kind: 'sent', response: '250 ok' }, at },
        { id: refused!, accountId: account, previousAttempts: 0, outcome: { kind: 'permanent', reason: '550 no such user', code: 550 }, at },
        { id: retried!, accountId: account, previousAttempts: 0, outcome: { kind: 'transient', reason: '421 busy', code: 421 }, at },
      ],
      { retryBaseMs: 1000, maxAttempts: 5 },
    );
    const [sentEvent] = await events(`object_id=${sent}&action=sent`);
    assert.equal(sentEvent.object_type, 'activity.email');
    assert.equal(sentEvent.data.status, 'sent');
    assert.ok(sentEvent.data.date_sent);
    assert.deepEqual(sentEvent.previous_data, { status: 'sending', error_message: null });
    assert.ok(sentEvent.changed_fields.includes('status'));
    const [refusedEvent] = await events(`object_id=${refused}&action=updated`);
    assert.equal(refusedEvent.data.status, 'error');
    assert.equal(refusedEvent.data.error_message, '550 no such user');
    assert.deepEqual(await events(`object_id=${retried}&action=updated`), [], 'a retry is no event');
    assert.equal((await events(`object_id=${retried}`)).length, 1, 'only its created');
  });

  test('the reaper’s changes (interrupted send → unknown, sender account gone → error) are events', async () => {
    const lead = await createLead(t, t.orgA, 'Reaped', [{ name: 'Ed', emails: ['ed@e.example'] }]);
    const account = await createAccount(t, t.orgA, 'sam2@a.example');
    const [interrupted] = await queue(t.orgA, lead.id, lead.contacts[0].id, account, 1);
    const [orphan] = await queue(t.orgA, lead.id, lead.contacts[0].id, 'emailacct_gone', 1);
    await sql`UPDATE email_activities SET status = 'sending', claimed_by = 'w2', lease_expires_at = now() - interval '1 second'
              WHERE id = ${interrupted!}`.execute(t.db);
    assert.equal(await reapDeliveries(t.db), 1);
    const [unknown] = await events(`object_id=${interrupted}&action=updated`);
    assert.equal(unknown.data.status, 'unknown');
    assert.deepEqual(unknown.previous_data, { status: 'sending', error_message: null });
    const [error] = await events(`object_id=${orphan}&action=updated`);
    assert.equal(error.data.status, 'error');
    assert.equal(error.data.error_message, 'The sender account was deleted.');
    assert.equal(error.lead_id, lead.id);
    await reapDeliveries(t.db);
    assert.equal((await events(`object_id=${orphan}&action=updated`)).length, 1, 'a second pass changes nothing');
  });

  test('deleting a lead records deleted for its contacts, emails and subscriptions; a contact or a sequence takes its subscriptions', async () => {
    const tmpl = await createTemplate(t, t.orgA, 'Hi', 'Body');
    const account = await createAccount(t, t.orgA, 'seq@a.example');
    const sender = { sender_account_id: account, sender_name: 'Sam', sender_email: 'seq@a.example' };
    const seq = (await t.call('POST', '/api/v1/sequence/', { body: { name: 'S', steps: [{ step_type: 'email', delay: 3600, email_template_id: tmpl }] } })).body;
    const seq2 = (await t.call('POST', '/api/v1/sequence/', { body: { name: 'S2', steps: [{ step_type: 'email', delay: 3600, email_template_id: tmpl }] } })).body;
    const lead = await createLead(t, t.orgA, 'Doomed', [{ name: 'Fi', emails: ['fi@f.example'] }, { name: 'Gus', emails: ['gus@g.example'] }]);
    const [fi, gus] = lead.contacts;
    const subscribe = async (contact: any, email: string, sequenceId: string) => {
      const res = await t.call('POST', '/api/v1/sequence_subscription/', { body: { sequence_id: sequenceId, contact_id: contact.id, contact_email: email, ...sender } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body.id as string;
    };
    const fiSub = await subscribe(fi, 'fi@f.example', seq.id);
    const gusSub = await subscribe(gus, 'gus@g.example', seq.id);
    const [mail] = await queue(t.orgA, lead.id, fi.id, account, 1);

    // The contact goes with its subscription.
    clock.advance(1000);
    assert.equal((await t.call('DELETE', `/api/v1/contact/${gus.id}/`, { headers: { 'x-request-id': 'req_delgus' } })).status, 200);
    const gusEvents = await events('request_id=req_delgus');
    assert.deepEqual(gusEvents.map((e) => `${e.object_type}.${e.action}`).sort(), ['contact.deleted', 'lead.updated', 'sequence_subscription.deleted']);
    const gusSubEvent = gusEvents.find((e) => e.object_type === 'sequence_subscription');
    assert.equal(gusSubEvent.object_id, gusSub);
    assert.equal(gusSubEvent.previous_data.contact_id, gus.id);
    assert.equal(gusSubEvent.data, null);

    // The lead goes with its contact, email and subscription.
    clock.advance(1000);
    assert.equal((await t.call('DELETE', `/api/v1/lead/${lead.id}/`, { headers: { 'x-request-id': 'req_dellead' } })).status, 200);
    const leadEvents = await events(`lead_id=${lead.id}&action=deleted`);
    assert.deepEqual(leadEvents.map((e) => `${e.object_type}:${e.object_id}`).sort(), [
      `activity.email:${mail}`,
      `contact:${fi.id}`,
      `contact:${gus.id}`,
      `lead:${lead.id}`,
      `sequence_subscription:${fiSub}`,
      `sequence_subscription:${gusSub}`, // with its contact, before
    ].sort());
    for (const e of leadEvents.filter((x) => x.request_id === 'req_dellead')) {
      assert.equal(e.user_id, t.orgA.user_id);
      assert.ok(e.previous_data?.id, `${e.object_type} keeps the whole object`);
    }
    assert.equal(leadEvents.find((e) => e.object_type === 'activity.email').previous_data.subject, 'm0');

    // A sequence goes with its subscriptions.
    const other = await createLead(t, t.orgA, 'Kept', [{ name: 'Hal', emails: ['hal@h.example'] }]);
    const halSub = await subscribe(other.contacts[0], 'hal@h.example', seq2.id);
    assert.equal((await t.call('DELETE', `/api/v1/sequence/${seq2.id}/`, { headers: { 'x-request-id': 'req_delseq' } })).status, 200);
    const seqEvents = await events('request_id=req_delseq');
    assert.deepEqual(seqEvents.map((e) => `${e.object_type}:${e.object_id}`).sort(), [`sequence:${seq2.id}`, `sequence_subscription:${halSub}`].sort());
    assert.equal(seqEvents.find((e) => e.object_type === 'sequence_subscription').lead_id, other.id);
  });

  test('a subscription the scheduler gives up on (internal error) records its updated event', async () => {
    const tmpl = await createTemplate(t, t.orgA, 'Yo', 'Body');
    const account = await createAccount(t, t.orgA, 'sch@a.example');
    const seq = (await t.call('POST', '/api/v1/sequence/', { body: { name: 'Sched', steps: [{ step_type: 'email', delay: 0, email_template_id: tmpl }] } })).body;
    const lead = await createLead(t, t.orgA, 'Scheduled', [{ name: 'Ivy', emails: ['ivy@i.example'] }]);
    const sub = await t.call('POST', '/api/v1/sequence_subscription/', {
      body: { sequence_id: seq.id, contact_id: lead.contacts[0].id, contact_email: 'ivy@i.example', sender_account_id: account, sender_name: 'S', sender_email: 'sch@a.example' },
    });
    assert.equal(sub.status, 201, JSON.stringify(sub.body));
    clock.advance(60_000);
    await runSchedulerOnce(
      { db: t.db, config: t.config, clock },
      {
        beforeCommit: async () => {
          throw new Error('boom');
        },
      },
    );
    const [event] = await events(`object_id=${sub.body.id}&action=updated`);
    assert.equal(event.data.status, 'error');
    assert.equal(event.data.status_reason, 'internal-error');
    assert.deepEqual(event.changed_fields, ['status', 'status_reason']);
    assert.equal(event.lead_id, lead.id);
  });

  test('a new organization’s default statuses are status.lead created events of that organization only', async () => {
    const org = await createOrganization(t.db, { name: 'Org C', userEmail: 'cy@c.example' });
    const res = await t.call('GET', '/api/v1/event/?object_type=status.lead&action=created', { key: org.api_key });
    assert.deepEqual(res.body.data.map((e: any) => e.data.label).sort(), ['Bad Fit', 'Customer', 'Potential', 'Qualified']);
    for (const e of res.body.data) {
      assert.equal(e.organization_id, org.organization_id);
      assert.equal(e.user_id, null);
    }
    const statuses = await t.call('GET', '/api/v1/status/lead/', { key: org.api_key });
    assert.deepEqual(res.body.data.map((e: any) => e.object_id).sort(), statuses.body.data.map((s: any) => s.id).sort());
  });
});
