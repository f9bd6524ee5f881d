import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createApiKey } from '../../src/auth/api-keys.ts';
import { buildServer } from '../../src/http/server.ts';
import { RateLimiter } from '../../src/http/rate-limit.ts';
import { ManualClock } from '../../src/time.ts';
import { createTestApp } from '../helpers/app.ts';

const basic = (key: string) => ({ authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` });

test('over the per-key rate a request is a 429 with RateLimit, Retry-After and rate_reset', async () => {
  const t = await createTestApp({ env: { RATE_LIMIT_PER_KEY: '3' }, clock: new ManualClock() });
  const statuses: number[] = [];
  const first = await t.call('GET', '/api/v1/me/');
  assert.match(String(first.headers.ratelimit), /^limit=3, remaining=2, reset=/);
  (t.clock as ManualClock).advance(1000);
  let last;
  for (let i = 0; i < 4; i++) {
    last = await t.call('GET', '/api/v1/me/');
    statuses.push(last.status);
  }
  assert.deepEqual(statuses, [200, 200, 200, 429]);
  // Whole seconds, rounded up, at least 1: Close's Python client parses reset=(\d+).
  assert.match(String(last!.headers.ratelimit), /^limit=3, remaining=0, reset=1$/);
  assert.equal(last!.headers['retry-after'], '1');
  assert.ok(last!.body.error.rate_reset > 0 && last!.body.error.rate_reset < 1, 'the body keeps the exact fraction');
  // Organization B has its own budget, and A's refills with time.
  (t.clock as ManualClock).advance(1000);
  assert.equal((await t.call('GET', '/api/v1/me/')).status, 200);
  const b = await t.call('GET', '/api/v1/me/', { key: t.orgB.api_key });
  assert.equal(b.status, 200);
});

test('the organization limit is three times the key limit, across its keys', async () => {
  const t = await createTestApp({ env: { RATE_LIMIT_PER_KEY: '2' }, clock: new ManualClock() });
  const keys = [t.orgA.api_key];
  for (let i = 0; i < 3; i++) keys.push((await createApiKey(t.db, t.orgA.organization_id, t.orgA.user_id)).key);
  const statuses: number[] = [];
  for (const key of keys) {
    for (let i = 0; i < 2; i++) statuses.push((await t.call('GET', '/api/v1/me/', { key })).status);
  }
  // Four keys × two requests each: each key is within its own limit of 2, the org's limit of 6 is not.
  assert.deepEqual(statuses, [200, 200, 200, 200, 200, 200, 429, 429]);
  const fresh = (await createApiKey(t.db, t.orgA.organization_id, t.orgA.user_id)).key;
  const refused = await t.call('GET', '/api/v1/me/', { key: fresh });
  assert.equal(refused.status, 429);
  assert.match(String(refused.headers.ratelimit), /^limit=6, remaining=0, reset=/);
});

test('every RateLimit header carries whole seconds, also between refusals', async () => {
  const t = await createTestApp({ env: { RATE_LIMIT_PER_KEY: '40' }, clock: new ManualClock() });
  for (let i = 0; i < 45; i++) {
    const res = await t.call('GET', '/api/v1/me/');
    assert.match(String(res.headers.ratelimit), /^limit=\d+, remaining=\d+, reset=[1-9]\d*$/, String(res.headers.ratelimit));
    if (res.status === 429) assert.equal(res.headers['retry-after'], /reset=(\d+)/.exec(String(res.headers.ratelimit))![1]);
  }
});

test('endpoint groups have their own budgets: reads, writes, search and bulk actions', async () => {
  const t = await createTestApp({ env: { RATE_LIMIT_PER_KEY: '4' }, clock: new ManualClock() });
  const run = async (n: number, method: string, url: string, body?: unknown) => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push((await t.call(method, url, { body })).status);
    return out;
  };
  assert.deepEqual(await run(5, 'GET', '/api/v1/me/'), [200, 200, 200, 200, 429], 'reads: 4');
  // Reads are spent; writes, search and bulk actions are not.
  assert.deepEqual(await run(5, 'POST', '/api/v1/lead/', { name: 'x' }), [200, 200, 200, 200, 429], 'writes: 4');
  const search = await run(2, 'POST', '/api/v1/data/search/', { query: { type: 'match_all' } });
  assert.deepEqual(search, [200, 429], 'search: RATE_LIMIT_PER_KEY / 4');
  const bulk = await run(2, 'GET', '/api/v1/bulk_action/edit/');
  assert.deepEqual(bulk, [200, 429], 'bulk actions: RATE_LIMIT_PER_KEY / 8, at least 1');
  const custom = await createTestApp({ env: { RATE_LIMIT_PER_KEY: '0', RATE_LIMIT_SEARCH_PER_KEY: '1' }, clock: new ManualClock() });
  assert.equal((await custom.call('POST', '/api/v1/data/search/', { body: { query: { type: 'match_all' } } })).status, 200);
  assert.equal((await custom.call('POST', '/api/v1/data/search/', { body: { query: { type: 'match_all' } } })).status, 429);
  for (let i = 0; i < 50; i++) assert.equal((await custom.call('GET', '/api/v1/me/')).status, 200, 'groups left at 0 stay unlimited');
});

test('a client that sleeps what the header says and retries at most five times completes 1,000 sequential creates at the default limits', async () => {
  const clock = new ManualClock();
  // '' is unset: the defaults, not the test runner's RATE_LIMIT_PER_KEY=0.
  const t = await createTestApp({ env: { RATE_LIMIT_PER_KEY: '' }, clock });
  let retries = 0;
  let mostRetries = 0;
  for (let i = 0; i < 1_000; i++) {
    let attempt = 0;
    for (;;) {
      const res = await t.call('POST', '/api/v1/lead/', { body: { name: `Lead ${i}` } });
      if (res.status === 200) break;
      assert.equal(res.status, 429, res.text);
      attempt += 1;
      assert.ok(attempt <= 5, `lead ${i} still refused after 5 retries`);
      // As Close's Python client does: reset=(\d+) from RateLimit, else Retry-After; sleep that long.
      const seconds = Number(/reset=(\d+)/.exec(String(res.headers.ratelimit))?.[1] ?? res.headers['retry-after']);
      assert.ok(seconds >= 1, `a zero sleep would retry at once: ${String(res.headers.ratelimit)}`);
      clock.advance(seconds * 1000);
    }
    retries += attempt;
    mostRetries = Math.max(mostRetries, attempt);
  }
  const leads = await t.db.selectFrom('leads').select((eb) => eb.fn.countAll<number>().as('n')).where('organization_id', '=', t.orgA.organization_id).executeTakeFirstOrThrow();
  assert.equal(Number(leads.n), 1_000);
  assert.ok(retries > 0, 'the default limit was reached, so the retry path was exercised');
  assert.equal(mostRetries, 1, 'one sleep of the advertised length always sufficed');
});

test('two apps on one database count in the same buckets, as one app does', async () => {
  const clock = new ManualClock();
  const t = await createTestApp({ env: { RATE_LIMIT_PER_KEY: '3' }, clock });
  const other = await buildServer({ db: t.db, pool: t.pool, config: t.config, clock }, { logger: false });
  await other.ready();
  const viaOther = async () => (await other.inject({ method: 'GET', url: '/api/v1/me/', headers: basic(t.orgA.api_key) })).statusCode;
  const statuses = [(await t.call('GET', '/api/v1/me/')).status, await viaOther(), (await t.call('GET', '/api/v1/me/')).status, await viaOther()];
  assert.deepEqual(statuses, [200, 200, 200, 429], 'three per second for the key, whichever process answers');
  clock.advance(1000);
  assert.equal(await viaOther(), 200, 'refilled for both');
  await other.close();
});

test('buckets nobody counted in for a minute are pruned; live ones are kept', async () => {
  const clock = new ManualClock();
  const t = await createTestApp({ env: { RATE_LIMIT_PER_KEY: '3' }, clock });
  const stale = (await createApiKey(t.db, t.orgA.organization_id, t.orgA.user_id)).key;
  await t.call('GET', '/api/v1/me/', { key: stale });
  await t.call('POST', '/api/v1/lead/', { key: stale, body: { name: 'x' } });
  clock.advance(61_000);
  await t.call('GET', '/api/v1/me/', { key: t.orgB.api_key });
  // Sorted by label: organization ids are random, so ORDER BY them put B first in some runs.
  const buckets = async () =>
    (await t.pool.query<{ organization_id: string; bucket: string }>('SELECT organization_id, bucket FROM rate_limit_buckets')).rows
      .map((r) => `${r.organization_id === t.orgA.organization_id ? 'A' : 'B'} ${r.bucket.replace(/:[^:]+$/, r.bucket.startsWith('k:') ? ':key' : '$&')}`)
      .sort();
  assert.deepEqual(await buckets(), ['A k:read:key', 'A k:write:key', 'A o:read', 'A o:write', 'B k:read:key', 'B o:read']);
  const deleted = await new RateLimiter(t.pool, t.config.rateLimits).prune(clock.now().getTime());
  assert.equal(deleted, 4);
  assert.deepEqual(await buckets(), ['B k:read:key', 'B o:read']);
  // A pruned bucket is a full one: the stale key gets its whole second's worth again.
  const statuses: number[] = [];
  for (let i = 0; i < 4; i++) statuses.push((await t.call('GET', '/api/v1/me/', { key: stale })).status);
  assert.deepEqual(statuses, [200, 200, 200, 429]);
});
