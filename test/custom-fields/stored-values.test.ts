import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { newId } from '../../src/ids.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';

/** What deleting or redefining a field does to the values leads and contacts already hold. */
describe('custom field values on leads and contacts', () => {
  let t: TestApp;
  const statusOf: Record<string, string> = {};

  before(async () => {
    t = await createTestApp();
    for (const org of [t.orgA, t.orgB]) {
      const status = await t.db.selectFrom('lead_statuses').select('id').where('organization_id', '=', org.organization_id).executeTakeFirstOrThrow();
      statusOf[org.organization_id] = status.id;
    }
  });

  async function field(objectType: 'lead' | 'contact', body: Record<string, unknown>, key?: string): Promise<string> {
    const res = await t.call('POST', `/api/v1/custom_field/${objectType}/`, { body, key });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.id;
  }

  async function lead(orgId: string, custom: Record<string, unknown>): Promise<string> {
    const id = newId('lead');
    await t.db.insertInto('leads').values({ id, organization_id: orgId, name: id, status_id: statusOf[orgId]!, custom: JSON.stringify(custom) }).execute();
    return id;
  }

  async function contact(orgId: string, leadId: string, custom: Record<string, unknown>): Promise<string> {
    const id = newId('cont');
    await t.db.insertInto('contacts').values({ id, organization_id: orgId, lead_id: leadId, name: id, custom: JSON.stringify(custom) }).execute();
    return id;
  }

  const customOf = async (table: 'leads' | 'contacts', id: string) =>
    (await t.db.selectFrom(table).select('custom').where('id', '=', id).executeTakeFirstOrThrow()).custom;

  test('deleting a lead field removes its value from every lead of the organization, and nothing else', async () => {
    const doomed = await field('lead', { name: 'Doomed', type: 'text' });
    const kept = await field('lead', { name: 'Kept', type: 'number' });
    const leads = [];
    for (let i = 0; i < 3; i += 1) leads.push(await lead(t.orgA.organization_id, { [doomed]: `v${i}`, [kept]: i }));
    const without = await lead(t.orgA.organization_id, { [kept]: 9 });
    // A key equal to the id in another organization's lead and in a contact of A stays untouched.
    const otherOrgLead = await lead(t.orgB.organization_id, { [doomed]: 'not yours' });
    const contactOfA = await contact(t.orgA.organization_id, leads[0]!, { [doomed]: 'contact value' });

    const res = await t.call('DELETE', `/api/v1/custom_field/lead/${doomed}/`);
    assert.equal(res.status, 200);
    for (const [i, id] of leads.entries()) assert.deepEqual(await customOf('leads', id), { [kept]: i });
    assert.deepEqual(await customOf('leads', without), { [kept]: 9 });
    assert.deepEqual(await customOf('leads', otherOrgLead), { [doomed]: 'not yours' });
    assert.deepEqual(await customOf('contacts', contactOfA), { [doomed]: 'contact value' });
  });

  test('deleting a contact field removes its value from every contact', async () => {
    const doomed = await field('contact', { name: 'Nickname', type: 'text' });
    const leadId = await lead(t.orgA.organization_id, { [doomed]: 'lead keeps this' });
    const c1 = await contact(t.orgA.organization_id, leadId, { [doomed]: 'Bob', other: 1 });
    const c2 = await contact(t.orgA.organization_id, leadId, { [doomed]: 'Rob' });
    assert.equal((await t.call('DELETE', `/api/v1/custom_fields/contact/${doomed}`)).status, 200);
    assert.deepEqual(await customOf('contacts', c1), { other: 1 });
    assert.deepEqual(await customOf('contacts', c2), {});
    assert.deepEqual(await customOf('leads', leadId), { [doomed]: 'lead keeps this' });
  });

  test('a refused delete (another organization) leaves the values in place', async () => {
    const mine = await field('lead', { name: 'Mine', type: 'text' });
    const leadId = await lead(t.orgA.organization_id, { [mine]: 'stays' });
    assert.equal((await t.call('DELETE', `/api/v1/custom_field/lead/${mine}/`, { key: t.orgB.api_key })).status, 404);
    assert.deepEqual(await customOf('leads', leadId), { [mine]: 'stays' });
  });

  test('removing a choice removes it from stored values; adding choices changes nothing', async () => {
    const plan = await field('lead', { name: 'Plans', type: 'choices', choices: ['Gold', 'Silver', 'Bronze'], accepts_multiple_values: true });
    const both = await lead(t.orgA.organization_id, { [plan]: ['Gold', 'Silver'] });
    const onlySilver = await lead(t.orgA.organization_id, { [plan]: ['Silver'] });
    const bronze = await lead(t.orgA.organization_id, { [plan]: ['Bronze'] });
    const added = await t.call('PUT', `/api/v1/custom_field/lead/${plan}/`, { body: { choices: ['Gold', 'Silver', 'Bronze', 'Tin'] } });
    assert.equal(added.status, 200);
    assert.deepEqual(await customOf('leads', both), { [plan]: ['Gold', 'Silver'] });
    const removed = await t.call('PUT', `/api/v1/custom_field/lead/${plan}/`, { body: { choices: ['Gold', 'Bronze'] } });
    assert.equal(removed.status, 200);
    assert.deepEqual(await customOf('leads', both), { [plan]: ['Gold'] });
    assert.deepEqual(await customOf('leads', onlySilver), {});
    assert.deepEqual(await customOf('leads', bronze), { [plan]: ['Bronze'] });
  });

  test('switching multiplicity wraps single values or keeps the first of a list', async () => {
    const who = await field('lead', { name: 'Owners', type: 'user', accepts_multiple_values: true });
    const carol = newId('user');
    await t.db.insertInto('users').values({ id: carol, organization_id: t.orgA.organization_id, email: 'carol@a.example', first_name: 'Carol', last_name: 'King' }).execute();
    const two = await lead(t.orgA.organization_id, { [who]: [carol, t.orgA.user_id] });
    assert.equal((await t.call('PUT', `/api/v1/custom_field/lead/${who}/`, { body: { accepts_multiple_values: false } })).status, 200);
    assert.deepEqual(await customOf('leads', two), { [who]: carol });
    assert.equal((await t.call('PUT', `/api/v1/custom_field/lead/${who}/`, { body: { accepts_multiple_values: true } })).status, 200);
    assert.deepEqual(await customOf('leads', two), { [who]: [carol] });
  });

  test('changing the type converts what fits and drops what does not, in A only', async () => {
    const f = await field('lead', { name: 'Amount', type: 'text' });
    const numeric = await lead(t.orgA.organization_id, { [f]: ' 42.5 ' });
    const words = await lead(t.orgA.organization_id, { [f]: 'lots', other: 'x' });
    const fB = await field('lead', { name: 'Amount', type: 'text' }, t.orgB.api_key);
    const leadB = await lead(t.orgB.organization_id, { [f]: 'lots', [fB]: 'lots' });
    const res = await t.call('PUT', `/api/v1/custom_field/lead/${f}/`, { body: { type: 'number' } });
    assert.equal(res.status, 200);
    assert.deepEqual(await customOf('leads', numeric), { [f]: 42.5 });
    assert.deepEqual(await customOf('leads', words), { other: 'x' });
    assert.deepEqual(await customOf('leads', leadB), { [f]: 'lots', [fB]: 'lots' });
    assert.equal((await t.call('PUT', `/api/v1/custom_field/lead/${f}/`, { body: { type: 'text' } })).status, 200);
    assert.deepEqual(await customOf('leads', numeric), { [f]: '42.5' });
  });

  test('datetime → date keeps the UTC date; date → datetime is midnight UTC', async () => {
    const f = await field('contact', { name: 'Met at', type: 'datetime' });
    const leadId = await lead(t.orgA.organization_id, {});
    const c = await contact(t.orgA.organization_id, leadId, { [f]: '2026-02-03T23:30:00+00:00' });
    assert.equal((await t.call('PUT', `/api/v1/custom_field/contact/${f}/`, { body: { type: 'date' } })).status, 200);
    assert.deepEqual(await customOf('contacts', c), { [f]: '2026-02-03' });
    assert.equal((await t.call('PUT', `/api/v1/custom_field/contact/${f}/`, { body: { type: 'datetime' } })).status, 200);
    assert.deepEqual(await customOf('contacts', c), { [f]: '2026-02-03T00:00:00+00:00' });
  });

  test('text → contact keeps only ids of contacts on the same lead', async () => {
    const f = await field('lead', { name: 'Champion', type: 'text' });
    const l1 = await lead(t.orgA.organization_id, {});
    const l2 = await lead(t.orgA.organization_id, {});
    const c1 = await contact(t.orgA.organization_id, l1, {});
    await t.db.updateTable('leads').set({ custom: JSON.stringify({ [f]: c1 }) }).where('id', '=', l1).execute();
    await t.db.updateTable('leads').set({ custom: JSON.stringify({ [f]: c1 }) }).where('id', '=', l2).execute();
    assert.equal((await t.call('PUT', `/api/v1/custom_field/lead/${f}/`, { body: { type: 'contact' } })).status, 200);
    assert.deepEqual(await customOf('leads', l1), { [f]: c1 });
    assert.deepEqual(await customOf('leads', l2), {});
  });
});
