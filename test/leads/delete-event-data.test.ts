/**
 * deleteLeads builds its events' previous_data in SQL (src/leads/delete-event-sql.ts); the API
 * serializers build the same objects in JavaScript. For a varied set of leads (with and without
 * contacts and names, custom fields of every type with single and multiple values, stale and null
 * custom keys, addresses, several emails, phones and URLs, unicode, empty strings, nulls, creators
 * with partial names, timestamps with microseconds, unsubscribed addresses, sequence subscriptions,
 * email activities), every `deleted` event must carry exactly what the serializers returned just
 * before the delete: same keys, same values, same formatting. GET /lead/{id}/, built by the same
 * SQL (src/leads/lead-object-sql.ts), must answer exactly what loadLeadObjects returns.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { formatPhone } from '../../src/contacts/channels.ts';
import { loadContactObjects } from '../../src/contacts/serialize.ts';
import { activityResponse } from '../../src/email/activity-serialize.ts';
import { loadActivities } from '../../src/email/activity-events.ts';
import { newId } from '../../src/ids.ts';
import { deleteLeads } from '../../src/leads/delete-leads.ts';
import { leadEventData } from '../../src/leads/lead-event-data.ts';
import { loadLeadObjects } from '../../src/leads/serialize.ts';
import { subscriptionsIn } from '../../src/sequences/subscription-events.ts';
import { subscriptionResponse } from '../../src/sequences/subscription-repository.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { insertCustomField } from './fixtures.ts';

/** What the old path stored: the object through JSON.stringify into jsonb, read back. */
const stored = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;

