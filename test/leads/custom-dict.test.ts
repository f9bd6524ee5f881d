/**
 * The deprecated `custom` dict (values keyed by field NAME) that Close still returns next to the
 * `custom.cf_…` keys, and that Close's scripts read (`lead['custom'][name]`): on every lead and
 * contact response, nested contacts, `_fields=custom` and `/data/search/` results; never another
 * organization's fields.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { insertCustomField } from './fixtures.ts';

describe('the deprecated custom dict', () => {
  let t: TestApp;
  const f: Record<string, string> = {};
  let bSource: string;
  let bSecret: string;

  before(async () => {
    t = await createTestApp();
    const org = t.orgA.organization_id;
    f.source = await insertCustomField(t.db, org, { name: 'Lead Source', type: 'text' });
    f.tags = await insertCustomField(t.db, org, { name: 'Tags', type: 'choices', choices: ['a', 'b', 'c'], multiple: true });
    f.seats = await insertCustomField(t.db, org, { name: 'Seats', type: 'number' });
    f.owner = await insertCustomField(t.db, org, { name: 'Owner', type: 'user' });
    f.nickname = await insertCustomField(t.db, org, { name: 'Nickname', type: 'text', objectType: 'contact' });
    f.langs = await insertCustomField(t.db, org, { name: 'Languages', type: 'choices', choices: ['en', 'fr'], multiple: true, objectType: 'contact' });
    // The neighbour has a field of the same name and one of its own; neither may show up in A.
    bSource = await insertCustomField(t.db, t.orgB.organization_id, { name: 'Lead Source', type: 'text' });
    bSecret = await insertCustomField(t.db, t.orgB.organization_id, { name: 'B Secret', type: 'text' });
    await t.call('POST', '/api/v1/lead/', { key: t.orgB.api_key, body: { name: 'B lead', [`custom.${bSource}`]: 'B only', [`custom.${bSecret}`]: 'hush' } });
  });

  async function createLead(body: Record<string, unknown>) {
    const res = await t.call('POST', '/api/v1/lead/', { body });
    assert.equal(res.status, 200, res.text);
    return res.body;
  }

  test('POST /lead/ answers the dict by name: multi-value fields as lists, user fields as ids, unset fields absent', async () => {
    const lead = await createLead({
      name: 'Dict',
      [`custom.${f.source}`]: 'Website',
      [`custom.${f.tags}`]: ['b', 'a'],
      'custom.Seats': '3',
      custom: { Owner: 'alice@a.example' },
      contacts: [{ name: 'Ann', [`custom.${f.nickname}`]: 'Annie', [`custom.${f.langs}`]: ['fr'] }],
    });
    assert.deepEqual(lead.custom, { 'Lead Source': 'Website', Tags: ['b', 'a'], Seats: 3, Owner: t.orgA.user_id });
    for (const [name, id] of [['Lead Source', f.source], ['Tags', f.tags], ['Seats', f.seats], ['Owner', f.owner]] as const) {
      assert.deepEqual(lead.custom[name], lead[`custom.${id}`], `${name} shows the same value as custom.${id}`);
    }
    assert.deepEqual(lead.contacts[0].custom, { Nickname: 'Annie', Languages: ['fr'] }, 'nested contacts carry their own dict');
    const empty = await createLead({ name: 'No values' });
    assert.deepEqual(empty.custom, {});
  });

  test('GET, list and PUT of /lead/ keep the dict in step: null clears, .add appends, a renamed field shows its new name', async () => {
    const lead = await createLead({ name: 'Steps', [`custom.${f.source}`]: 'Fair', [`custom.${f.tags}`]: ['a'] });
    const got = await t.call('GET', `/api/v1/lead/${lead.id}/`);
    assert.deepEqual(got.body.custom, { 'Lead Source': 'Fair', Tags: ['a'] });
    const list = await t.call('GET', '/api/v1/lead/?_limit=200');
    assert.deepEqual(list.body.data.find((l: any) => l.id === lead.id).custom, { 'Lead Source': 'Fair', Tags: ['a'] });
    const put = await t.call('PUT', `/api/v1/lead/${lead.id}/`, { body: { [`custom.${f.source}`]: null, [`custom.${f.tags}.add`]: 'c' } });
    assert.equal(put.status, 200, put.text);
    assert.deepEqual(put.body.custom, { Tags: ['a', 'c'] });
    await t.db.updateTable('custom_fields').set({ name: 'Labels' }).where('id', '=', f.tags!).execute();
    try {
      const renamed = await t.call('GET', `/api/v1/lead/${lead.id}/`);
      assert.deepEqual(renamed.body.custom, { Labels: ['a', 'c'] });
    } finally {
      await t.db.updateTable('custom_fields').set({ name: 'Tags' }).where('id', '=', f.tags!).execute();
    }
  });

  test('a change records lead.updated naming the custom.cf_… key, not the derived dict', async () => {
    const lead = await createLead({ name: 'Events', [`custom.${f.source}`]: 'Old' });
    await t.call('PUT', `/api/v1/lead/${lead.id}/`, { body: { [`custom.${f.source}`]: 'New' } });
    const event = await t.db
      .selectFrom('events')
      .select(['changed_fields', 'data'])
      .where('object_id', '=', lead.id)
      .where('action', '=', 'updated')
      .executeTakeFirstOrThrow();
    assert.deepEqual(event.changed_fields.filter((k) => k !== 'date_updated'), [`custom.${f.source}`]);
    assert.deepEqual((event.data as any).custom, { 'Lead Source': 'New' }, 'the event data is the object as GET shows it');
  });

  test('contacts: POST, GET, list and PUT carry the contact dict', async () => {
    const lead = await createLead({ name: 'Contacts' });
    const created = await t.call('POST', '/api/v1/contact/', { body: { lead_id: lead.id, name: 'Cy', custom: { Nickname: 'C' }, [`custom.${f.langs}`]: ['en', 'fr'] } });
    assert.equal(created.status, 200, created.text);
    assert.deepEqual(created.body.custom, { Nickname: 'C', Languages: ['en', 'fr'] });
    const got = await t.call('GET', `/api/v1/contact/${created.body.id}/`);
    assert.deepEqual(got.body.custom, { Nickname: 'C', Languages: ['en', 'fr'] });
    const list = await t.call('GET', `/api/v1/contact/?lead_id=${lead.id}`);
    assert.deepEqual(list.body.data[0].custom, { Nickname: 'C', Languages: ['en', 'fr'] });
    const put = await t.call('PUT', `/api/v1/contact/${created.body.id}/`, { body: { [`custom.${f.nickname}`]: null } });
    assert.deepEqual(put.body.custom, { Languages: ['en', 'fr'] });
    const onLead = await t.call('GET', `/api/v1/lead/${lead.id}/`);
    assert.deepEqual(onLead.body.contacts[0].custom, { Languages: ['en', 'fr'] });
    assert.deepEqual(onLead.body.custom, {}, 'contact fields never appear in the lead dict');
  });

  test('_fields=custom returns the dict with every custom.cf_… key; custom.cf_… alone leaves the dict out', async () => {
    const lead = await createLead({ name: 'Fields', [`custom.${f.source}`]: 's', [`custom.${f.seats}`]: 2, contacts: [{ name: 'Di', [`custom.${f.nickname}`]: 'D' }] });
    const all = await t.call('GET', `/api/v1/lead/${lead.id}/?_fields=id,custom`);
    assert.deepEqual(all.body, { id: lead.id, custom: { 'Lead Source': 's', Seats: 2 }, [`custom.${f.source}`]: 's', [`custom.${f.seats}`]: 2 });
    const one = await t.call('GET', `/api/v1/lead/${lead.id}/?_fields=custom.${f.seats}`);
    assert.deepEqual(one.body, { [`custom.${f.seats}`]: 2 });
    const list = await t.call('GET', '/api/v1/lead/?_fields=id,custom&_limit=200');
    assert.deepEqual(list.body.data.find((l: any) => l.id === lead.id), all.body, 'the list reads the names too');
    const withoutCustom = await t.call('GET', '/api/v1/lead/?_fields=id,name&_limit=200');
    assert.ok(withoutCustom.body.data.every((l: any) => !('custom' in l)));
    const contacts = await t.call('GET', `/api/v1/contact/?lead_id=${lead.id}&_fields=id,custom`);
    assert.deepEqual(contacts.body.data, [{ id: lead.contacts[0].id, custom: { Nickname: 'D' }, [`custom.${f.nickname}`]: 'D' }]);
  });

  test('/data/search/ results carry the dict when _fields asks for custom, and only then', async () => {
    const lead = await createLead({ name: 'Searched Dict', [`custom.${f.tags}`]: ['c'], contacts: [{ name: 'Eve', [`custom.${f.langs}`]: ['en'] }] });
    const search = (type: 'lead' | 'contact', fields: string[]) =>
      t.call('POST', '/api/v1/data/search/', {
        body: {
          query:
            type === 'lead'
              ? { type: 'and', queries: [{ type: 'object_type', object_type: 'lead' }, { type: 'id', value: lead.id }] }
              : { type: 'object_type', object_type: 'contact' },
          _fields: { [type]: fields },
          _limit: 200,
        },
      });
    const leads = await search('lead', ['id', 'custom']);
    assert.equal(leads.status, 200, leads.text);
    const hit = leads.body.data.find((d: any) => d.id === lead.id);
    assert.deepEqual(hit.custom, { Tags: ['c'] });
    assert.deepEqual(hit[`custom.${f.tags}`], ['c']);
    const picked = await search('lead', [`custom.${f.tags}`, 'contacts']);
    const pickedHit = picked.body.data.find((d: any) => d.id === lead.id);
    assert.ok(!('custom' in pickedHit), 'one custom.cf_… key does not bring the dict');
    assert.deepEqual(pickedHit.contacts[0].custom, { Languages: ['en'] }, 'nested contacts are whole contacts');
    const contacts = await search('contact', ['id', 'name', 'custom']);
    assert.deepEqual(contacts.body.data.find((d: any) => d.id === lead.contacts[0].id).custom, { Languages: ['en'] });
    const names = await search('contact', ['name']);
    assert.ok(names.body.data.every((d: any) => !('custom' in d)));
  });

  test('another organization’s fields never appear, even under a name both share or a stray stored id', async () => {
    const lead = await createLead({ name: 'Mine', [`custom.${f.source}`]: 'A value' });
    // A value stored under B's field id (no request can do this) must not surface by B's name.
    await t.db.updateTable('leads').set({ custom: JSON.stringify({ [f.source!]: 'A value', [bSecret]: 'hush' }) }).where('id', '=', lead.id).execute();
    const got = await t.call('GET', `/api/v1/lead/${lead.id}/`);
    assert.deepEqual(got.body.custom, { 'Lead Source': 'A value' });
    const search = await t.call('POST', '/api/v1/data/search/', {
      body: { query: { type: 'object_type', object_type: 'lead' }, _fields: { lead: ['id', 'custom'] }, _limit: 200 },
    });
    for (const item of search.body.data) {
      assert.ok(!('B Secret' in item.custom), 'no B names in A’s search');
      assert.notEqual(item.custom['Lead Source'], 'B only');
    }
    const b = await t.call('GET', '/api/v1/lead/?_fields=name,custom', { key: t.orgB.api_key });
    assert.deepEqual(b.body.data.map((l: any) => l.custom), [{ 'Lead Source': 'B only', 'B Secret': 'hush' }]);
  });
});
