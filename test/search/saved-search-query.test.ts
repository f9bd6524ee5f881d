/**
 * A Smart View's `query` (Close's legacy search string beside `s_query`): stored as sent and
 * returned as stored, null for a Smart View made without one, never run. Close's clone script
 * reads `smart_view['s_query']` and `smart_view['query']` off every Smart View it creates and posts
 * Close's objects back (with `query: null`, `sharing_settings`, `used_recently`).
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { QUERY_PARAM_MAX } from '../../src/http/input-limits.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { insertLead, statusIds } from './fixtures.ts';

const allLeads = { query: { type: 'object_type', object_type: 'lead' } };

describe('/saved_search/ query (legacy string)', () => {
  let t: TestApp;

  before(async () => {
    t = await createTestApp();
    const statuses = await statusIds(t.db, t.orgA.organization_id);
    await insertLead(t.db, t.orgA.organization_id, { name: 'Acme', status_id: statuses[0] });
  });

  test('a Smart View made with s_query alone shows query null, with Close’s other keys', async () => {
    const res = await t.call('POST', '/api/v1/saved_search/', { body: { name: 'All', s_query: allLeads } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.query, null);
    assert.deepEqual(res.body.s_query, allLeads);
    assert.equal(res.body.sharing_settings, null);
    assert.equal(res.body.used_recently, false);
    const got = await t.call('GET', `/api/v1/saved_search/${res.body.id}/`);
    assert.deepEqual(got.body, res.body);
  });

  test('a query sent is stored as sent and returned by create, get, list and update; null clears it', async () => {
    const legacy = 'lead_status:"Potential" sort:created';
    const res = await t.call('POST', '/api/v1/saved_search/', { body: { name: 'Legacy', s_query: allLeads, query: legacy } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.query, legacy);
    assert.equal((await t.call('GET', `/api/v1/saved_search/${res.body.id}/`)).body.query, legacy);
    const listed = (await t.call('GET', '/api/v1/saved_search/')).body.data.find((s: any) => s.id === res.body.id);
    assert.equal(listed.query, legacy);
    const renamed = await t.call('PUT', `/api/v1/saved_search/${res.body.id}/`, { body: { name: 'Renamed' } });
    assert.equal(renamed.body.query, legacy, 'a PUT without query keeps it');
    const changed = await t.call('PUT', `/api/v1/saved_search/${res.body.id}/`, { body: { query: 'tag:x' } });
    assert.equal(changed.body.query, 'tag:x');
    const cleared = await t.call('PUT', `/api/v1/saved_search/${res.body.id}/`, { body: { query: null } });
    assert.equal(cleared.body.query, null);
  });

  test('posting back a Smart View object as Close returns it (query null, read-only keys) creates a copy', async () => {
    const original = (await t.call('POST', '/api/v1/saved_search/', { body: { name: 'Source', s_query: allLeads } })).body;
    const { id: _id, organization_id: _org, user_id: _user, ...copy } = original;
    const res = await t.call('POST', '/api/v1/saved_search/', { body: { ...copy, name: 'Copy' } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.query, null);
    assert.deepEqual(res.body.s_query, original.s_query);
  });

  test('s_query stays required (Sluice runs Smart Views by s_query); a bad or oversized query is a 400 that stores nothing', async () => {
    const before = (await t.call('GET', '/api/v1/saved_search/')).body.data.length;
    const onlyLegacy = await t.call('POST', '/api/v1/saved_search/', { body: { name: 'Only legacy', query: 'tag:x' } });
    assert.equal(onlyLegacy.status, 400);
    assert.ok(onlyLegacy.body['field-errors'].s_query);
    const tooLong = await t.call('POST', '/api/v1/saved_search/', { body: { name: 'Long', s_query: allLeads, query: 'x'.repeat(QUERY_PARAM_MAX + 1) } });
    assert.equal(tooLong.status, 400);
    assert.ok(tooLong.body['field-errors'].query);
    const wrongType = await t.call('POST', '/api/v1/saved_search/', { body: { name: 'Typed', s_query: allLeads, query: 7 } });
    assert.equal(wrongType.status, 400);
    assert.equal((await t.call('GET', '/api/v1/saved_search/')).body.data.length, before);
  });

  test('another organization neither sees nor changes a Smart View’s query', async () => {
    const mine = (await t.call('POST', '/api/v1/saved_search/', { body: { name: 'Mine', s_query: allLeads, query: 'secret:1' } })).body;
    const list = await t.call('GET', '/api/v1/saved_search/', { key: t.orgB.api_key });
    assert.ok(list.body.data.every((s: any) => s.query !== 'secret:1'));
    const put = await t.call('PUT', `/api/v1/saved_search/${mine.id}/`, { key: t.orgB.api_key, body: { query: 'theirs' } });
    assert.equal(put.status, 404);
    assert.equal((await t.call('GET', `/api/v1/saved_search/${mine.id}/`)).body.query, 'secret:1');
  });
});
