import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createApiKey } from '../../src/auth/api-keys.ts';
import { ManualClock } from '../../src/time.ts';
import { createTestApp } from '../helpers/app.ts';

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
  assert.match(String(last!.headers.ratelimit), /^limit=3, remaining=0, reset=\d+\.\d+$/);
  assert.ok(Number(last!.headers['retry-after']) >= 1);
  assert.ok(last!.body.error.rate_reset > 0);
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
