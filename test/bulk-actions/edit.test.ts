import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { before, describe, test } from 'node:test';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { eventsOf, insertCustomField, insertLeads, startWorker, statuses, TARGET_QUERY, waitForStatus } from './fixtures.ts';

describe('bulk edit', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ env: { BULK_BATCH_SIZE: '7' } });
    await startWorker(t);
  });

  async function leadsOf(orgId: string, ids: readonly string[]) {
    const rows = await t.db.selectFrom('leads').selectAll().where('organization_id', '=', orgId).where('id', 'in', ids).execute();
    return new Map(rows.map((r) => [r.id, r]));
  }

  async function run(body: Record<string, unknown>, key?: string) {
    const res = await t.call('POST', '/api/v1/bulk_action/edit/', { body: { s_query: TARGET_QUERY, send_done_email: false, ...body }, key });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    await waitForStatus(t.db, res.body.id, ['done', 'error']);
    const done = await t.call('GET', `/api/v1/bulk_action/edit/${res.body.id}/`, { key });
    return { created: res.body, done: done.body };
  }

  test('set_lead_status changes every matched lead once, and nothing else', async () => {
    const target = await insertLeads(t.db, t.orgA.organization_id, 30);
    const other = await insertLeads(t.db, t.orgA.organization_id, 10, { prefix: 'Other' });
    const theirs = await insertLeads(t.db, t.orgB.organization_id, 10);
    const [potential, , qualified] = await statuses(t.db, t.orgA.organization_id);
    const { created, done } = await run({ type: 'set_lead_status', lead_status_id: qualified!.id });

    assert.match(created.id, /^bulkedit_[0-9A-Za-z]{43}$/);
    assert.equal(created.status, 'created');
    assert.equal(created.n_leads, null);
    assert.equal(created.n_objects, null);
    assert.equal(created.n_leads_processed, 0);
    assert.equal(created.send_done_email, false);
    assert.equal(created.type, 'set_lead_status');
    assert.equal(created.lead_status_id, qualified!.id);
    assert.deepEqual(created.s_query, TARGET_QUERY);
    assert.deepEqual(created.sort, []);
    assert.equal(created.results_limit, null);
    assert.equal(created.created_by, t.orgA.user_id);

    assert.equal(done.status, 'done');
    assert.equal(done.n_leads, 30);
    assert.equal(done.n_leads_processed, 30);
    assert.equal(done.n_objects, 30);
    assert.equal(done.n_objects_processed, 30);

    const mine = await leadsOf(t.orgA.organization_id, [...target, ...other]);
    for (const id of target) assert.equal(mine.get(id)!.status_id, qualified!.id);
    for (const id of other) assert.equal(mine.get(id)!.status_id, potential!.id);
    const bRows = await leadsOf(t.orgB.organization_id, theirs);
    const [bPotential] = await statuses(t.db, t.orgB.organization_id);
    for (const id of theirs) assert.equal(bRows.get(id)!.status_id, bPotential!.id);

    const events = await eventsOf(t.db, t.orgA.organization_id, created.id, 'lead', 'updated');
    assert.equal(events.size, 30);
    for (const id of target) assert.equal(events.get(id), 1, id);
    const rows = await t.db.selectFrom('events').selectAll().where('object_id', '=', target[3]!).where('action', '=', 'updated').executeTakeFirstOrThrow();
    assert.match(rows.id, /^ev_[0-9A-Za-z]{43}$/);
    assert.equal(rows.organization_id, t.orgA.organization_id);
    assert.equal(rows.lead_id, target[3]);
    assert.equal(rows.user_id, t.orgA.user_id);
    assert.deepEqual(rows.changed_fields, ['status_id']);
    assert.deepEqual(rows.data, { id: target[3], display_name: 'Target lead 0003', status_id: qualified!.id });
    assert.deepEqual(rows.previous_data, { status_id: potential!.id });
    assert.deepEqual(rows.meta, { bulk_action_id: created.id });
    const ids = await t.db.selectFrom('events').select('id').where(sql<boolean>`meta->>'bulk_action_id' = ${created.id}`).execute();
    assert.equal(new Set(ids.map((r) => r.id)).size, ids.length);

    const actionEvents = await t.db
      .selectFrom('events')
      .select(['action'])
      .where('organization_id', '=', t.orgA.organization_id)
      .where('object_type', '=', 'bulk_action.edit')
      .where('object_id', '=', created.id)
      .execute();
    const actions = actionEvents.map((e) => e.action);
    assert.ok(actions.includes('created') && actions.includes('completed') && actions.includes('updated'), actions.join());

    // A second run over the same leads changes nothing: each lead is skipped as unchanged.
    const again = await run({ type: 'set_lead_status', lead_status_id: qualified!.id });
    assert.equal(again.done.n_leads, 30 + 0);
    assert.equal(again.done.n_objects_processed, 0);
    const skipped = await t.call('GET', `/api/v1/bulk_action/edit/${again.created.id}/items/?status=skipped&_limit=100`);
    assert.equal(skipped.body.data.length, 30);
    assert.equal(skipped.body.data[0].reason, 'unchanged');
    await t.db.deleteFrom('leads').where('id', 'in', [...target, ...other]).execute();
  });

  test('set_custom_field (by name) writes only its key; other keys written meanwhile survive', async () => {
    const text = await insertCustomField(t.db, t.orgA.organization_id, { name: 'Segment', type: 'text' });
    const keep = await insertCustomField(t.db, t.orgA.organization_id, { name: 'Keep', type: 'text' });
    const target = await insertLeads(t.db, t.orgA.organization_id, 12, { custom: { [keep]: 'kept', [text]: 'old' } });
    const other = await insertLeads(t.db, t.orgA.organization_id, 3, { prefix: 'Other', custom: { [text]: 'old' } });
    const { done } = await run({ type: 'set_custom_field', custom_field_name: 'Segment', custom_field_value: 'Enterprise' });
    assert.equal(done.status, 'done');
    assert.equal(done.custom_field_name, 'Segment');
    assert.equal(done.custom_field_value, 'Enterprise');
    const rows = await leadsOf(t.orgA.organization_id, [...target, ...other]);
    for (const id of target) assert.deepEqual(rows.get(id)!.custom, { [keep]: 'kept', [text]: 'Enterprise' });
    for (const id of other) assert.deepEqual(rows.get(id)!.custom, { [text]: 'old' });

    // Number fields store JSON numbers; a numeric string is normalised.
    const num = await insertCustomField(t.db, t.orgA.organization_id, { name: 'Score', type: 'number' });
    await run({ type: 'set_custom_field', custom_field_id: num, custom_field_value: '42.5' });
    const after = await leadsOf(t.orgA.organization_id, target);
    for (const id of target) assert.equal(after.get(id)!.custom[num], 42.5);

    const { done: cleared } = await run({ type: 'clear_custom_field', custom_field_id: text });
    assert.equal(cleared.n_objects_processed, 12);
    const final = await leadsOf(t.orgA.organization_id, [...target, ...other]);
    for (const id of target) assert.deepEqual(final.get(id)!.custom, { [keep]: 'kept', [num]: 42.5 });
    for (const id of other) assert.deepEqual(final.get(id)!.custom, { [text]: 'old' });
    await t.db.deleteFrom('leads').where('id', 'in', [...target, ...other]).execute();
  });

  test('a concurrent PUT /lead/ of another field during a bulk edit is never lost', async () => {
    const bulkField = await insertCustomField(t.db, t.orgA.organization_id, { name: 'Bulk', type: 'text' });
    const userField = await insertCustomField(t.db, t.orgA.organization_id, { name: 'User', type: 'text' });
    const target = await insertLeads(t.db, t.orgA.organization_id, 70);
    const res = await t.call('POST', '/api/v1/bulk_action/edit/', {
      body: { s_query: TARGET_QUERY, send_done_email: false, type: 'set_custom_field', custom_field_id: bulkField, custom_field_value: 'bulk' },
    });
    // Interleave API writes of another custom field and of the name with the batches.
    await Promise.all(
      target.map((id, i) =>
        t.call('PUT', `/api/v1/lead/${id}/`, { body: { [`custom.${userField}`]: `user ${i}`, description: `d${i}` } }).then((r) => assert.equal(r.status, 200, JSON.stringify(r.body))),
      ),
    );
    await waitForStatus(t.db, res.body.id, ['done']);
    const rows = await leadsOf(t.orgA.organization_id, target);
    target.forEach((id, i) => {
      assert.equal(rows.get(id)!.custom[bulkField], 'bulk');
      assert.equal(rows.get(id)!.custom[userField], `user ${i}`);
      assert.equal(rows.get(id)!.description, `d${i}`);
    });
    await t.db.deleteFrom('leads').where('id', 'in', target).execute();
  });

  test('multi-value fields: replace, add and remove operate on the list in SQL', async () => {
    const tags = await insertCustomField(t.db, t.orgA.organization_id, { name: 'Tags', type: 'choices', choices: ['a', 'b', 'c', 'd'], multiple: true });
    const target = await insertLeads(t.db, t.orgA.organization_id, 9, { custom: { [tags]: ['a', 'b'] } });
    const other = await insertLeads(t.db, t.orgA.organization_id, 2, { prefix: 'Other', custom: { [tags]: ['a'] } });
    const value = async () => (await leadsOf(t.orgA.organization_id, target)).get(target[4]!)!.custom[tags];

    await run({ type: 'set_custom_field', custom_field_id: tags, custom_field_values: ['c', 'b'], custom_field_operation: 'add' });
    assert.deepEqual(await value(), ['a', 'b', 'c']);
    await run({ type: 'set_custom_field', custom_field_id: tags, custom_field_values: ['a', 'd'], custom_field_operation: 'remove' });
    assert.deepEqual(await value(), ['b', 'c']);
    await run({ type: 'set_custom_field', custom_field_id: tags, custom_field_values: ['d'], custom_field_operation: 'replace' });
    assert.deepEqual(await value(), ['d']);
    const { done } = await run({ type: 'set_custom_field', custom_field_id: tags, custom_field_values: ['d'], custom_field_operation: 'remove' });
    assert.equal(done.n_objects_processed, 9);
    assert.equal(await value(), undefined, 'an emptied list removes the key');
    const others = await leadsOf(t.orgA.organization_id, other);
    for (const id of other) assert.deepEqual(others.get(id)!.custom, { [tags]: ['a'] });
    await t.db.deleteFrom('leads').where('id', 'in', [...target, ...other]).execute();
  });

  test('contact custom fields change on every contact of each matched lead, and only there', async () => {
    const role = await insertCustomField(t.db, t.orgA.organization_id, { name: 'Role', type: 'text', objectType: 'contact' });
    const target = await insertLeads(t.db, t.orgA.organization_id, 8, { contactsPerLead: 3, contactCustom: { [role]: 'old' } });
    const other = await insertLeads(t.db, t.orgA.organization_id, 2, { prefix: 'Other', contactsPerLead: 2, contactCustom: { [role]: 'old' } });
    const noContacts = await insertLeads(t.db, t.orgA.organization_id, 1, { prefix: 'Target nocontact' });
    const { created, done } = await run({ type: 'set_contact_custom_field', custom_field_name: 'Role', custom_field_value: 'Buyer' });
    assert.equal(done.n_leads, 9);
    assert.equal(done.n_leads_processed, 9);
    assert.equal(done.n_objects, 24, 'n_objects counts the contacts of the matched leads');
    assert.equal(done.n_objects_processed, 24);
    const contacts = await t.db.selectFrom('contacts').select(['lead_id', 'custom']).where('organization_id', '=', t.orgA.organization_id).execute();
    for (const c of contacts) {
      if (target.includes(c.lead_id)) assert.deepEqual(c.custom, { [role]: 'Buyer' });
      if (other.includes(c.lead_id)) assert.deepEqual(c.custom, { [role]: 'old' });
    }
    const events = await eventsOf(t.db, t.orgA.organization_id, created.id, 'contact', 'updated');
    assert.equal(events.size, 24);
    const skipped = await t.call('GET', `/api/v1/bulk_action/edit/${created.id}/items/?status=skipped`);
    assert.deepEqual(skipped.body.data.map((i: any) => [i.lead_id, i.reason]), [[noContacts[0], 'no_contacts']]);

    await run({ type: 'clear_contact_custom_field', custom_field_id: role });
    const cleared = await t.db.selectFrom('contacts').select(['lead_id', 'custom']).where('organization_id', '=', t.orgA.organization_id).execute();
    for (const c of cleared) {
      if (target.includes(c.lead_id)) assert.deepEqual(c.custom, {});
      if (other.includes(c.lead_id)) assert.deepEqual(c.custom, { [role]: 'old' });
    }
    await t.db.deleteFrom('leads').where('id', 'in', [...target, ...other, ...noContacts]).execute();
  });

  test('bad values, unknown fields and statuses are a 400 naming the field, and nothing is created', async () => {
    const num = await insertCustomField(t.db, t.orgA.organization_id, { name: 'Amount', type: 'number' });
    const single = await insertCustomField(t.db, t.orgA.organization_id, { name: 'Single', type: 'choices', choices: ['x'] });
    const count = async () => (await t.db.selectFrom('bulk_actions').select('id').execute()).length;
    const before = await count();
    const cases: [Record<string, unknown>, string][] = [
      [{ type: 'set_custom_field', custom_field_id: num, custom_field_value: 'lots' }, 'custom_field_value'],
      [{ type: 'set_custom_field', custom_field_id: single, custom_field_value: 'y' }, 'custom_field_value'],
      [{ type: 'set_custom_field', custom_field_id: single, custom_field_values: ['x'] }, 'custom_field_values'],
      [{ type: 'set_custom_field', custom_field_id: single, custom_field_value: 'x', custom_field_operation: 'add' }, 'custom_field_operation'],
      [{ type: 'set_custom_field', custom_field_id: num }, 'custom_field_value'],
      [{ type: 'set_custom_field', custom_field_name: 'Nope', custom_field_value: 1 }, 'custom_field_name'],
      [{ type: 'clear_custom_field' }, 'custom_field_id'],
      [{ type: 'set_lead_status', lead_status_id: 'stat_nope' }, 'lead_status_id'],
      [{ type: 'set_lead_status' }, 'lead_status_id'],
      [{ type: 'explode' }, 'type'],
      [{}, 'type'],
    ];
    for (const [body, field] of cases) {
      const res = await t.call('POST', '/api/v1/bulk_action/edit/', { body: { s_query: TARGET_QUERY, ...body } });
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.deepEqual(Object.keys(res.body['field-errors']), [field], JSON.stringify(res.body));
    }
    // Another organization's status is unknown here.
    const [bStatus] = await statuses(t.db, t.orgB.organization_id);
    const foreign = await t.call('POST', '/api/v1/bulk_action/edit/', { body: { s_query: TARGET_QUERY, type: 'set_lead_status', lead_status_id: bStatus!.id } });
    assert.equal(foreign.status, 400);
    assert.equal(await count(), before);
  });
});
