import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { createTestApp, type TestApp } from '../helpers/app.ts';

describe("Close's wire conventions", () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ env: { BODY_LIMIT_BYTES: '2048' } });
  });

  test('a missing or wrong API key is a 401 with Close’s body', async () => {
    for (const key of [null, 'api_not_a_real_key']) {
      const res = await t.call('GET', '/api/v1/me/', { key });
      assert.equal(res.status, 401);
      assert.deepEqual(res.body, { error: 'Unauthorized' });
    }
  });

  test('a key sent as Basic username with an empty password authenticates', async () => {
    const res = await t.call('GET', '/api/v1/me/');
    assert.equal(res.status, 200);
    assert.equal(res.body.id, t.orgA.user_id);
    assert.equal(res.body.organizations[0].id, t.orgA.organization_id);
  });

  test('paths answer with and without the trailing slash, never with a redirect', async () => {
    for (const url of ['/api/v1/me/', '/api/v1/me', '/api/v1/user/', '/api/v1/user']) {
      const res = await t.call('GET', url);
      assert.equal(res.status, 200, url);
      assert.equal(res.headers.location, undefined);
    }
  });

  test('every response carries a request id, and a client-sent one is kept', async () => {
    const res = await t.call('GET', '/api/v1/me/');
    assert.match(String(res.headers['x-request-id']), /^req_/);
    const mine = await t.call('GET', '/api/v1/me/', { headers: { 'x-request-id': 'req_mine' } });
    assert.equal(mine.headers['x-request-id'], 'req_mine');
  });

  test('Content-Type: application/json on a GET with no body is fine', async () => {
    const res = await t.call('GET', '/api/v1/me/', { headers: { 'content-type': 'application/json' } });
    assert.equal(res.status, 200);
  });

  test('invalid JSON is a 400 with Close’s message and changes nothing', async () => {
    const res = await t.call('PUT', `/api/v1/organization/${t.orgA.organization_id}/`, { rawBody: '{"name": "x",' });
    assert.equal(res.status, 400);
    assert.deepEqual(res.body, { error: 'The request contains invalid JSON.' });
    const org = await t.call('GET', `/api/v1/organization/${t.orgA.organization_id}/`);
    assert.equal(org.body.name, 'Org A');
  });

  test('a wrong type is a 400 naming the field', async () => {
    const res = await t.call('PUT', `/api/v1/organization/${t.orgA.organization_id}/`, { body: { name: 123 } });
    assert.equal(res.status, 400);
    assert.deepEqual(res.body.errors, []);
    assert.ok(res.body['field-errors'].name, JSON.stringify(res.body));
  });

  test('unknown and read-only keys in a body are ignored', async () => {
    const res = await t.call('PUT', `/api/v1/organization/${t.orgA.organization_id}/`, {
      body: { name: 'Org A renamed', id: 'orga_forged', date_created: '2000-01-01', nonsense: true },
    });
    assert.equal(res.status, 200);
    assert.equal(res.body.id, t.orgA.organization_id);
    assert.equal(res.body.name, 'Org A renamed');
    assert.equal(res.body.nonsense, undefined);
    await t.call('PUT', `/api/v1/organization/${t.orgA.organization_id}/`, { body: { name: 'Org A' } });
  });

  test('_fields restricts the keys of an object and of list items', async () => {
    const me = await t.call('GET', '/api/v1/me/?_fields=id,email');
    assert.deepEqual(Object.keys(me.body).sort(), ['email', 'id']);
    const users = await t.call('GET', '/api/v1/user/?_fields=id');
    assert.deepEqual(users.body.data, [{ id: t.orgA.user_id }]);
    assert.equal(users.body.has_more, false);
  });

  test('_limit=0 is allowed and _limit above 200 is a 400 on _limit', async () => {
    const zero = await t.call('GET', '/api/v1/user/?_limit=0');
    assert.equal(zero.status, 200);
    assert.deepEqual(zero.body, { data: [], has_more: true });
    const big = await t.call('GET', '/api/v1/user/?_limit=1000');
    assert.equal(big.status, 400);
    assert.deepEqual(big.body, { errors: [], 'field-errors': { _limit: 'Input should be less than or equal to 200' } });
    const bad = await t.call('GET', '/api/v1/user/?_skip=-1');
    assert.equal(bad.status, 400);
    assert.ok(bad.body['field-errors']._skip);
  });

  test('unknown URLs and other organizations’ objects are a 404 with an error body', async () => {
    const nowhere = await t.call('GET', '/api/v1/no_such_thing/');
    assert.equal(nowhere.status, 404);
    assert.equal(typeof nowhere.body.error, 'string');
    const theirs = await t.call('GET', `/api/v1/organization/${t.orgB.organization_id}/`);
    assert.equal(theirs.status, 404);
    const theirUser = await t.call('GET', `/api/v1/user/${t.orgB.user_id}/`);
    assert.equal(theirUser.status, 404);
    const change = await t.call('PUT', `/api/v1/organization/${t.orgB.organization_id}/`, { body: { name: 'pwned' } });
    assert.equal(change.status, 404);
    const b = await t.call('GET', `/api/v1/organization/${t.orgB.organization_id}/`, { key: t.orgB.api_key });
    assert.equal(b.body.name, 'Org B');
  });

  test('a body over the configured limit is a 413', async () => {
    const res = await t.call('PUT', `/api/v1/organization/${t.orgA.organization_id}/`, {
      body: { name: 'x'.repeat(5000) },
    });
    assert.equal(res.status, 413);
    assert.equal(typeof res.body.error, 'string');
  });

  test('X-TZ-Offset is accepted', async () => {
    const res = await t.call('GET', '/api/v1/me/', { headers: { 'x-tz-offset': '-4.5' } });
    assert.equal(res.status, 200);
  });

  test('timestamps are ISO 8601 with an explicit offset', async () => {
    const res = await t.call('GET', `/api/v1/user/${t.orgA.user_id}/`);
    assert.match(res.body.date_created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/);
  });

  test('the OpenAPI document and the docs page are served without a key', async () => {
    const spec = await t.call('GET', '/api/v1/openapi.json', { key: null });
    assert.equal(spec.status, 200);
    assert.equal(spec.body.openapi, '3.0.3');
    assert.ok(spec.body.paths['/api/v1/me/']);
    const docs = await t.app.inject({ method: 'GET', url: '/docs/' });
    assert.equal(docs.statusCode, 200);
    assert.match(docs.body, /<html/i);
  });

  test('/healthz answers 200 without a key', async () => {
    const res = await t.call('GET', '/healthz', { key: null });
    assert.equal(res.status, 200);
  });
});
