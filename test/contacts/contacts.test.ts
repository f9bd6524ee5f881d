import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { ManualClock } from '../../src/time.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { countRows, insertCustomField, statusesOf } from '../leads/fixtures.ts';

describe('/contact/', () => {
  let t: TestApp;
  const clock = new ManualClock('2026-04-01T08:00:00Z');
  let leadId: string;
  let bLeadId: string;
  let bContactId: string;
  let nickname: string;
  let tags: string;

  before(async () => {
    t = await createTestApp({ clock });
    nickname = await insertCustomField(t.db, t.orgA.organization_id, { name: 'Nickname', type: 'text', objectType: 'contact' });
    tags = await insertCustomField(t.db, t.orgA.organization_id, { name: 'Tags', type: 'choices', choices: ['x', 'y', 'z'], multiple: true, objectType: 'contact' });
    leadId = (await t.call('POST', '/api/v1/lead/', { body: { name: 'Home' } })).body.id;
    const b = await t.call('POST', '/api/v1/lead/', { key: t.orgB.api_key, body: { name: 'B', contacts: [{ name: 'Bee' }] } });
    bLeadId = b.body.id;
    bContactId = b.body.contacts[0].id;
  });

  test('create on a lead answers the contact as Close shows it', async () => {
    const res = await t.call('POST', '/api/v1/contact/', {
      body: {
        lead_id: leadId,
        name: 'Maeby Fünke',
        title: 'Executive',
        emails: [{ email: 'maeby@example.com', type: 'office' }, { email: 'm@example.org', type: 'home', is_unsubscribed: true }],
        phones: [{ phone: '+1 (415) 555-0100', type: 'mobile' }, { phone: '+44 20 7183 8750' }],
        urls: [{ url: 'https://maeby.example', type: 'url' }],
        [`custom.${nickname}`]: 'Surely',
        id: 'cont_forged',
      },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const c = res.body;
    assert.match(c.id, /^cont_[0-9A-Za-z]{43}$/);
    assert.equal(c.lead_id, leadId);
    assert.equal(c.organization_id, t.orgA.organization_id);
    assert.equal(c.name, 'Maeby Fünke');
    assert.equal(c.display_name, 'Maeby Fünke');
    assert.equal(c.title, 'Executive');
    assert.deepEqual(c.emails, [
      { email: 'maeby@example.com', type: 'office', is_unsubscribed: false },
      { email: 'm@example.org', type: 'home', is_unsubscribed: false },
    ]);
    assert.deepEqual(c.phones, [
      { phone: '+14155550100', phone_formatted: '+1 415 555 0100', type: 'mobile', country: 'US', outbound_sms_blocked: false, tz_ids: [] },
      { phone: '+442071838750', phone_formatted: '+44 20 7183 8750', type: 'office', country: 'GB', outbound_sms_blocked: false, tz_ids: [] },
    ]);
    assert.deepEqual(c.urls, [{ url: 'https://maeby.example', type: 'url' }]);
    assert.equal(c[`custom.${nickname}`], 'Surely');
    assert.deepEqual(c.integration_links, []);
    assert.deepEqual(c.subscriptions, []);
    assert.equal(c.created_by, t.orgA.user_id);
    assert.equal(c.updated_by, t.orgA.user_id);
    assert.equal(c.date_created, '2026-04-01T08:00:00.000000+00:00');
    assert.equal(c.date_updated, '2026-04-01T08:00:00.000000+00:00');
    const lead = await t.call('GET', `/api/v1/lead/${leadId}/`);
    assert.deepEqual(lead.body.contact_ids, [c.id]);
    assert.equal(lead.body.display_name, 'Home');
  });

  test('create without lead_id makes a new lead named after the contact', async () => {
    const leadsBefore = await countRows(t.db, 'leads', t.orgA.organization_id);
    const res = await t.call('POST', '/api/v1/contact', { body: { name: 'Lonely Contact', emails: [{ email: 'lonely@example.com' }] }, headers: { 'x-request-id': 'req_lonely' } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(await countRows(t.db, 'leads', t.orgA.organization_id), leadsBefore + 1);
    const lead = await t.call('GET', `/api/v1/lead/${res.body.lead_id}/`);
    assert.equal(lead.status, 200);
    assert.equal(lead.body.name, 'Lonely Contact');
    assert.equal(lead.body.status_id, (await statusesOf(t.db, t.orgA.organization_id))[0]!.id);
    assert.deepEqual(lead.body.contact_ids, [res.body.id]);
    const events = await t.db.selectFrom('events').select(['object_type', 'action']).where('request_id', '=', 'req_lonely').execute();
    assert.deepEqual(events.map((e) => `${e.object_type}.${e.action}`).sort(), ['contact.created', 'lead.created']);
  });

  test('create: unknown or another organization’s lead_id is a 400 on lead_id and writes nothing', async () => {
    for (const id of ['lead_nope', bLeadId]) {
      const contactsBefore = await countRows(t.db, 'contacts', t.orgA.organization_id);
      const res = await t.call('POST', '/api/v1/contact/', { body: { lead_id: id, name: 'Intruder' } });
      assert.equal(res.status, 400);
      assert.ok(res.body['field-errors'].lead_id, JSON.stringify(res.body));
      assert.equal(await countRows(t.db, 'contacts', t.orgA.organization_id), contactsBefore);
    }
    const theirs = await t.call('GET', `/api/v1/lead/${bLeadId}/`, { key: t.orgB.api_key });
    assert.deepEqual(theirs.body.contacts.map((c: any) => c.name), ['Bee']);
  });

  test('create: bad emails, phones, types and custom values are 400s on their path', async () => {
    const cases: [unknown, string][] = [
      [{ lead_id: leadId, emails: [{ email: 'ok@example.com' }, { email: 'nope' }] }, 'emails[1].email'],
      [{ lead_id: leadId, phones: [{ phone: 'not a phone' }] }, 'phones[0].phone'],
      [{ lead_id: leadId, phones: [{ phone: '12' }] }, 'phones[0].phone'],
      [{ lead_id: leadId, name: ['x'] }, 'name'],
      [{ lead_id: 7 }, 'lead_id'],
      [{ lead_id: leadId, urls: [{ type: 'url' }] }, 'urls[0].url'],
      [{ lead_id: leadId, emails: 'a@b.c' }, 'emails'],
      [{ lead_id: leadId, 'custom.Tags': ['x', 'nope'] }, 'custom.Tags'],
      [{ lead_id: leadId, 'custom.cf_missing': 1 }, 'custom.cf_missing'],
    ];
    const before = await countRows(t.db, 'contacts', t.orgA.organization_id);
    for (const [body, path] of cases) {
      const res = await t.call('POST', '/api/v1/contact/', { body });
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.ok(res.body['field-errors'][path], `${path}: ${JSON.stringify(res.body)}`);
    }
    assert.equal(await countRows(t.db, 'contacts', t.orgA.organization_id), before);
  });

  test('get with and without slash; 404 for unknown and another organization’s contact', async () => {
    const c = (await t.call('POST', '/api/v1/contact/', { body: { lead_id: leadId, name: 'Getme' } })).body;
    for (const url of [`/api/v1/contact/${c.id}/`, `/api/v1/contact/${c.id}`]) {
      const res = await t.call('GET', url);
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, c);
    }
    assert.equal((await t.call('GET', '/api/v1/contact/cont_nope/')).status, 404);
    assert.equal((await t.call('GET', `/api/v1/contact/${bContactId}/`)).status, 404);
    const fields = await t.call('GET', `/api/v1/contact/${c.id}/?_fields=id,name`);
    assert.deepEqual(fields.body, { id: c.id, name: 'Getme' });
  });

  test('update changes only what is sent; lists sent replace the stored ones', async () => {
    const c = (
      await t.call('POST', '/api/v1/contact/', {
        body: { lead_id: leadId, name: 'Buster', title: 'Son', emails: [{ email: 'b@example.com' }], phones: [{ phone: '4155550111' }], 'custom.Tags': ['x'] },
      })
    ).body;
    clock.advance(5000);
    const res = await t.call('PUT', `/api/v1/contact/${c.id}/`, {
      body: { title: 'Army', emails: [{ email: 'buster@example.com', type: 'home' }, { email: 'b2@example.com' }], [`custom.${tags}.add`]: 'z' },
      headers: { 'x-request-id': 'req_contactupdate' },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.name, 'Buster');
    assert.equal(res.body.title, 'Army');
    assert.deepEqual(res.body.emails.map((e: any) => [e.email, e.type]), [['buster@example.com', 'home'], ['b2@example.com', 'office']]);
    assert.deepEqual(res.body.phones.map((p: any) => p.phone), ['+14155550111'], 'phones not sent stay');
    assert.deepEqual(res.body[`custom.${tags}`], ['x', 'z']);
    assert.equal(res.body.date_updated, '2026-04-01T08:00:05.000000+00:00');
    assert.equal(res.body.date_created, c.date_created);
    const [event] = await t.db.selectFrom('events').selectAll().where('request_id', '=', 'req_contactupdate').execute();
    assert.equal(event!.action, 'updated');
    assert.equal(event!.object_type, 'contact');
    assert.equal(event!.lead_id, leadId);
    assert.ok((event!.changed_fields as string[]).includes('title'));
    assert.ok((event!.changed_fields as string[]).includes('emails'));
    assert.equal((event!.previous_data as any).title, 'Son');
    const cleared = await t.call('PUT', `/api/v1/contact/${c.id}`, { body: { phones: [], title: null, [`custom.${tags}`]: null } });
    assert.deepEqual(cleared.body.phones, []);
    assert.equal(cleared.body.title, null);
    assert.equal(cleared.body[`custom.${tags}`], undefined);
    const bad = await t.call('PUT', `/api/v1/contact/${c.id}/`, { body: { name: 'Changed', phones: [{ phone: 'xyz' }] } });
    assert.equal(bad.status, 400);
    assert.ok(bad.body['field-errors']['phones[0].phone']);
    assert.equal((await t.call('GET', `/api/v1/contact/${c.id}/`)).body.name, 'Buster');
  });

  test('update can move a contact to another lead of the organization, never to another organization’s', async () => {
    const other = (await t.call('POST', '/api/v1/lead/', { body: { name: 'Other' } })).body.id;
    const c = (await t.call('POST', '/api/v1/contact/', { body: { lead_id: leadId, name: 'Mover', emails: [{ email: 'mover@example.com' }] } })).body;
    const refused = await t.call('PUT', `/api/v1/contact/${c.id}/`, { body: { lead_id: bLeadId } });
    assert.equal(refused.status, 400);
    assert.ok(refused.body['field-errors'].lead_id);
    const moved = await t.call('PUT', `/api/v1/contact/${c.id}/`, { body: { lead_id: other } });
    assert.equal(moved.status, 200);
    assert.equal(moved.body.lead_id, other);
    const lead = await t.call('GET', `/api/v1/lead/${other}/`);
    assert.deepEqual(lead.body.contact_ids, [c.id]);
    assert.equal(lead.body.primary_email.email, 'mover@example.com');
    const emailRow = await t.db.selectFrom('contact_emails').select('lead_id').where('contact_id', '=', c.id).executeTakeFirstOrThrow();
    assert.equal(emailRow.lead_id, other);
  });

  test('another organization can neither change nor delete a contact', async () => {
    const c = (await t.call('POST', '/api/v1/contact/', { body: { lead_id: leadId, name: 'Safe' } })).body;
    const put = await t.call('PUT', `/api/v1/contact/${c.id}/`, { key: t.orgB.api_key, body: { name: 'pwned' } });
    assert.equal(put.status, 404);
    const del = await t.call('DELETE', `/api/v1/contact/${c.id}/`, { key: t.orgB.api_key });
    assert.equal(del.status, 404);
    const list = await t.call('GET', `/api/v1/contact/?lead_id=${leadId}`, { key: t.orgB.api_key });
    assert.deepEqual(list.body.data, []);
    assert.equal((await t.call('GET', `/api/v1/contact/${c.id}/`)).body.name, 'Safe');
  });

  test('delete answers {}, removes the contact and its channels, and records contact.deleted', async () => {
    const c = (await t.call('POST', '/api/v1/contact/', { body: { lead_id: leadId, name: 'Gone', emails: [{ email: 'gone@example.com' }], phones: [{ phone: '4155550122' }] } })).body;
    const emailsBefore = await countRows(t.db, 'contact_emails', t.orgA.organization_id);
    const res = await t.call('DELETE', `/api/v1/contact/${c.id}`, { headers: { 'x-request-id': 'req_contactdelete' } });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, {});
    assert.equal((await t.call('GET', `/api/v1/contact/${c.id}/`)).status, 404);
    assert.equal(await countRows(t.db, 'contact_emails', t.orgA.organization_id), emailsBefore - 1);
    assert.equal((await t.call('GET', `/api/v1/lead/${leadId}/`)).status, 200, 'the lead stays');
    const [event] = await t.db.selectFrom('events').selectAll().where('request_id', '=', 'req_contactdelete').where('object_type', '=', 'contact').execute();
    assert.equal(event!.action, 'deleted');
    assert.equal((event!.previous_data as any).name, 'Gone');
    assert.equal((await t.call('DELETE', `/api/v1/contact/${c.id}/`)).status, 404);
  });

  test('deleting a contact drops it from the contact custom fields of its lead and the lead’s contacts', async () => {
    const org = t.orgA.organization_id;
    const champion = await insertCustomField(t.db, org, { name: 'Champion', type: 'contact' });
    const team = await insertCustomField(t.db, org, { name: 'Team', type: 'contact', multiple: true });
    const buddy = await insertCustomField(t.db, org, { name: 'Buddy', type: 'contact', objectType: 'contact' });
    const lead = (await t.call('POST', '/api/v1/lead/', { body: { name: 'Refs', contacts: [{ name: 'R1' }, { name: 'R2' }] } })).body;
    const [r1, r2] = lead.contacts.map((c: any) => c.id);
    const set = await t.call('PUT', `/api/v1/lead/${lead.id}/`, { body: { [`custom.${champion}`]: r1, [`custom.${team}`]: [r1, r2] } });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.equal((await t.call('PUT', `/api/v1/contact/${r2}/`, { body: { [`custom.${buddy}`]: r1 } })).status, 200);
    const other = (await t.call('POST', '/api/v1/lead/', { body: { name: 'Untouched', contacts: [{ name: 'U1' }, { name: 'U2' }] } })).body;
    await t.call('PUT', `/api/v1/lead/${other.id}/`, { body: { [`custom.${champion}`]: other.contacts[0].id } });
    assert.equal((await t.call('DELETE', `/api/v1/contact/${r1}/`)).status, 200);
    const after = (await t.call('GET', `/api/v1/lead/${lead.id}/`)).body;
    assert.equal(after[`custom.${champion}`], undefined);
    assert.deepEqual(after[`custom.${team}`], [r2]);
    assert.equal(after.contacts[0][`custom.${buddy}`], undefined);
    assert.equal((await t.call('GET', `/api/v1/lead/${other.id}/`)).body[`custom.${champion}`], other.contacts[0].id);
  });

  test('list: the organization’s contacts oldest first, filter lead_id, pagination, _fields', async () => {
    const lead = (await t.call('POST', '/api/v1/lead/', { body: { name: 'Listed', contacts: [{ name: 'L1' }, { name: 'L2' }, { name: 'L3' }] } })).body;
    const filtered = await t.call('GET', `/api/v1/contact/?lead_id=${lead.id}`);
    assert.equal(filtered.status, 200);
    assert.deepEqual(filtered.body.data.map((c: any) => c.name), ['L1', 'L2', 'L3']);
    assert.equal(filtered.body.has_more, false);
    const page = await t.call('GET', `/api/v1/contact?lead_id=${lead.id}&_skip=1&_limit=1&_fields=name`);
    assert.deepEqual(page.body, { data: [{ name: 'L2' }], has_more: true });
    const all = await t.call('GET', '/api/v1/contact/?_limit=200');
    assert.ok(all.body.data.length >= 3);
    assert.ok(all.body.data.every((c: any) => c.organization_id === t.orgA.organization_id));
    assert.ok(!all.body.data.some((c: any) => c.id === bContactId));
    const big = await t.call('GET', '/api/v1/contact/?_limit=201');
    assert.equal(big.status, 400);
  });
});
