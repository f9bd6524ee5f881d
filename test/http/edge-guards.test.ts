import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import Fastify from 'fastify';
import { installErrorHandling } from '../../src/http/error-handler.ts';
import { ManualClock } from '../../src/time.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';

/** Every tenant-visible row of the leads and statuses tables, to prove a refusal changed nothing. */
async function snapshot(t: TestApp): Promise<string> {
  const leads = await t.db.selectFrom('leads').selectAll().orderBy('id').execute();
  const statuses = await t.db.selectFrom('lead_statuses').selectAll().orderBy('id').execute();
  return JSON.stringify([leads, statuses]);
}

describe('everything under /api/v1 authenticates before routing', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });

  test('an unknown path is a 401 without a good key and a 404 with one', async () => {
    for (const url of ['/api/v1/no_such_thing/', '/api/v1/no_such_thing', '/api/v1/', '/api/v1', '/api/v1/lead/x/y/z/']) {
      const anonymous = await t.call('GET', url, { key: null });
      assert.equal(anonymous.status, 401, url);
      assert.deepEqual(anonymous.body, { error: 'Unauthorized' });
      const wrong = await t.call('POST', url, { key: 'api_not_a_real_key', body: {} });
      assert.equal(wrong.status, 401, url);
      const known = await t.call('GET', url);
      assert.equal(known.status, 404, url);
    }
  });

  test('a path the router refuses before any hook (a parameter over 1,000 characters, bad percent-encoding) also authenticates first', async () => {
    for (const url of [`/api/v1/lead/${'x'.repeat(1001)}/`, '/api/v1/lead/%E0%A4%A/']) {
      const anonymous = await t.call('GET', url, { key: null });
      assert.equal(anonymous.status, 401, `${url}: ${anonymous.text.slice(0, 200)}`);
      assert.deepEqual(anonymous.body, { error: 'Unauthorized' });
      const known = await t.call('GET', url);
      assert.equal(known.status, 404, url);
      assert.deepEqual(known.body, { error: 'The requested object was not found.' });
      assert.match(String(known.headers['x-request-id']), /^req_/);
    }
  });

  test('no spelling of /api/v1/ reaches a route without a key', async () => {
    for (const url of ['//api/v1/lead/', '/%61pi/v1/lead/', '/api//v1/lead/', '/api/v1//lead/', 'http://example.com/api/v1/lead/', '/api/v1/lead/?x=/../', '//api//v1//no_such_thing']) {
      const anonymous = await t.call('GET', url, { key: null });
      assert.equal(anonymous.status, 401, `${url}: ${anonymous.text.slice(0, 200)}`);
      const known = await t.call('GET', url);
      assert.ok([200, 404].includes(known.status), `${url}: ${known.status} ${known.text.slice(0, 200)}`);
    }
  });

  test('public pages outside the API still answer without a key', async () => {
    assert.equal((await t.call('GET', '/api/v1/openapi.json', { key: null })).status, 200);
    assert.equal((await t.call('GET', '/healthz', { key: null })).status, 200);
    assert.equal((await t.call('GET', '/no_such_page', { key: null })).status, 404);
  });
});

describe('rate limits count every authenticated request and slow down failed authentications', () => {
  test('requests to unknown paths spend the key’s budget', async () => {
    const clock = new ManualClock();
    const t = await createTestApp({ env: { RATE_LIMIT_PER_KEY: '3' }, clock });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await t.call('GET', '/api/v1/no_such_thing/')).status);
    assert.deepEqual(statuses, [404, 404, 404, 429]);
    assert.equal((await t.call('GET', '/api/v1/me/')).status, 429, 'the same budget as real routes');
  });

  test('an address over AUTH_FAILURES_PER_MINUTE gets a 429 with Retry-After, refilled with time', async () => {
    const clock = new ManualClock();
    const t = await createTestApp({ env: { AUTH_FAILURES_PER_MINUTE: '3' }, clock });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await t.call('GET', '/api/v1/me/', { key: `api_guess_${i}` })).status);
    assert.deepEqual(statuses, [401, 401, 401, 429, 429]);
    const refused = await t.call('GET', '/api/v1/me/', { key: 'api_guess_again' });
    assert.equal(refused.status, 429);
    assert.ok(Number(refused.headers['retry-after']) >= 1, JSON.stringify(refused.headers));
    assert.match(refused.body.error.message, /AUTH_FAILURES_PER_MINUTE/);
    // Successful authentications do not spend the allowance, and it refills (3 per minute).
    clock.advance(20_000);
    assert.equal((await t.call('GET', '/api/v1/me/')).status, 200);
    assert.equal((await t.call('GET', '/api/v1/me/')).status, 200);
    assert.equal((await t.call('GET', '/api/v1/me/', { key: 'api_guess_5' })).status, 401);
    assert.equal((await t.call('GET', '/api/v1/me/', { key: 'api_guess_6' })).status, 429);
  });
});

