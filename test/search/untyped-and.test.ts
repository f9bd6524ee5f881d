import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { compileLeadSelection } from '../../src/search/index.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { insertLead } from './fixtures.ts';

// Close's Bulk Actions page shows `{"s_query": {"queries": [...]}}`: a node without `type`.

describe('a query node with `queries` and no `type` is an `and`', () => {
  let t: TestApp;
  const lead: Record<string, string> = {};

  before(async () => {
    t = await createTestApp();
    const org = t.orgA.organization_id;
    for (const [key, name, title] of [['acme', 'Acme Corp', 'CEO'], ['holdings', 'acme holdings', 'CEO'], ['wayne', 'Wayne Enterprises', 'CFO']] as const) {
      lead[key] = (await insertLead(t.db, org, { name, contacts: [{ name: 'x', title }] })).id;
    }
    await insertLead(t.db, t.orgB.organization_id, { name: 'Acme Corp', contacts: [{ name: 'x', title: 'CEO' }] });
  });

  const nameHas = (word: string) => ({ type: 'field_condition', field: { type: 'regular_field', object_type: 'lead', field_name: 'name' }, condition: { type: 'text', value: word } });

  test('in /data/search/', async () => {
    const res = await t.call('POST', '/api/v1/data/search/', { body: { query: { queries: [nameHas('acme'), nameHas('corp')] } } });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body.data.map((o: { id: string }) => o.id), [lead.acme]);
    // Its object_type clause still decides the result type.
    const contacts = await t.call('POST', '/api/v1/data/search/', {
      body: { query: { queries: [{ type: 'object_type', object_type: 'contact' }, { type: 'text', value: 'ceo' }] } },
    });
    assert.deepEqual(contacts.body.data.map((o: { __object_type: string }) => o.__object_type), ['contact', 'contact']);
    const nested = await t.call('POST', '/api/v1/data/search/', { body: { query: { type: 'or', queries: [{ queries: [nameHas('wayne')], negate: true }] }, include_counts: true } });
    assert.equal(nested.body.count.total, 2);
    const notAList = await t.call('POST', '/api/v1/data/search/', { body: { query: { queries: 'x' } } });
    assert.deepEqual(notAList.body['field-errors'], { 'query.queries': 'Expected a list of queries, got string "x".' });
  });

  test('in Smart Views, stored with type "and"', async () => {
    const res = await t.call('POST', '/api/v1/saved_search/', {
      body: { name: 'Acme', s_query: { query: { queries: [{ type: 'object_type', object_type: 'lead' }, nameHas('acme')] } } },
    });
    assert.equal(res.status, 200, res.text);
    const row = await t.db.selectFrom('saved_searches').select('s_query').where('id', '=', res.body.id).executeTakeFirstOrThrow();
    assert.equal((row.s_query as { query: { type: string } }).query.type, 'and');
    const used = await t.call('POST', '/api/v1/data/search/', { body: { query: { type: 'saved_search', saved_search_id: res.body.id } } });
    assert.deepEqual(used.body.data.map((o: { id: string }) => o.id).sort(), [lead.acme, lead.holdings].sort());
  });

  test('in the s_query of bulk actions, written back with type "and"', async () => {
    const scope = { db: t.db, organizationId: t.orgA.organization_id, userId: t.orgA.user_id, tzOffsetMinutes: 0, now: new Date() };
    const stmt = await compileLeadSelection(scope, { query: { queries: [nameHas('acme')] } });
    assert.deepEqual(stmt.query, { type: 'and', queries: [{ ...nameHas('acme'), condition: { type: 'text', mode: 'full_words', value: 'acme' } }] });
    const { rows } = await t.pool.query<{ id: string }>(stmt.text, stmt.values);
    assert.deepEqual(rows.map((r) => r.id).sort(), [lead.acme, lead.holdings].sort());
  });
});
