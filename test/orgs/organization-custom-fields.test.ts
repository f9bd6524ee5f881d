/**
 * The organization object's custom field lists (`lead_custom_fields`, `contact_custom_fields`), which
 * Close's scripts read to map field names to ids, and the membership keys Close shows.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { createTestApp, type TestApp } from '../helpers/app.ts';

describe('/organization/{id}/ custom fields and memberships', () => {
  let t: TestApp;
  let url: string;
  const ids: Record<string, string> = {};

  before(async () => {
    t = await createTestApp();
    url = `/api/v1/organization/${t.orgA.organization_id}/`;
    const make = async (type: 'lead' | 'contact', body: Record<string, unknown>, key?: string) => {
      const res = await t.call('POST', `/api/v1/custom_field/${type}/`, { body, key });
      assert.equal(res.status, 200, res.text);
      return res.body.id as string;
    };
    ids.source = await make('lead', { name: 'Lead Source', type: 'text' });
    ids.tags = await make('lead', { name: 'Tags', type: 'choices', choices: ['x', 'y'], accepts_multiple_values: true });
    ids.nickname = await make('contact', { name: 'Nickname', type: 'text' });
    ids.bField = await make('lead', { name: 'B Only', type: 'number' }, t.orgB.api_key);
    ids.bContact = await make('contact', { name: 'B Contact Only', type: 'text' }, t.orgB.api_key);
  });

  test('lead_custom_fields and contact_custom_fields are the objects /custom_field/{type}/ lists, oldest first', async () => {
    const org = (await t.call('GET', url)).body;
    const leadList = (await t.call('GET', '/api/v1/custom_field/lead/')).body.data;
    const contactList = (await t.call('GET', '/api/v1/custom_field/contact/')).body.data;
    assert.deepEqual(org.lead_custom_fields, leadList);
    assert.deepEqual(org.contact_custom_fields, contactList);
    assert.deepEqual(org.lead_custom_fields.map((f: any) => [f.id, f.name, f.accepts_multiple_values]), [
      [ids.source, 'Lead Source', false],
      [ids.tags, 'Tags', true],
    ]);
    assert.deepEqual(org.contact_custom_fields.map((f: any) => f.name), ['Nickname']);
  });

  test('the lists follow renames and deletes, and _fields picks them (as Close’s change-report script asks)', async () => {
    await t.call('PUT', `/api/v1/custom_field/lead/${ids.source}/`, { body: { name: 'Origin' } });
    const picked = await t.call('GET', `${url}?_fields=id,name,memberships,inactive_memberships,lead_custom_fields`);
    assert.deepEqual(Object.keys(picked.body).sort(), ['id', 'inactive_memberships', 'lead_custom_fields', 'memberships', 'name']);
    assert.deepEqual(picked.body.lead_custom_fields.map((f: any) => f.name), ['Origin', 'Tags']);
    await t.call('DELETE', `/api/v1/custom_field/lead/${ids.tags}/`);
    const after = (await t.call('GET', url)).body;
    assert.deepEqual(after.lead_custom_fields.map((f: any) => f.id), [ids.source]);
  });

  test('another organization’s custom fields never appear, and its own object lists only its own', async () => {
    const a = (await t.call('GET', url)).body;
    const all = [...a.lead_custom_fields, ...a.contact_custom_fields].map((f: any) => f.id);
    assert.ok(!all.includes(ids.bField) && !all.includes(ids.bContact));
    assert.ok([...a.lead_custom_fields, ...a.contact_custom_fields].every((f: any) => f.organization_id === t.orgA.organization_id));
    const b = (await t.call('GET', `/api/v1/organization/${t.orgB.organization_id}/`, { key: t.orgB.api_key })).body;
    assert.deepEqual(b.lead_custom_fields.map((f: any) => f.id), [ids.bField]);
    assert.deepEqual(b.contact_custom_fields.map((f: any) => f.id), [ids.bContact]);
    const cross = await t.call('GET', `/api/v1/organization/${t.orgB.organization_id}/`);
    assert.equal(cross.status, 404);
  });

  test('memberships carry Close’s user_* keys, permissions and settings; plan_type is null', async () => {
    const org = (await t.call('GET', url)).body;
    const [m] = org.memberships;
    const user = (await t.call('GET', `/api/v1/user/${t.orgA.user_id}/`)).body;
    assert.equal(m.user_first_name, 'Alice');
    assert.equal(m.user_first_name, user.first_name);
    assert.equal(m.user_last_name, user.last_name);
    assert.equal(m.user_phone, null);
    assert.ok(m.permissions_granted.includes('bulk_edit') && m.permissions_granted.includes('export'));
    assert.equal(m.auto_record_calls, 'unset');
    assert.equal(m.track_email_opens, false);
    assert.equal(org.plan_type, null);
    const me = (await t.call('GET', '/api/v1/me/')).body;
    assert.deepEqual(me.memberships[0].permissions_granted, m.permissions_granted);
    assert.equal(me.memberships[0].auto_record_calls, 'unset');
    assert.equal(me.memberships[0].track_email_opens, false);
    assert.deepEqual(me.organizations[0].lead_custom_fields, org.lead_custom_fields, '/me/ embeds the same organization object');
  });
});