test('behind a trusted proxy, failed authentications count per forwarded client address', async () => {
  const t = await createTestApp({ env: { AUTH_FAILURES_PER_MINUTE: '2', TRUST_PROXY: '127.0.0.1' }, clock: new ManualClock() });
  const from = (address: string) => ({ key: 'api_wrong', headers: { 'x-forwarded-for': address } });
  assert.deepEqual(
    [await t.call('GET', '/api/v1/me/', from('203.0.113.1')), await t.call('GET', '/api/v1/me/', from('203.0.113.1')), await t.call('GET', '/api/v1/me/', from('203.0.113.1'))].map((r) => r.status),
    [401, 401, 429],
  );
  assert.equal((await t.call('GET', '/api/v1/me/', from('203.0.113.2'))).status, 401, 'another client behind the proxy has its own allowance');
  // IPv6 clients are counted by /64: the next address of the same network has no fresh allowance.
  assert.deepEqual(
    [await t.call('GET', '/api/v1/me/', from('2001:db8:1:2::1')), await t.call('GET', '/api/v1/me/', from('2001:db8:1:2::2')), await t.call('GET', '/api/v1/me/', from('2001:db8:1:2:ffff::3'))].map((r) => r.status),
    [401, 401, 429],
  );
  assert.equal((await t.call('GET', '/api/v1/me/', from('2001:db8:1:3::1'))).status, 401, 'another /64 has its own allowance');
});

describe('every byte is a 400 or is stored', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });

  test('NUL in a body string, a body key, a query string or a path parameter is a 400 naming it', async () => {
    const before = await snapshot(t);
    const cases: Array<[string, string, unknown, string]> = [
      ['POST', '/api/v1/lead/', { name: 'a\u0000b' }, 'name'],
      ['POST', '/api/v1/lead/', { name: 'ok', contacts: [{ name: 'x', emails: [{ email: 'a\u0000@b.c' }] }] }, 'contacts[0].emails[0].email'],
      ['POST', '/api/v1/status/lead/', { label: '\u0000' }, 'label'],
      ['POST', '/api/v1/lead/', { name: 'ok', 'custom.na\u0000me': 'x' }, '__all__'],
      ['GET', '/api/v1/lead/?_fields=id%00', undefined, '_fields'],
      ['GET', '/api/v1/lead/lead_%00/', undefined, 'id'],
    ];
    for (const [method, url, body, path] of cases) {
      const res = await t.call(method, url, { body });
      assert.equal(res.status, 400, `${method} ${url}: ${res.text}`);
      assert.match(res.body['field-errors'][path] ?? '', /NUL/, `${url}: ${res.text}`);
    }
    assert.equal(await snapshot(t), before);
  });

  test('a lone surrogate anywhere is a 400 naming the field', async () => {
    const before = await snapshot(t);
    const res = await t.call('POST', '/api/v1/lead/', { rawBody: '{"name": "x\\ud800y"}' });
    assert.equal(res.status, 400, res.text);
    assert.match(res.body['field-errors'].name, /surrogate/);
    const tail = await t.call('POST', '/api/v1/lead/', { rawBody: '{"name": "ok", "description": "\\udfff"}' });
    assert.equal(tail.status, 400, tail.text);
    assert.ok(tail.body['field-errors'].description);
    const query = await t.call('GET', '/api/v1/lead/?_fields=%ED%A0%80');
    assert.ok(query.status === 400 || query.status === 200, query.text);
    // A well-formed pair is fine.
    const ok = await t.call('POST', '/api/v1/lead/', { body: { name: 'smile 🙂' } });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.body.name, 'smile 🙂');
    await t.call('DELETE', `/api/v1/lead/${ok.body.id}/`);
    assert.equal(await snapshot(t), before);
  });

  test('JSON nested 10,000 deep is a 400 naming the depth limit, answered at once', async () => {
    const deep = '{"name": "x", "contacts": ' + '['.repeat(10_000) + ']'.repeat(10_000) + '}';
    const started = performance.now();
    const res = await t.call('POST', '/api/v1/lead/', { rawBody: deep });
    assert.ok(performance.now() - started < 1000);
    assert.equal(res.status, 400, res.text);
    const [path, message] = Object.entries(res.body['field-errors'] as Record<string, string>)[0]!;
    assert.match(path, /^contacts(\[0\])+$/);
    assert.match(message, /at most 128 levels/);
  });

  test('values PostgreSQL refuses are a 400, not a 500 (mapped in the one error handler)', async () => {
    // The input checks stop these earlier; the mapping is the net for a check that was missed.
    const app = Fastify();
    installErrorHandling(app);
    const statements: Record<string, string> = {
      badInt: "SELECT 'x'::int",
      outOfRange: 'SELECT 2147483648::int4',
      nul: "SELECT convert_from('\\x00'::bytea, 'UTF8')",
      tooDeep: "SELECT (repeat('[', 100000) || repeat(']', 100000))::jsonb",
      tooBig: 'SELECT array_fill(1, ARRAY[1000000000])',
    };
    for (const [name, statement] of Object.entries(statements)) app.get(`/${name}`, async () => (await t.pool.query(statement)).rows);
    app.get('/timeout', async () => {
      const client = await t.pool.connect();
      try {
        await client.query('SET statement_timeout = 50');
        return (await client.query('SELECT pg_sleep(2)')).rows;
      } finally {
        await client.query('RESET statement_timeout');
        client.release();
      }
    });
    app.get('/other', async () => (await t.pool.query('SELECT * FROM no_such_table')).rows);
    for (const name of Object.keys(statements)) {
      const res = await app.inject({ method: 'GET', url: `/${name}` });
      assert.equal(res.statusCode, 400, `${name}: ${res.body}`);
      assert.equal(JSON.parse(res.body).errors.length, 1);
    }
    const timeout = await app.inject({ method: 'GET', url: '/timeout' });
    assert.equal(timeout.statusCode, 400, timeout.body);
    assert.match(JSON.parse(timeout.body).errors[0], /DB_STATEMENT_TIMEOUT_MS/);
    // A programming error stays a 500 without internals.
    const other = await app.inject({ method: 'GET', url: '/other' });
    assert.equal(other.statusCode, 500);
    assert.doesNotMatch(other.body, /no_such_table/);
    await app.close();
  });
});
