/**
 * Event ids made in SQL (src/events/event-id-sql.ts): the ids of one set-wise statement have the
 * format of every event id, are distinct, and increase in the order the rows were inserted (what
 * keeps the events indexes' inserts at their right edge); two statements never share an id.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { deleteLeads } from '../../src/leads/delete-leads.ts';
import { createTestApp } from '../helpers/app.ts';

test('a lead delete statement writes distinct, well-formed event ids that increase in insertion order', async () => {
  const t = await createTestApp();
  const org = t.orgA.organization_id;
  const leadIds: string[] = [];
  for (let i = 0; i < 6; i++) {
    const res = await t.call('POST', '/api/v1/lead/', { body: { name: `Acme ${i}`, contacts: [{ name: `A ${i}` }, { name: `B ${i}` }] } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    leadIds.push(res.body.id);
  }
  const statement = async (ids: string[]) => {
    await t.db.transaction().execute((trx) => deleteLeads(trx, org, ids, { userId: null, bulkActionId: 'bulkdelete_test' }));
    // Physical order is insertion order in a table no other statement writes to meanwhile.
    const { rows } = await sql<{ id: string }>`
      SELECT id FROM events WHERE organization_id = ${org} AND action = 'deleted' AND object_id IN (
        SELECT unnest(${ids}::text[]) UNION ALL SELECT c.object_id FROM events c WHERE c.lead_id = ANY(${ids}::text[]) AND c.object_type = 'contact')
      ORDER BY ctid`.execute(t.db);
    return rows.map((r) => r.id);
  };
  const first = await statement(leadIds.slice(0, 3));
  const second = await statement(leadIds.slice(3));
  assert.equal(first.length, 9, 'three lead events and six contact events');
  assert.equal(second.length, 9);
  for (const id of [...first, ...second]) assert.match(id, /^ev_[0-9A-Za-z]{43}$/);
  for (const ids of [first, second]) {
    for (let i = 1; i < ids.length; i++) assert.ok(ids[i - 1]! < ids[i]!, `${ids[i - 1]} before ${ids[i]}`);
  }
  assert.equal(new Set([...first, ...second]).size, 18, 'no id shared between the statements');
  assert.notEqual(first[0]!.slice(14, 38), second[0]!.slice(14, 38), 'each statement draws its own random part');
});
