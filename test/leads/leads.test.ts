import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { ManualClock } from '../../src/time.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { countRows, statusesOf } from './fixtures.ts';
import { leadEventData } from '../../src/leads/lead-event-data.ts';

const BLUTH = {
  name: 'Bluth Company',
  url: 'http://thebluthcompany.tumblr.com/',
  description: 'Best. Show. Ever.',
  contacts: [
    {
      name: 'Gob',
      title: 'Sr. Vice President',
      emails: [{ type: 'office', email: 'gob@example.com' }],
      phones: [{ type: 'office', phone: '8004445555' }],
    },
    { name: 'Lindsay', emails: [{ email: 'lindsay@example.com', type: 'home' }], urls: [{ url: 'https://l.example' }] },
  ],
  addresses: [
    { label: 'business', address_1: '747 Howard St', address_2: 'Room 3', city: 'San Francisco', state: 'CA', zipcode: '94103', country: 'US' },
  ],
};

describe('/lead/', () => {
  let t: TestApp;
  const clock = new ManualClock('2026-03-01T10:00:00Z');
  let statuses: { id: string; label: string }[];
  let bLeadId: string;

  before(async () => {
    t = await createTestApp({ clock });
    statuses = await statusesOf(t.db, t.orgA.organization_id);
    const b = await t.call('POST', '/api/v1/lead/', { key: t.orgB.api_key, body: { name: 'B lead', contacts: [{ name: 'Bea' }] } });
    assert.equal(b.status, 200);
    bLeadId = b.body.id;
  });

  test('create answers the lead as Close shows it, with nested contacts and addresses', async () => {
    const res = await t.call('POST', '/api/v1/lead/', { body: BLUTH });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const lead = res.body;
    assert.match(lead.id, /^lead_[0-9A-Za-z]{43}$/);
    assert.equal(lead.name, 'Bluth Company');
    assert.equal(lead.display_name, 'Bluth Company');
    assert.equal(lead.description, 'Best. Show. Ever.');
    assert.equal(lead.url, 'http://thebluthcompany.tumblr.com/');
    assert.equal(lead.status_id, statuses[0]!.id, 'the first status by position is the default');
    assert.equal(lead.status_label, 'Potential');
    assert.equal(lead.organization_id, t.orgA.organization_id);
    assert.equal(lead.html_url, `${t.config.publicUrl}/lead/${lead.id}/`);
    assert.deepEqual(lead.opportunities, []);
    assert.deepEqual(lead.tasks, []);
    assert.deepEqual(lead.integration_links, []);
    assert.equal(lead.created_by, t.orgA.user_id);
    assert.equal(lead.updated_by, t.orgA.user_id);
    assert.equal(lead.created_by_name, 'Alice');
    assert.equal(lead.date_created, '2026-03-01T10:00:00.000000+00:00');
    assert.equal(lead.date_updated, '2026-03-01T10:00:00.000000+00:00');
    assert.deepEqual(lead.addresses, [
      { label: 'business', address_1: '747 Howard St', address_2: 'Room 3', city: 'San Francisco', state: 'CA', zipcode: '94103', country: 'US', tz_ids: [] },
    ]);
    assert.equal(lead.contacts.length, 2);
    assert.deepEqual(lead.contact_ids, lead.contacts.map((c: any) => c.id));
    const [gob, lindsay] = lead.contacts;
    assert.equal(gob.name, 'Gob', 'contacts keep the order they were sent in');
    assert.equal(lindsay.name, 'Lindsay');
    assert.match(gob.id, /^cont_/);
    assert.equal(gob.lead_id, lead.id);
    assert.equal(gob.title, 'Sr. Vice President');
    assert.deepEqual(gob.emails, [{ email: 'gob@example.com', type: 'office', is_unsubscribed: false }]);
    assert.deepEqual(gob.phones, [{ phone: '+18004445555', phone_formatted: '+1 800 444 5555', type: 'office', country: 'US', outbound_sms_blocked: false, tz_ids: [] }]);
    assert.deepEqual(lindsay.urls, [{ url: 'https://l.example', type: 'url' }]);
    assert.deepEqual(lead.primary_email, { email: 'gob@example.com', type: 'office', is_unsubscribed: false });
    assert.equal(lead.primary_phone.phone, '+18004445555');
  });

  test('status by label, status_id, and display_name from the first contact', async () => {
    const byLabel = await t.call('POST', '/api/v1/lead/', { body: { status: 'qualified', contacts: [{ name: 'Only Contact' }] } });
    assert.equal(byLabel.status, 200, JSON.stringify(byLabel.body));
    assert.equal(byLabel.body.status_id, statuses[2]!.id);
    assert.equal(byLabel.body.status_label, 'Qualified');
    assert.equal(byLabel.body.name, null);
    assert.equal(byLabel.body.display_name, 'Only Contact');
    const byId = await t.call('POST', '/api/v1/lead/', { body: { status_id: statuses[3]!.id } });
    assert.equal(byId.body.status_label, 'Customer');
    assert.equal(byId.body.display_name, '');
    assert.equal(byId.body.primary_email, null);
    assert.equal(byId.body.primary_phone, null);
  });

  test('get answers with and without the trailing slash; unknown and other-org ids are 404', async () => {
    const created = await t.call('POST', '/api/v1/lead/', { body: { name: 'Slash' } });
    for (const url of [`/api/v1/lead/${created.body.id}/`, `/api/v1/lead/${created.body.id}`]) {
      const res = await t.call('GET', url);
      assert.equal(res.status, 200, url);
      assert.equal(res.body.name, 'Slash');
    }
    const unknown = await t.call('GET', '/api/v1/lead/lead_doesnotexist/');
    assert.equal(unknown.status, 404);
    assert.equal(typeof unknown.body.error, 'string');
    const theirs = await t.call('GET', `/api/v1/lead/${bLeadId}/`);
    assert.equal(theirs.status, 404);
    const noSlash = await t.call('POST', '/api/v1/lead', { body: { name: 'No slash' } });
    assert.equal(noSlash.status, 200);
  });

  test('update changes only the keys sent; PUT ignores nested contacts and replaces addresses', async () => {
    const created = await t.call('POST', '/api/v1/lead/', { body: BLUTH });
    const id = created.body.id;
    clock.advance(60_000);
    const res = await t.call('PUT', `/api/v1/lead/${id}/`, {
      body: {
        description: 'Changed',
        status: 'Bad Fit',
        contacts: [{ name: 'Ignored' }],
        addresses: [{ label: 'mailing', city: 'Newport Beach' }],
        display_name: 'read-only, ignored',
      },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.name, 'Bluth Company');
    assert.equal(res.body.description, 'Changed');
    assert.equal(res.body.status_label, 'Bad Fit');
    assert.equal(res.body.display_name, 'Bluth Company');
    assert.deepEqual(res.body.contacts.map((c: any) => c.name), ['Gob', 'Lindsay']);
    assert.deepEqual(res.body.addresses, [
      { label: 'mailing', address_1: null, address_2: null, city: 'Newport Beach', state: null, zipcode: null, country: null, tz_ids: [] },
    ]);
    assert.equal(res.body.date_created, created.body.date_created);
    assert.equal(res.body.date_updated, '2026-03-01T10:01:00.000000+00:00');
    const again = await t.call('GET', `/api/v1/lead/${id}`);
    assert.deepEqual(again.body, res.body);
    const cleared = await t.call('PUT', `/api/v1/lead/${id}`, { body: { description: null, addresses: [] } });
    assert.equal(cleared.body.description, null);
    assert.deepEqual(cleared.body.addresses, []);
  });

  test('update of an unknown or other-org lead is a 404 and changes nothing', async () => {
    const res = await t.call('PUT', `/api/v1/lead/${bLeadId}/`, { body: { name: 'pwned' } });
    assert.equal(res.status, 404);
    const unknown = await t.call('PUT', '/api/v1/lead/lead_nope/', { body: { name: 'x' } });
    assert.equal(unknown.status, 404);
    const theirs = await t.call('GET', `/api/v1/lead/${bLeadId}/`, { key: t.orgB.api_key });
    assert.equal(theirs.body.name, 'B lead');
  });

  test('delete answers {} and removes the lead with its contacts, channels and addresses', async () => {
    const keep = await t.call('POST', '/api/v1/lead/', { body: BLUTH });
    const gone = await t.call('POST', '/api/v1/lead/', { body: BLUTH });
    const before = {
      contacts: await countRows(t.db, 'contacts', t.orgA.organization_id),
      emails: await countRows(t.db, 'contact_emails', t.orgA.organization_id),
      phones: await countRows(t.db, 'contact_phones', t.orgA.organization_id),
      urls: await countRows(t.db, 'contact_urls', t.orgA.organization_id),
      addresses: await countRows(t.db, 'addresses', t.orgA.organization_id),
    };
    const bContacts = await countRows(t.db, 'contacts', t.orgB.organization_id);
    const res = await t.call('DELETE', `/api/v1/lead/${gone.body.id}/`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, {});
    assert.equal((await t.call('GET', `/api/v1/lead/${gone.body.id}/`)).status, 404);
    for (const contact of gone.body.contacts) assert.equal((await t.call('GET', `/api/v1/contact/${contact.id}/`)).status, 404);
    assert.equal(await countRows(t.db, 'contacts', t.orgA.organization_id), before.contacts - 2);
    assert.equal(await countRows(t.db, 'contact_emails', t.orgA.organization_id), before.emails - 2);
    assert.equal(await countRows(t.db, 'contact_phones', t.orgA.organization_id), before.phones - 1);
    assert.equal(await countRows(t.db, 'contact_urls', t.orgA.organization_id), before.urls - 1);
    assert.equal(await countRows(t.db, 'addresses', t.orgA.organization_id), before.addresses - 1);
    assert.equal((await t.call('GET', `/api/v1/lead/${keep.body.id}/`)).body.contacts.length, 2, 'other leads keep theirs');
    assert.equal(await countRows(t.db, 'contacts', t.orgB.organization_id), bContacts);
    const twice = await t.call('DELETE', `/api/v1/lead/${gone.body.id}`);
    assert.equal(twice.status, 404);
  });

  test('another organization can neither delete nor change the lead', async () => {
    const mine = await t.call('POST', '/api/v1/lead/', { body: { name: 'Mine' } });
    const del = await t.call('DELETE', `/api/v1/lead/${mine.body.id}/`, { key: t.orgB.api_key });
    assert.equal(del.status, 404);
    const put = await t.call('PUT', `/api/v1/lead/${mine.body.id}/`, { key: t.orgB.api_key, body: { name: 'theirs' } });
    assert.equal(put.status, 404);
    const still = await t.call('GET', `/api/v1/lead/${mine.body.id}/`);
    assert.equal(still.body.name, 'Mine');
  });

  test('events: lead.created, contact.created, lead.updated with changed fields, lead.deleted with the whole lead', async () => {
    const created = await t.call('POST', '/api/v1/lead/', { body: BLUTH, headers: { 'x-request-id': 'req_eventtest' } });
    const id = created.body.id;
    const createdEvents = await t.db.selectFrom('events').selectAll().where('request_id', '=', 'req_eventtest').orderBy('object_type').execute();
    assert.deepEqual(createdEvents.map((e) => `${e.object_type}.${e.action}`).sort(), ['contact.created', 'contact.created', 'lead.created']);
    const leadEvent = createdEvents.find((e) => e.object_type === 'lead')!;
    assert.equal(leadEvent.organization_id, t.orgA.organization_id);
    assert.equal(leadEvent.object_id, id);
    assert.equal(leadEvent.lead_id, id);
    assert.equal(leadEvent.user_id, t.orgA.user_id);
    assert.ok(leadEvent.api_key_id);
    assert.deepEqual(leadEvent.data, leadEventData(created.body));

    await t.call('PUT', `/api/v1/lead/${id}/`, { body: { name: 'Renamed' }, headers: { 'x-request-id': 'req_eventupdate' } });
    const [updated] = await t.db.selectFrom('events').selectAll().where('request_id', '=', 'req_eventupdate').execute();
    assert.equal(updated!.action, 'updated');
    assert.ok((updated!.changed_fields as string[]).includes('name'));
    assert.equal((updated!.previous_data as any).name, 'Bluth Company');
    assert.equal((updated!.data as any).name, 'Renamed');

    await t.call('DELETE', `/api/v1/lead/${id}/`, { headers: { 'x-request-id': 'req_eventdelete' } });
    const deleteEvents = await t.db.selectFrom('events').selectAll().where('request_id', '=', 'req_eventdelete').execute();
    assert.deepEqual(deleteEvents.map((e) => `${e.object_type}.${e.action}`).sort(), ['contact.deleted', 'contact.deleted', 'lead.deleted']);
    const deleted = deleteEvents.find((e) => e.object_type === 'lead');
    assert.equal(deleted!.action, 'deleted');
    assert.equal(deleted!.object_id, id);
    assert.equal(deleted!.data, null);
    assert.equal((deleted!.previous_data as any).name, 'Renamed');
    // The lead without its nested contacts (as Close's); each contact has its own contact.deleted.
    assert.equal((deleted!.previous_data as any).contacts, undefined);
    assert.equal((deleted!.previous_data as any).contact_ids.length, 2);
  });
});

describe('/lead/ list', () => {
  let t: TestApp;
  const clock = new ManualClock('2026-03-01T10:00:00Z');
  const ids: string[] = [];

  before(async () => {
    t = await createTestApp({ clock });
    for (let i = 0; i < 5; i++) {
      clock.advance(1000);
      const res = await t.call('POST', '/api/v1/lead/', { body: { name: `Lead ${i}`, contacts: [{ name: `C${i}` }] } });
      ids.push(res.body.id);
    }
    for (let i = 0; i < 3; i++) await t.call('POST', '/api/v1/lead/', { key: t.orgB.api_key, body: { name: `B ${i}` } });
  });

  test('lists the organization’s leads oldest first with has_more and total_results', async () => {
    const all = await t.call('GET', '/api/v1/lead/');
    assert.equal(all.status, 200);
    assert.deepEqual(all.body.data.map((l: any) => l.id), ids);
    assert.equal(all.body.has_more, false);
    assert.equal(all.body.total_results, 5);
    assert.equal(all.body.data[0].contacts[0].name, 'C0');
    const b = await t.call('GET', '/api/v1/lead', { key: t.orgB.api_key });
    assert.equal(b.body.total_results, 3, 'another organization counts only its own');
    assert.ok(b.body.data.every((l: any) => l.organization_id === t.orgB.organization_id));
  });

  test('_skip and _limit page through the list; _limit=0 and _limit above 200', async () => {
    const first = await t.call('GET', '/api/v1/lead/?_limit=2');
    assert.deepEqual(first.body.data.map((l: any) => l.id), ids.slice(0, 2));
    assert.equal(first.body.has_more, true);
    const last = await t.call('GET', '/api/v1/lead/?_skip=4&_limit=2');
    assert.deepEqual(last.body.data.map((l: any) => l.id), ids.slice(4));
    assert.equal(last.body.has_more, false);
    assert.equal(last.body.total_results, 5);
    const zero = await t.call('GET', '/api/v1/lead/?_limit=0');
    assert.deepEqual(zero.body.data, []);
    assert.equal(zero.body.has_more, true);
    const big = await t.call('GET', '/api/v1/lead/?_limit=201');
    assert.equal(big.status, 400);
    assert.deepEqual(big.body, { errors: [], 'field-errors': { _limit: 'Input should be less than or equal to 200' } });
  });

  test('_fields restricts list items and single leads', async () => {
    const list = await t.call('GET', '/api/v1/lead/?_fields=id,display_name&_limit=1');
    assert.deepEqual(list.body.data, [{ id: ids[0], display_name: 'Lead 0' }]);
    assert.equal(list.body.total_results, 5);
    const one = await t.call('GET', `/api/v1/lead/${ids[1]}/?_fields=name,contact_ids`);
    assert.deepEqual(Object.keys(one.body).sort(), ['contact_ids', 'name']);
  });
});
