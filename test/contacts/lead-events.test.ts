/**
 * Close records `lead.updated` when a lead's contact_ids change: a contact created on it, deleted
 * from it, or moved to or from it; updates to an existing contact do not. The lead's date_updated
 * moves with it, and the event is written in the same transaction as the contact change.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { formatTimestamp, ManualClock } from '../../src/time.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { insertCustomField } from '../leads/fixtures.ts';
import { leadEventData } from '../../src/leads/lead-event-data.ts';

describe('lead.updated on contact changes', () => {
  let t: TestApp;
  const clock = new ManualClock('2026-05-01T09:00:00Z');
  let n = 0;

  before(async () => {
    t = await createTestApp({ clock });
  });

  /** A fresh request id, so each test reads only the events of its own request. */
  const rid = () => `req_leadevents${(n += 1)}`;

  async function eventsOf(requestId: string) {
    return t.db.selectFrom('events').selectAll().where('request_id', '=', requestId).orderBy('object_type').execute();
  }

  async function newLead(name: string, contacts: { name: string }[] = []) {
    const res = await t.call('POST', '/api/v1/lead/', { body: { name, contacts } });
    assert.equal(res.status, 200, res.text);
    return res.body;
  }

  test('creating a contact on a lead records lead.updated on that lead only, and moves its date_updated', async () => {
    const lead = await newLead('Target', [{ name: 'First' }]);
    const bystander = await newLead('Bystander', [{ name: 'Stays' }]);
    const theirs = await t.call('POST', '/api/v1/lead/', { key: t.orgB.api_key, body: { name: 'B lead' } });
    clock.advance(60_000);
    const requestId = rid();
    const created = await t.call('POST', '/api/v1/contact/', {
      body: { lead_id: lead.id, name: 'Second', emails: [{ email: 'second@example.com' }] },
      headers: { 'x-request-id': requestId },
    });
    assert.equal(created.status, 200, created.text);
    const events = await eventsOf(requestId);
    assert.deepEqual(events.map((e) => `${e.object_type}.${e.action}`), ['contact.created', 'lead.updated']);
    const leadEvent = events[1]!;
    assert.equal(leadEvent.object_id, lead.id);
    assert.equal(leadEvent.lead_id, lead.id);
    assert.equal(leadEvent.organization_id, t.orgA.organization_id);
    const changed = leadEvent.changed_fields as string[];
    for (const key of ['contact_ids', 'date_updated']) assert.ok(changed.includes(key), `${key} in ${changed.join(',')}`);
    // As Close's: a lead's events carry contact_ids, not the nested contacts (those have their own events).
    assert.ok(!changed.includes('contacts'), changed.join(','));
    assert.deepEqual((leadEvent.previous_data as any).contact_ids, lead.contact_ids);
    const now = await t.call('GET', `/api/v1/lead/${lead.id}/`);
    assert.deepEqual(leadEvent.data, leadEventData(now.body));
    assert.deepEqual(now.body.contact_ids, [...lead.contact_ids, created.body.id]);
    assert.equal(now.body.date_updated, formatTimestamp(clock.now()));
    assert.equal(now.body.updated_by, t.orgA.user_id);
    const untouched = await t.call('GET', `/api/v1/lead/${bystander.id}/`);
    assert.equal(untouched.body.date_updated, bystander.date_updated);
    const b = await t.call('GET', `/api/v1/lead/${theirs.body.id}/`, { key: t.orgB.api_key });
    assert.equal(b.body.date_updated, theirs.body.date_updated);
  });

  test('a refused contact create leaves neither the contact nor a lead event behind', async () => {
    const lead = await newLead('Refused');
    clock.advance(60_000);
    const requestId = rid();
    const res = await t.call('POST', '/api/v1/contact/', {
      body: { lead_id: lead.id, name: 'Bad', phones: [{ phone: 'not a phone' }] },
      headers: { 'x-request-id': requestId },
    });
    assert.equal(res.status, 400);
    assert.deepEqual(await eventsOf(requestId), []);
    const after = await t.call('GET', `/api/v1/lead/${lead.id}/`);
    assert.equal(after.body.date_updated, lead.date_updated);
    assert.deepEqual(after.body.contact_ids, []);
  });

  test('a contact created without lead_id records lead.created, not lead.updated', async () => {
    const requestId = rid();
    await t.call('POST', '/api/v1/contact/', { body: { name: 'Loner' }, headers: { 'x-request-id': requestId } });
    const events = await eventsOf(requestId);
    assert.deepEqual(events.map((e) => `${e.object_type}.${e.action}`), ['contact.created', 'lead.created']);
  });

  test('deleting a contact records lead.updated with the contact gone from contact_ids', async () => {
    const lead = await newLead('Shrinks', [{ name: 'Keep' }, { name: 'Drop' }]);
    const [keep, drop] = lead.contact_ids as string[];
    clock.advance(60_000);
    const requestId = rid();
    assert.equal((await t.call('DELETE', `/api/v1/contact/${drop}/`, { headers: { 'x-request-id': requestId } })).status, 200);
    const events = await eventsOf(requestId);
    assert.deepEqual(events.map((e) => `${e.object_type}.${e.action}`), ['contact.deleted', 'lead.updated']);
    const leadEvent = events[1]!;
    assert.equal(leadEvent.object_id, lead.id);
    assert.deepEqual((leadEvent.previous_data as any).contact_ids, [keep, drop]);
    assert.deepEqual((leadEvent.data as any).contact_ids, [keep]);
    assert.equal((leadEvent.data as any).date_updated, formatTimestamp(clock.now()));
  });

  test('moving a contact records lead.updated on both leads and drops the old lead’s references to it', async () => {
    const champion = await insertCustomField(t.db, t.orgA.organization_id, { name: 'Champion (move)', type: 'contact' });
    const from = await newLead('From', [{ name: 'Mover' }, { name: 'Stayer' }]);
    const to = await newLead('To', [{ name: 'Host' }]);
    const [mover, stayer] = from.contact_ids as string[];
    const set = await t.call('PUT', `/api/v1/lead/${from.id}/`, { body: { [`custom.${champion}`]: mover } });
    assert.equal(set.status, 200, set.text);
    clock.advance(60_000);
    const requestId = rid();
    const moved = await t.call('PUT', `/api/v1/contact/${mover}/`, { body: { lead_id: to.id }, headers: { 'x-request-id': requestId } });
    assert.equal(moved.status, 200, moved.text);
    const events = await eventsOf(requestId);
    assert.deepEqual(events.map((e) => `${e.object_type}.${e.action}`), ['contact.updated', 'lead.updated', 'lead.updated']);
    const byLead = new Map(events.filter((e) => e.object_type === 'lead').map((e) => [e.object_id, e]));
    assert.deepEqual((byLead.get(from.id)!.data as any).contact_ids, [stayer]);
    // Contacts list oldest first, so the mover (older than Host) comes first.
    assert.deepEqual([...(byLead.get(to.id)!.data as any).contact_ids].sort(), [...to.contact_ids, mover].sort());
    assert.ok((byLead.get(from.id)!.changed_fields as string[]).includes(`custom.${champion}`));
    const fromNow = (await t.call('GET', `/api/v1/lead/${from.id}/`)).body;
    assert.equal(fromNow[`custom.${champion}`], undefined, 'a contact field names only contacts of the same lead');
    assert.equal(fromNow.date_updated, formatTimestamp(clock.now()));
  });

  test('a moved contact keeps only contact values that name contacts of its new lead', async () => {
    const buddies = await insertCustomField(t.db, t.orgA.organization_id, { name: 'Buddies (move)', type: 'contact', objectType: 'contact', multiple: true });
    const mentor = await insertCustomField(t.db, t.orgA.organization_id, { name: 'Mentor (move)', type: 'contact', objectType: 'contact' });
    const from = await newLead('Old home', [{ name: 'Traveller' }, { name: 'Old friend' }]);
    const [traveller, oldFriend] = from.contact_ids as string[];
    const to = await newLead('New home', [{ name: 'New friend' }]);
    const [newFriend] = to.contact_ids as string[];
    const set = await t.call('PUT', `/api/v1/contact/${traveller}/`, { body: { [`custom.${buddies}`]: [oldFriend, traveller], [`custom.${mentor}`]: oldFriend } });
    assert.equal(set.status, 200, set.text);
    const moved = await t.call('PUT', `/api/v1/contact/${traveller}/`, { body: { lead_id: to.id } });
    assert.equal(moved.status, 200, moved.text);
    assert.deepEqual(moved.body[`custom.${buddies}`], [traveller], 'itself is still on its lead');
    assert.equal(moved.body[`custom.${mentor}`], undefined);
    const after = await t.call('PUT', `/api/v1/contact/${traveller}/`, { body: { [`custom.${mentor}`]: newFriend } });
    assert.equal(after.body[`custom.${mentor}`], newFriend);
    const stale = await t.call('PUT', `/api/v1/contact/${traveller}/`, { body: { [`custom.${mentor}`]: oldFriend } });
    assert.equal(stale.status, 400, 'a contact of another lead is refused, as before the move');
  });

  test('updating a contact without moving it records no lead event', async () => {
    const lead = await newLead('Quiet', [{ name: 'Renamed later' }]);
    const requestId = rid();
    await t.call('PUT', `/api/v1/contact/${lead.contact_ids[0]}/`, { body: { name: 'Renamed', lead_id: lead.id }, headers: { 'x-request-id': requestId } });
    const events = await eventsOf(requestId);
    assert.deepEqual(events.map((e) => `${e.object_type}.${e.action}`), ['contact.updated']);
  });

  test('concurrent contact creates on one lead each record the lead they replaced', async () => {
    const lead = await newLead('Busy');
    const requestIds = Array.from({ length: 6 }, rid);
    const results = await Promise.all(
      requestIds.map((requestId, i) =>
        t.call('POST', '/api/v1/contact/', { body: { lead_id: lead.id, name: `C${i}` }, headers: { 'x-request-id': requestId } }),
      ),
    );
    assert.ok(results.every((r) => r.status === 200), results.map((r) => r.text).join('\n'));
    const events = await t.db
      .selectFrom('events')
      .selectAll()
      .where('object_id', '=', lead.id)
      .where('action', '=', 'updated')
      .where('request_id', 'in', requestIds)
      .execute();
    assert.equal(events.length, 6);
    // Serialised on the lead: the previous contact lists have 0, 1, … 5 entries, never two alike.
    const sizes = events.map((e) => ((e.previous_data as any).contact_ids as string[]).length).sort();
    assert.deepEqual(sizes, [0, 1, 2, 3, 4, 5]);
  });
});
