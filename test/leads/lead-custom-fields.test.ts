import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { insertCustomField } from './fixtures.ts';

describe('custom field values on leads', () => {
  let t: TestApp;
  const f: Record<string, string> = {};
  let bField: string;

  before(async () => {
    t = await createTestApp();
    const org = t.orgA.organization_id;
    f.source = await insertCustomField(t.db, org, { name: 'Lead Source', type: 'text' });
    f.seats = await insertCustomField(t.db, org, { name: 'Seats', type: 'number' });
    f.renewal = await insertCustomField(t.db, org, { name: 'Renewal', type: 'date' });
    f.tags = await insertCustomField(t.db, org, { name: 'Tags', type: 'choices', choices: ['a', 'b', 'c', 'd'], multiple: true });
    f.tier = await insertCustomField(t.db, org, { name: 'Tier', type: 'choices', choices: ['gold', 'silver'] });
    f.owner = await insertCustomField(t.db, org, { name: 'Owner', type: 'user' });
    f.champion = await insertCustomField(t.db, org, { name: 'Champion', type: 'contact' });
    f.contactOnly = await insertCustomField(t.db, org, { name: 'Nickname', type: 'text', objectType: 'contact' });
    bField = await insertCustomField(t.db, t.orgB.organization_id, { name: 'Lead Source', type: 'text' });
  });

  test('create by id, by name and by the nested custom map; one key per field with a value', async () => {
    const res = await t.call('POST', '/api/v1/lead/', {
      body: {
        name: 'Custom',
        [`custom.${f.source}`]: 'Website contact form',
        'custom.Seats': '12',
        custom: { Renewal: '2026-12-31', [f.tags!]: ['b', 'a'] },
        [`custom.${f.tier}`]: null,
        'custom.Owner': 'alice@a.example',
      },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const customKeys = Object.keys(res.body).filter((k) => k.startsWith('custom.')).sort();
    assert.deepEqual(customKeys, [`custom.${f.source}`, `custom.${f.seats}`, `custom.${f.renewal}`, `custom.${f.tags}`, `custom.${f.owner}`].sort());
    assert.equal(res.body[`custom.${f.source}`], 'Website contact form');
    assert.equal(res.body[`custom.${f.seats}`], 12);
    assert.equal(res.body[`custom.${f.renewal}`], '2026-12-31');
    assert.deepEqual(res.body[`custom.${f.tags}`], ['b', 'a']);
    assert.equal(res.body[`custom.${f.owner}`], t.orgA.user_id);
    assert.deepEqual(
      res.body.custom,
      { 'Lead Source': 'Website contact form', Seats: 12, Renewal: '2026-12-31', Tags: ['b', 'a'], Owner: t.orgA.user_id },
      'the deprecated custom dict: the same values by field name',
    );
  });

  test('another organization’s field id is unknown here', async () => {
    const res = await t.call('POST', '/api/v1/lead/', { body: { [`custom.${bField}`]: 'x' } });
    assert.equal(res.status, 400);
    assert.ok(res.body['field-errors'][`custom.${bField}`]);
  });

  test('_fields=custom and _fields=custom.cf_… pick custom values', async () => {
    const lead = await t.call('POST', '/api/v1/lead/', { body: { name: 'F', [`custom.${f.source}`]: 's', [`custom.${f.seats}`]: 2 } });
    const all = await t.call('GET', `/api/v1/lead/${lead.body.id}/?_fields=id,custom`);
    assert.deepEqual(all.body, { id: lead.body.id, custom: { 'Lead Source': 's', Seats: 2 }, [`custom.${f.source}`]: 's', [`custom.${f.seats}`]: 2 });
    const one = await t.call('GET', `/api/v1/lead/${lead.body.id}/?_fields=custom.${f.seats}`);
    assert.deepEqual(one.body, { [`custom.${f.seats}`]: 2 });
    const list = await t.call('GET', `/api/v1/lead/?_fields=custom.${f.source}&_limit=200`);
    assert.ok(list.body.data.some((l: any) => l[`custom.${f.source}`] === 's'));
  });

  test('update sets, replaces lists, and null clears (the key disappears)', async () => {
    const lead = await t.call('POST', '/api/v1/lead/', { body: { name: 'U', [`custom.${f.source}`]: 'old', [`custom.${f.tags}`]: ['a'] } });
    const url = `/api/v1/lead/${lead.body.id}/`;
    const res = await t.call('PUT', url, { body: { [`custom.${f.source}`]: 'new', 'custom.Tags': ['c', 'd'], [`custom.${f.tier}`]: 'gold' } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body[`custom.${f.source}`], 'new');
    assert.deepEqual(res.body[`custom.${f.tags}`], ['c', 'd']);
    assert.equal(res.body[`custom.${f.tier}`], 'gold');
    const cleared = await t.call('PUT', url, { body: { [`custom.${f.source}`]: null, custom: { Tier: null } } });
    assert.equal(cleared.body[`custom.${f.source}`], undefined);
    assert.equal(cleared.body[`custom.${f.tier}`], undefined);
    assert.ok(!(`custom.${f.source}` in cleared.body));
    const row = await t.db.selectFrom('leads').select('custom').where('id', '=', lead.body.id).executeTakeFirstOrThrow();
    assert.deepEqual(row.custom, { [f.tags!]: ['c', 'd'] });
    const [event] = await t.db
      .selectFrom('events')
      .selectAll()
      .where('object_id', '=', lead.body.id)
      .where('action', '=', 'updated')
      .orderBy('date_created', 'desc')
      .orderBy('id')
      .execute();
    assert.ok((event!.changed_fields as string[]).includes(`custom.${f.source}`) || (event!.changed_fields as string[]).includes(`custom.${f.tier}`));
  });

  test('.add and .remove change a multi-value list in place', async () => {
    const lead = await t.call('POST', '/api/v1/lead/', { body: { name: 'AR', [`custom.${f.tags}`]: ['a', 'b'] } });
    const url = `/api/v1/lead/${lead.body.id}/`;
    const added = await t.call('PUT', url, { body: { [`custom.${f.tags}.add`]: 'c' } });
    assert.equal(added.status, 200, JSON.stringify(added.body));
    assert.deepEqual(added.body[`custom.${f.tags}`], ['a', 'b', 'c']);
    const dup = await t.call('PUT', url, { body: { 'custom.Tags.add': ['b', 'd'] } });
    assert.deepEqual(dup.body[`custom.${f.tags}`], ['a', 'b', 'c', 'd'], 'adding a present value does not duplicate it');
    const removed = await t.call('PUT', url, { body: { [`custom.${f.tags}.remove`]: 'b' } });
    assert.deepEqual(removed.body[`custom.${f.tags}`], ['a', 'c', 'd']);
    const emptied = await t.call('PUT', url, { body: { [`custom.${f.tags}.remove`]: ['a', 'c', 'd'] } });
    assert.equal(emptied.body[`custom.${f.tags}`], undefined, 'an emptied list has no key');
    const fresh = await t.call('PUT', url, { body: { [`custom.${f.tags}.add`]: 'd' } });
    assert.deepEqual(fresh.body[`custom.${f.tags}`], ['d']);
    const badChoice = await t.call('PUT', url, { body: { [`custom.${f.tags}.add`]: 'zzz' } });
    assert.equal(badChoice.status, 400);
    assert.ok(badChoice.body['field-errors'][`custom.${f.tags}.add`]);
    const single = await t.call('PUT', url, { body: { [`custom.${f.tier}.add`]: 'gold' } });
    assert.equal(single.status, 400);
    assert.ok(single.body['field-errors'][`custom.${f.tier}.add`]);
    assert.deepEqual((await t.call('GET', url)).body[`custom.${f.tags}`], ['d']);
  });

  test('a contact field accepts only contacts of the same lead', async () => {
    const lead = await t.call('POST', '/api/v1/lead/', { body: { name: 'C', contacts: [{ name: 'Champ' }] } });
    const other = await t.call('POST', '/api/v1/lead/', { body: { name: 'O', contacts: [{ name: 'Other' }] } });
    const url = `/api/v1/lead/${lead.body.id}/`;
    const ok = await t.call('PUT', url, { body: { [`custom.${f.champion}`]: lead.body.contacts[0].id } });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body[`custom.${f.champion}`], lead.body.contacts[0].id);
    const bad = await t.call('PUT', url, { body: { [`custom.${f.champion}`]: other.body.contacts[0].id } });
    assert.equal(bad.status, 400);
  });

  test('contact custom fields live on contacts, not on leads', async () => {
    const res = await t.call('POST', '/api/v1/lead/', { body: { name: 'N', contacts: [{ name: 'Nick', 'custom.Nickname': 'Nicky' }] } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.contacts[0][`custom.${f.contactOnly}`], 'Nicky');
    const onLead = await t.call('POST', '/api/v1/lead/', { body: { 'custom.Nickname': 'x' } });
    assert.equal(onLead.status, 400);
  });

  test('concurrent updates of different fields on one lead all land', async () => {
    const lead = await t.call('POST', '/api/v1/lead/', { body: { name: 'Race', [`custom.${f.tags}`]: ['a'] } });
    const url = `/api/v1/lead/${lead.body.id}/`;
    const bodies = [
      { [`custom.${f.source}`]: 'src' },
      { [`custom.${f.seats}`]: 9 },
      { [`custom.${f.renewal}`]: '2027-01-01' },
      { [`custom.${f.tier}`]: 'silver' },
      { [`custom.${f.tags}.add`]: 'b' },
      { [`custom.${f.tags}.add`]: 'c' },
      { [`custom.${f.tags}.add`]: 'd' },
      { [`custom.${f.owner}`]: t.orgA.user_id },
    ];
    const results = await Promise.all(bodies.map((body) => t.call('PUT', url, { body })));
    for (const r of results) assert.equal(r.status, 200, JSON.stringify(r.body));
    const final = (await t.call('GET', url)).body;
    assert.equal(final[`custom.${f.source}`], 'src');
    assert.equal(final[`custom.${f.seats}`], 9);
    assert.equal(final[`custom.${f.renewal}`], '2027-01-01');
    assert.equal(final[`custom.${f.tier}`], 'silver');
    assert.equal(final[`custom.${f.owner}`], t.orgA.user_id);
    assert.deepEqual([...final[`custom.${f.tags}`]].sort(), ['a', 'b', 'c', 'd']);
  });
});
