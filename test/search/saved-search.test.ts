import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { insertLead, statusIds } from './fixtures.ts';

const statusQuery = (id: string) => ({
  type: 'and',
  queries: [
    { type: 'object_type', object_type: 'lead' },
    { type: 'field_condition', field: { type: 'regular_field', object_type: 'lead', field_name: 'status_id' }, condition: { type: 'reference', reference_type: 'status.lead', object_ids: [id] } },
  ],
});

describe('/saved_search/ (Smart Views) and the saved_search query type', () => {
  let t: TestApp;
  let statuses: string[];
  let qualified: string[];

  before(async () => {
    t = await createTestApp();
    statuses = await statusIds(t.db, t.orgA.organization_id);
    qualified = [];
    for (let i = 0; i < 4; i++) {
      const { id } = await insertLead(t.db, t.orgA.organization_id, { name: `L${i}`, status_id: statuses[i % 2 === 0 ? 2 : 0], date_created: `2026-01-0${i + 1}T00:00:00Z` });
      if (i % 2 === 0) qualified.push(id);
    }
    await insertLead(t.db, t.orgB.organization_id, { name: 'B lead', status_id: statuses[2] });
  });

  test('create, get, list by type, update, delete', async () => {
    const created = await t.call('POST', '/api/v1/saved_search/', {
      body: { name: 'Qualified', type: 'lead', s_query: { query: statusQuery(statuses[2]!), results_limit: 10, sort: [{ direction: 'asc', field: { type: 'regular_field', object_type: 'lead', field_name: 'date_created' } }] } },
    });
    assert.equal(created.status, 200, created.text);
    assert.match(created.body.id, /^save_/);
    assert.equal(created.body.type, 'lead');
    assert.equal(created.body.s_query.results_limit, 10);
    assert.equal(created.body.user_id, t.orgA.user_id);
    const id = created.body.id;
    const got = await t.call('GET', `/api/v1/saved_search/${id}/`);
    assert.deepEqual(got.body, created.body);
    const contactView = await t.call('POST', '/api/v1/saved_search/', { body: { name: 'All contacts', type: 'contact', s_query: { query: { type: 'object_type', object_type: 'contact' } } } });
    assert.equal(contactView.status, 200, contactView.text);
    const leadsOnly = await t.call('GET', '/api/v1/saved_search/?type=lead');
    assert.deepEqual(leadsOnly.body.data.map((s: { id: string }) => s.id), [id]);
    assert.equal((await t.call('GET', '/api/v1/saved_search/')).body.data.length, 2);
    const renamed = await t.call('PUT', `/api/v1/saved_search/${id}/`, { body: { name: 'Qualified leads' } });
    assert.equal(renamed.body.name, 'Qualified leads');
    assert.deepEqual(renamed.body.s_query, created.body.s_query);
    assert.equal((await t.call('DELETE', `/api/v1/saved_search/${contactView.body.id}/`)).status, 200);
    assert.equal((await t.call('GET', `/api/v1/saved_search/${contactView.body.id}/`)).status, 404);
  });

  test('s_query is validated like /data/search/, with s_query paths', async () => {
    const bad = await t.call('POST', '/api/v1/saved_search/', { body: { name: 'x', s_query: { query: { type: 'and', queries: [{ type: 'object_type', object_type: 'lead' }, { type: 'text', mode: 'nope', value: 'a' }] } } } });
    assert.equal(bad.status, 400);
    assert.deepEqual(Object.keys(bad.body['field-errors']), ['s_query.query.queries[1].mode']);
    const noType = await t.call('POST', '/api/v1/saved_search/', { body: { name: 'x', s_query: { query: { type: 'match_all' } } } });
    assert.deepEqual(Object.keys(noType.body['field-errors']), ['s_query.query']);
    const mismatch = await t.call('POST', '/api/v1/saved_search/', { body: { name: 'x', type: 'contact', s_query: { query: { type: 'object_type', object_type: 'lead' } } } });
    assert.equal(mismatch.status, 400);
    const badSort = await t.call('POST', '/api/v1/saved_search/', { body: { name: 'x', s_query: { query: statusQuery(statuses[0]!), sort: [{ field: { type: 'regular_field', object_type: 'lead', field_name: 'nope' } }] } } });
    assert.deepEqual(Object.keys(badSort.body['field-errors']), ['s_query.sort[0].field.field_name']);
  });

  test('a saved_search query runs the Smart View’s query, negated too', async () => {
    const view = await t.call('POST', '/api/v1/saved_search/', { body: { name: 'Q', s_query: { query: statusQuery(statuses[2]!) } } });
    const res = await t.call('POST', '/api/v1/data/search/', { body: { query: { type: 'saved_search', saved_search_id: view.body.id }, include_counts: true } });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body.data.map((d: { id: string }) => d.id).sort(), [...qualified].sort());
    assert.equal(res.body.count.total, 2);
    const not = await t.call('POST', '/api/v1/data/search/', { body: { query: { type: 'saved_search', saved_search_id: view.body.id, negate: true }, include_counts: true } });
    assert.equal(not.body.count.total, 2);
    assert.ok(not.body.data.every((d: { id: string }) => !qualified.includes(d.id)));
  });

  test('Smart Views that would reach themselves are refused', async () => {
    const a = await t.call('POST', '/api/v1/saved_search/', { body: { name: 'A', s_query: { query: statusQuery(statuses[2]!) } } });
    const b = await t.call('POST', '/api/v1/saved_search/', {
      body: { name: 'B', s_query: { query: { type: 'and', queries: [{ type: 'object_type', object_type: 'lead' }, { type: 'saved_search', saved_search_id: a.body.id }] } } },
    });
    assert.equal(b.status, 200, b.text);
    const cycle = await t.call('PUT', `/api/v1/saved_search/${a.body.id}/`, {
      body: { s_query: { query: { type: 'and', queries: [{ type: 'object_type', object_type: 'lead' }, { type: 'saved_search', saved_search_id: b.body.id }] } } },
    });
    assert.equal(cycle.status, 400, cycle.text);
    assert.match(cycle.body['field-errors']['s_query.query.queries[1].saved_search_id'], /refers to itself/);
    const self = await t.call('PUT', `/api/v1/saved_search/${a.body.id}/`, { body: { s_query: { query: { type: 'and', queries: [{ type: 'object_type', object_type: 'lead' }, { type: 'saved_search', saved_search_id: a.body.id }] } } } });
    assert.equal(self.status, 400);
    // A cycle written behind the API's back (two concurrent updates) is still a 400 at query time.
    await t.db.updateTable('saved_searches').set({ s_query: JSON.stringify({ query: { type: 'saved_search', saved_search_id: b.body.id } }) }).where('id', '=', a.body.id).execute();
    const run = await t.call('POST', '/api/v1/data/search/', { body: { query: { type: 'saved_search', saved_search_id: a.body.id } } });
    assert.equal(run.status, 400, run.text);
    assert.match(run.body['field-errors']['query.saved_search_id'], /refers to itself/);
  });

  test('another organization’s Smart View is a 404, and unknown to its queries', async () => {
    const view = await t.call('POST', '/api/v1/saved_search/', { body: { name: 'Mine', s_query: { query: statusQuery(statuses[2]!) } } });
    const keyB = t.orgB.api_key;
    assert.equal((await t.call('GET', `/api/v1/saved_search/${view.body.id}/`, { key: keyB })).status, 404);
    assert.equal((await t.call('PUT', `/api/v1/saved_search/${view.body.id}/`, { key: keyB, body: { name: 'stolen' } })).status, 404);
    assert.equal((await t.call('DELETE', `/api/v1/saved_search/${view.body.id}/`, { key: keyB })).status, 404);
    assert.deepEqual((await t.call('GET', '/api/v1/saved_search/', { key: keyB })).body.data, []);
    const use = await t.call('POST', '/api/v1/data/search/', { key: keyB, body: { query: { type: 'saved_search', saved_search_id: view.body.id } } });
    assert.equal(use.status, 400);
    assert.deepEqual(Object.keys(use.body['field-errors']), ['query.saved_search_id']);
    assert.equal((await t.call('GET', `/api/v1/saved_search/${view.body.id}/`)).body.name, 'Mine');
  });
});