describe('deleted events built in SQL equal the serializers', () => {
  let t: TestApp;
  let org: string;
  const leadIds: string[] = [];

  before(async () => {
    t = await createTestApp();
    org = t.orgA.organization_id;
    const db = t.db;
    const user = t.orgA.user_id;
    await db.updateTable('users').set({ first_name: 'Ålice', last_name: 'Ünïcode 😀' }).where('id', '=', user).execute();
    const onlyLast = newId('user');
    const emptyNames = newId('user');
    await db.insertInto('users').values([
      { id: onlyLast, organization_id: org, email: 'last@a.example', first_name: null, last_name: 'Solo' },
      { id: emptyNames, organization_id: org, email: 'empty@a.example', first_name: '', last_name: '' },
    ]).execute();

    const f = {
      text: await insertCustomField(db, org, { name: 'Text', type: 'text' }),
      number: await insertCustomField(db, org, { name: 'Number', type: 'number' }),
      date: await insertCustomField(db, org, { name: 'Date', type: 'date' }),
      datetime: await insertCustomField(db, org, { name: 'When', type: 'datetime' }),
      choice: await insertCustomField(db, org, { name: 'Choice', type: 'choices', choices: ['a', 'b', 'ç'] }),
      choices: await insertCustomField(db, org, { name: 'Choices', type: 'choices', choices: ['a', 'b', 'ç'], multiple: true }),
      user: await insertCustomField(db, org, { name: 'Owner', type: 'user' }),
      users: await insertCustomField(db, org, { name: 'Owners', type: 'user', multiple: true }),
      contact: await insertCustomField(db, org, { name: 'Referrer', type: 'contact' }),
      hidden: await insertCustomField(db, org, { name: 'Hidden ✓', type: 'hidden' }),
      never: await insertCustomField(db, org, { name: 'Never set', type: 'text' }),
    };
    const cf = {
      text: await insertCustomField(db, org, { name: 'Nickname', type: 'text', objectType: 'contact' }),
      choices: await insertCustomField(db, org, { name: 'Tags', type: 'choices', choices: ['x', 'y'], multiple: true, objectType: 'contact' }),
      number: await insertCustomField(db, org, { name: 'Score', type: 'number', objectType: 'contact' }),
    };

    const post = async (body: Record<string, unknown>) => {
      const res = await t.call('POST', '/api/v1/lead/', { body });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      leadIds.push(res.body.id);
      return res.body as { id: string; contacts: { id: string }[] };
    };
    // 0: everything, several of each channel, an unnamed first contact.
    const full = await post({
      name: 'Acme «Ünïcode» 😀',
      description: 'multi\nline',
      url: 'https://acme.example/',
      addresses: [
        { label: 'business', address_1: '1 Main St', address_2: '', city: 'Zürich', state: null, zipcode: '8001', country: 'CH' },
        { label: 'mailing', city: '東京' },
      ],
      contacts: [
        {
          name: '',
          title: 'CEO',
          emails: [{ email: 'First@Acme.example', type: 'office' }, { email: 'second@acme.example', type: 'home' }],
          phones: [{ phone: '+14155550100', type: 'mobile' }, { phone: '+442071838750', type: 'office' }],
          urls: [{ url: 'https://one.example' }, { url: 'https://two.example', type: 'blog' }],
        },
        { name: 'Zoë', phones: [{ phone: '4155550199' }] },
        { title: null, emails: [{ email: 'third@acme.example' }] },
      ],
    });
    // 1: no name: display_name falls back to the first contact with a name (not the first contact).
    const fallback = await post({ contacts: [{ emails: [{ email: 'noname@b.example' }] }, { name: 'Named Second' }, { name: 'Named Third' }] });
    // 2: no contacts at all, empty name.
    await post({ name: '' });
    // 3: contacts without names or emails; an empty name is no name for display_name.
    await post({ name: '', contacts: [{ name: '', phones: [{ phone: '+33142685300' }] }, { urls: [{ url: 'https://x.example' }] }, { name: 'Third Named' }] });
    // 4: a lead that gets a subscription and email activities.
    const mailed = await post({ name: 'Mailed', contacts: [{ name: 'Mary', emails: [{ email: 'mary@m.example' }] }] });
    // 5: created by a user with only a last name, updated by one with empty names.
    await post({ name: 'Plain' });

    // Rows stored out of their position order (lists are ordered by position, not as stored).
    await sql`UPDATE contact_phones SET position = -1 WHERE contact_id = ${full.contacts[0]!.id} AND position = 1`.execute(db);
    await sql`UPDATE contact_urls SET position = -1 WHERE contact_id = ${full.contacts[0]!.id} AND position = 1`.execute(db);
    await db.insertInto('unsubscribed_emails').values({ organization_id: org, email: 'first@acme.example' }).execute();
    // A stored number libphonenumber cannot parse: phone_formatted falls back to the number (stored
    // with it, as every phone writer does).
    await db.updateTable('contact_phones').set({ phone: '+999123', phone_formatted: formatPhone('+999123') }).where('contact_id', '=', full.contacts[1]!.id).execute();

    await sql`UPDATE leads SET custom = ${JSON.stringify({
      [f.text]: 'héllo ✓ 😀 "quoted" \\ back',
      [f.number]: 3.25,
      [f.date]: '2026-01-02',
      [f.datetime]: '2026-01-02T03:04:05.678000+00:00',
      [f.choice]: 'ç',
      [f.choices]: ['a', 'ç'],
      [f.user]: user,
      [f.users]: [user, onlyLast],
      [f.contact]: fallback.contacts[0]!.id,
      [f.hidden]: '',
      cf_stale_field_of_no_one: 'kept as custom.cf_ but not in custom',
      [f.never]: null,
    })}::jsonb, created_by = ${onlyLast}, updated_by = ${emptyNames},
      date_created = '2026-01-05 12:00:00.123456+00', date_updated = '2026-01-05 12:00:00.999999+00'
      WHERE id = ${full.id}`.execute(db);
    await sql`UPDATE leads SET custom = ${JSON.stringify({ [f.number]: -0.5, [f.choices]: [], [f.text]: '' })}::jsonb,
      created_by = 'user_gone', date_created = '2026-01-05 12:00:00+00' WHERE id = ${leadIds[1]}`.execute(db);
    await sql`UPDATE leads SET created_by = ${onlyLast}, updated_by = ${emptyNames} WHERE id = ${leadIds[5]}`.execute(db);
    await sql`UPDATE contacts SET custom = ${JSON.stringify({ [cf.text]: 'Zed ✓', [cf.choices]: ['x', 'y'], [cf.number]: 7, cf_stale: 1 })}::jsonb,
      date_created = '2026-01-05 12:00:00.000001+00' WHERE id = ${full.contacts[0]!.id}`.execute(db);
    // Contacts ordered by date_created, then id: make the third the oldest of the fallback lead.
    await sql`UPDATE contacts SET date_created = '2020-01-01 00:00:00.5+00', custom = ${JSON.stringify({ [cf.choices]: ['y'] })}::jsonb
      WHERE id = ${fallback.contacts[2]!.id}`.execute(db);

    // A sequence with a paused subscription (whose first step sent an email), a deleted one, and
    // email activities of the lead: one with unicode whitespace, one long with astral characters.
    const sequenceId = newId('seq');
    await db.insertInto('sequences').values({ id: sequenceId, organization_id: org, name: 'Séquence', status: 'active', timezone: 'UTC' }).execute();
    const [mary] = mailed.contacts;
    const activity = (id: string, body: string, extra: Record<string, unknown> = {}) => ({
      id, organization_id: org, lead_id: mailed.id, contact_id: mary!.id, user_id: user, status: 'sent' as const,
      subject: 'Hi ✓', body_html: `<p>${body}</p>`, body_text: body, sender: 'Alice <alice@a.example>',
      recipient_email: 'mary@m.example', to_emails: JSON.stringify(['mary@m.example']), email_account_id: 'emailacct_x',
      thread_id: 'thread_1', message_id: `<${id}@sluice>`, next_attempt_at: new Date('2026-01-05T12:00:00Z'),
      date_sent: new Date('2026-01-05T12:00:01.234Z'), created_by: user, ...extra,
    });
    const a1 = newId('acti');
    const a2 = newId('acti');
    await db.insertInto('email_activities').values([
      activity(a1, '  Hello\u00a0\u2003 world\n\n\tbye\u3000\ufeff ', { sequence_id: sequenceId, cc_emails: JSON.stringify(['cc@m.example']) }),
      activity(a2, `${'😀'.repeat(50)} ${'x'.repeat(300)}`, { user_id: null, status: 'error', error_message: 'rejected', date_sent: null }),
    ]).execute();
    const subscription = (id: string, sequence: string, extra: Record<string, unknown> = {}) => ({
      id, organization_id: org, sequence_id: sequence, contact_id: mary!.id, lead_id: mailed.id, contact_email: 'mary@m.example',
      sender_account_id: 'emailacct_x', sender_name: 'Alice', sender_email: 'alice@a.example', status: 'paused' as const,
      status_reason: 'manual', start_date: new Date('2026-01-05T12:00:00.5Z'), created_by_id: user, ...extra,
    });
    const s1 = newId('sub');
    const otherSequence = newId('seq');
    const thirdSequence = newId('seq');
    await db.insertInto('sequences').values([
      { id: otherSequence, organization_id: org, name: 'Other', status: 'paused', timezone: 'UTC' },
      { id: thirdSequence, organization_id: org, name: 'Third', status: 'draft', timezone: 'UTC' },
    ]).execute();
    // Inserted out of their date order: the contact lists them oldest first.
    await db.insertInto('sequence_subscriptions').values([
      subscription(s1, sequenceId),
      subscription(newId('sub'), otherSequence, { status: 'active', status_reason: null, date_deleted: new Date() }),
      subscription(newId('sub'), thirdSequence, { status: 'finished', status_reason: 'reply-received', date_created: new Date('2020-01-01T00:00:00Z') }),
    ]).execute();
    await db.insertInto('sequence_subscription_steps').values({
      organization_id: org, subscription_id: s1, step_id: 'seqstep_1', position: 0, outcome: 'sent', activity_id: a1,
    }).execute();
  });

  test('GET /lead/{id}/, built in SQL too, answers exactly the serialized object', async () => {
    const leads = await loadLeadObjects(t.db, org, leadIds, { publicUrl: t.config.publicUrl });
    assert.equal(leads.size, leadIds.length);
    for (const [id, lead] of leads) {
      const res = await t.call('GET', `/api/v1/lead/${id}/`);
      assert.equal(res.status, 200);
      assert.deepStrictEqual(res.body, stored(lead), `lead ${id}`);
    }
    // libphonenumber's form, stored with the phone, and the number itself where it cannot parse.
    const full = (await t.call('GET', `/api/v1/lead/${leadIds[0]}/`)).body;
    assert.equal(full.primary_phone.phone_formatted, '+44 20 7183 8750'); // stored first by position
    assert.equal(full.contacts[1].phones[0].phone_formatted, '+999123');
    const other = await t.call('GET', `/api/v1/lead/${leadIds[0]}/`, { key: t.orgB.api_key });
    assert.equal(other.status, 404);
  });

  test('every deleted event carries exactly the serialized object', async () => {
    const publicUrl = 'https://sluice.example:8443';
    const leads = await loadLeadObjects(t.db, org, leadIds, { publicUrl });
    assert.equal(leads.size, leadIds.length);
    const contactIds = [...leads.values()].flatMap((lead) => lead.contact_ids as string[]);
    const contacts = await loadContactObjects(t.db, org, contactIds);
    const activityIds = (await t.db.selectFrom('email_activities').select('id').where('organization_id', '=', org).execute()).map((r) => r.id);
    const activities = (await loadActivities(t.db, new Map([[org, activityIds]]))).map(activityResponse);
    const subscriptions = (await subscriptionsIn(t.db, org, { leadIds })).map(subscriptionResponse);
    assert.equal(activities.length, 2);
    assert.equal(subscriptions.length, 2);
    // The fixtures reach the branches they are meant to.
    const lead0 = leads.get(leadIds[0]!)!;
    assert.equal(lead0.display_name, 'Acme «Ünïcode» 😀');
    assert.equal(lead0.created_by_name, 'Solo');
    assert.equal(lead0.updated_by_name, null);
    assert.equal(lead0.date_created, '2026-01-05T12:00:00.123000+00:00');
    assert.equal(lead0.date_updated, '2026-01-05T12:00:00.999000+00:00');
    assert.equal(leads.get(leadIds[1]!)!.display_name, 'Named Third');
    assert.equal(leads.get(leadIds[2]!)!.display_name, '');
    assert.equal(leads.get(leadIds[3]!)!.display_name, 'Third Named');
    assert.equal((lead0.primary_email as { is_unsubscribed: boolean }).is_unsubscribed, true);
    assert.equal(((lead0.contacts as Record<string, unknown>[])[1]!.phones as { phone_formatted: string }[])[0]!.phone_formatted, '+999123');
    assert.ok(Object.keys(lead0).includes('custom.cf_stale_field_of_no_one'));

    const before = await t.db.selectFrom('events').select('id').where('organization_id', '=', org).execute();
    const deleted = await t.db.transaction().execute((trx) =>
      deleteLeads(trx, org, [...leadIds, 'lead_unknown'], { userId: t.orgA.user_id, requestId: 'req_sqlbuilt', bulkActionId: 'bulkdelete_sql', publicUrl }),
    );
    assert.deepEqual([...deleted].sort(), [...leadIds].sort());
    const events = await t.db.selectFrom('events').selectAll().where('request_id', '=', 'req_sqlbuilt').execute();
    const after = await t.db.selectFrom('events').select('id').where('organization_id', '=', org).execute();
    assert.equal(after.length - before.length, events.length, 'every event of the delete carries its request id');

    const byType = (type: string) => new Map(events.filter((e) => e.object_type === type).map((e) => [e.object_id, e]));
    const leadEvents = byType('lead');
    const contactEvents = byType('contact');
    const activityEvents = byType('activity.email');
    const subscriptionEvents = byType('sequence_subscription');
    assert.equal(events.length, leadEvents.size + contactEvents.size + activityEvents.size + subscriptionEvents.size, 'one event per object');
    assert.equal(leadEvents.size, leadIds.length);
    assert.equal(contactEvents.size, contactIds.length);
    for (const [id, lead] of leads) {
      const event = leadEvents.get(id)!;
      assert.deepStrictEqual(event.previous_data, stored(leadEventData(lead)), `lead ${id}`);
      assert.equal(event.lead_id, id);
    }
    for (const [id, contact] of contacts) {
      const event = contactEvents.get(id)!;
      assert.deepStrictEqual(event.previous_data, stored(contact), `contact ${id}`);
      assert.equal(event.lead_id, contact.lead_id);
    }
    assert.equal(activityEvents.size, 2);
    for (const activity of activities) {
      assert.deepStrictEqual(activityEvents.get(activity.id as string)!.previous_data, stored(activity), `activity ${String(activity.id)}`);
    }
    assert.equal(subscriptionEvents.size, 2);
    for (const subscription of subscriptions) {
      assert.deepStrictEqual(subscriptionEvents.get(subscription.id as string)!.previous_data, stored(subscription));
    }
    const stamps = new Set(events.map((e) => (e.date_created as Date).getTime()));
    assert.equal(stamps.size, 1, 'one date for the whole call');
    for (const event of events) {
      assert.equal(event.action, 'deleted');
      assert.equal(event.data, null);
      assert.deepEqual(event.changed_fields, []);
      assert.deepEqual(event.meta, { bulk_action_id: 'bulkdelete_sql' });
      assert.equal(event.user_id, t.orgA.user_id);
      assert.equal(event.api_key_id, null);
      assert.deepEqual(event.date_updated, event.date_created);
      assert.match(event.id, /^ev_[0-9A-Za-z]{43}$/);
    }
  });
});
