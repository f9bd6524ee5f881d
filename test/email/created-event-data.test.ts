/**
 * enqueueEmails writes each message's `activity.email` `created` event in the same statement as the
 * message, its data built by PostgreSQL (src/email/activity-object-sql.ts). It must be exactly what
 * `/activity/email/` serialises for the message at that moment (activityResponse), for messages
 * with and without a bulk action, sequence, reply thread, user names and unicode around the
 * 200-character preview, and carry `meta.bulk_action_id` only for bulk email.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { activityResponse } from '../../src/email/activity-serialize.ts';
import { loadActivities } from '../../src/email/activity-events.ts';
import { enqueueEmails, type EnqueueEmailInput } from '../../src/email/enqueue.ts';
import { recordResults } from '../../src/email/record-results.ts';
import { newId } from '../../src/ids.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';

/** What a jsonb column gives back for a JavaScript object. */
const stored = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;

describe('created events of enqueued email', () => {
  let t: TestApp;
  let org: string;
  let ids: string[] = [];

  before(async () => {
    t = await createTestApp();
    org = t.orgA.organization_id;
    const user = t.orgA.user_id;
    await t.db.updateTable('users').set({ first_name: 'Ålice', last_name: 'Ünïcode 😀' }).where('id', '=', user).execute();
    const nameless = newId('user');
    await t.db.insertInto('users').values({ id: nameless, organization_id: org, email: 'x@a.example', first_name: '', last_name: '' }).execute();
    const sequenceId = newId('seq');
    await t.db.insertInto('sequences').values({ id: sequenceId, organization_id: org, name: 'Séquence', status: 'active', timezone: 'UTC' }).execute();
    const template = newId('tmpl');
    await t.db.insertInto('email_templates').values({ id: template, organization_id: org, name: 'Tmpl «1»', subject: 's', body: 'b' }).execute();
    const lead = await t.call('POST', '/api/v1/lead/', { body: { name: 'Acme', contacts: [{ name: 'Mary', emails: [{ email: 'mary@m.example' }] }] } });
    assert.equal(lead.status, 200);
    const leadId = lead.body.id as string;
    const contactId = lead.body.contacts[0].id as string;
    const base: EnqueueEmailInput = {
      organizationId: org, userId: user, leadId, contactId, emailAccountId: 'emailacct_x', senderName: 'Alice "A" Smith',
      senderEmail: 'alice@a.example', to: ['mary@m.example'], subject: 'Hi ✓', bodyHtml: '<p>Hello</p>',
    };
    const first = await t.db.transaction().execute((trx) =>
      enqueueEmails(trx, [
        { ...base, templateId: template, bulkEmailActionId: 'bulkemail_1' },
        { ...base, userId: nameless, senderName: null, to: ['a@m.example', 'b@m.example'], bodyHtml: `<p>${'😀'.repeat(150)} ${'x'.repeat(300)}</p>` },
        { ...base, sequenceId, sequenceSubscriptionId: 'sub_1', bodyHtml: '<p>  Hello\u00a0\u2003 world</p>\n\n<p>\tbye\u3000</p>', notBefore: new Date('2027-01-02T03:04:05.678Z') },
      ]),
    );
    const reply = await t.db.transaction().execute((trx) => enqueueEmails(trx, [{ ...base, inReplyToActivityId: first[0]!.activityId }]));
    ids = [...first, ...reply].map((r) => r.activityId);
  });

  test('each created event carries exactly the serialized activity', async () => {
    const activities = (await loadActivities(t.db, new Map([[org, ids]]))).map(activityResponse);
    assert.equal(activities.length, 4);
    // The fixtures reach the branches they are meant to.
    const byId = new Map(activities.map((a) => [a.id as string, a]));
    assert.equal(byId.get(ids[0]!)!.user_name, 'Ålice Ünïcode 😀');
    assert.equal(byId.get(ids[0]!)!.template_name, 'Tmpl «1»');
    assert.equal(byId.get(ids[1]!)!.user_name, null);
    assert.equal(byId.get(ids[2]!)!.sequence_name, 'Séquence');
    assert.notEqual(byId.get(ids[2]!)!.date_scheduled, null);
    assert.equal(byId.get(ids[3]!)!.in_reply_to_id, ids[0]);
    assert.equal((byId.get(ids[3]!)!.references as string[]).length, 1);

    const events = await t.db
      .selectFrom('events')
      .select(['object_id', 'lead_id', 'user_id', 'action', 'data', 'previous_data', 'meta', 'changed_fields', 'date_created'])
      .where('organization_id', '=', org)
      .where('object_type', '=', 'activity.email')
      .execute();
    assert.equal(events.length, 4, 'one created event per message');
    for (const activity of activities) {
      const event = events.find((e) => e.object_id === activity.id)!;
      assert.ok(event, `event of ${String(activity.id)}`);
      assert.equal(event.action, 'created');
      assert.deepStrictEqual(event.data, stored(activity), `data of ${String(activity.id)}`);
      assert.equal(event.previous_data, null);
      assert.deepStrictEqual(event.changed_fields, []);
      assert.equal(event.lead_id, activity.lead_id);
      assert.equal(event.user_id, activity.user_id);
      assert.deepStrictEqual(event.meta, activity.bulk_email_action_id ? { bulk_action_id: activity.bulk_email_action_id } : {});
    }
  });

  test('outcome events (sent, given up) carry exactly the serialized activity after the outcome, and a retry records none', async () => {
    // The first three messages are being sent by worker w1: one is accepted, one refused for good,
    // one fails for now (back to the outbox, no event). The fourth is not this worker's.
    await t.db.updateTable('email_activities').set({ status: 'sending', claimed_by: 'w1' }).where('id', 'in', ids.slice(0, 3)).execute();
    await t.db.updateTable('email_activities').set({ status: 'sending', claimed_by: 'w2' }).where('id', '=', ids[3]!).execute();
    const at = new Date();
    await recordResults(t.db, 'w1', [
      { id: ids[0]!, accountId: 'emailacct_x', previousAttempts: 0, outcome: { kind: 'sent', response: '250 OK' }, at, paced: false },
      { id: ids[1]!, accountId: 'emailacct_x', previousAttempts: 0, outcome: { kind: 'permanent', reason: '550 no such user', code: 550 }, at, paced: false },
      { id: ids[2]!, accountId: 'emailacct_x', previousAttempts: 0, outcome: { kind: 'transient', reason: '421 later', code: 421 }, at, paced: false },
      { id: ids[3]!, accountId: 'emailacct_x', previousAttempts: 0, outcome: { kind: 'sent', response: '250 OK' }, at, paced: false },
    ], { retryBaseMs: 1000, maxAttempts: 5 });
    const activities = new Map((await loadActivities(t.db, new Map([[org, ids]]))).map((row) => [row.id, activityResponse(row)]));
    assert.equal(activities.get(ids[0]!)!.status, 'sent');
    assert.equal(activities.get(ids[1]!)!.status, 'error');
    assert.equal(activities.get(ids[2]!)!.status, 'outbox');
    assert.equal(activities.get(ids[3]!)!.status, 'sending', 'another worker\'s message is left alone');
    const events = await t.db
      .selectFrom('events')
      .select(['object_id', 'lead_id', 'user_id', 'action', 'data', 'previous_data', 'meta', 'changed_fields', 'api_key_id', 'request_id'])
      .where('organization_id', '=', org)
      .where('object_type', '=', 'activity.email')
      .where('action', '!=', 'created')
      .orderBy('object_id')
      .execute();
    assert.deepStrictEqual(events.map((e) => [e.object_id, e.action]).sort(), [[ids[0], 'sent'], [ids[1], 'updated']].sort());
    for (const event of events) {
      const activity = activities.get(event.object_id)!;
      assert.deepStrictEqual(event.data, stored(activity), `data of ${event.object_id}`);
      assert.deepStrictEqual(event.previous_data, { status: 'sending', error_message: null });
      assert.deepStrictEqual(
        event.changed_fields,
        event.action === 'sent' ? ['status', 'date_sent', 'activity_at', 'send_attempts'] : ['status', 'error_message', 'send_attempts'],
      );
      assert.deepStrictEqual(event.meta, {});
      assert.equal(event.lead_id, activity.lead_id);
      assert.equal(event.user_id, activity.user_id);
      assert.equal(event.api_key_id, null);
      assert.equal(event.request_id, null);
    }
  });

  test('the events are served by the event log and stay within the organization', async () => {
    const mine = await t.call('GET', `/api/v1/event/?object_id=${ids[0]}`);
    assert.equal(mine.status, 200);
    assert.deepEqual(mine.body.data.map((e: { action: string }) => e.action).sort(), ['created', 'sent']);
    assert.equal(mine.body.data[0].object_type, 'activity.email');
    const theirs = await t.call('GET', `/api/v1/event/?object_id=${ids[0]}`, { key: t.orgB.api_key });
    assert.equal(theirs.status, 200);
    assert.equal(theirs.body.data.length, 0);
  });
});
