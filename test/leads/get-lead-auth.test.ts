// GET /lead/{id}/ authenticates in the statement that reads the lead (authenticatesWithRead): it
// must refuse, count and scope exactly as the auth hook does for every other route.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../src/time.ts';
import { createTestApp } from '../helpers/app.ts';

test('GET /lead/{id}/ without a key, or with a wrong one, is a 401 that reads nothing, before any 404', async () => {
  const t = await createTestApp({ env: { AUTH_FAILURES_PER_MINUTE: '5' } });
  const lead = (await t.call('POST', '/api/v1/lead/', { body: { name: 'Secret Co', contacts: [{ name: 'Ann', phones: [{ phone: '+14155550100' }] }] } })).body;
  for (const key of [null, 'not-a-key']) {
    for (const id of [lead.id, 'lead_unknown']) {
      const res = await t.call('GET', `/api/v1/lead/${id}/`, { key });
      assert.equal(res.status, 401, `${key} ${id}`);
      assert.doesNotMatch(JSON.stringify(res.body), /Secret/);
    }
  }
  // A request its route refuses before the handler (a NUL byte in the id) authenticates all the same.
  assert.equal((await t.call('GET', '/api/v1/lead/lead_%00x/', { key: null })).status, 401);
  // Those five failures count against the address, as on any other route: the allowance of 5 is spent.
  const limited = await t.call('GET', `/api/v1/lead/${lead.id}/`, { key: 'still-wrong' });
  assert.equal(limited.status, 429);
  assert.match(limited.body.error.message, /AUTH_FAILURES_PER_MINUTE=5/);
});

test('GET /lead/{id}/ is scoped to the caller: another organization\'s lead is a 404, its own is the whole object', async () => {
  const t = await createTestApp();
  const lead = (await t.call('POST', '/api/v1/lead/', { body: { name: 'Acme', contacts: [{ name: 'Ann', phones: [{ phone: '+14155550100' }] }] } })).body;
  const fromB = await t.call('GET', `/api/v1/lead/${lead.id}/`, { key: t.orgB.api_key });
  assert.equal(fromB.status, 404);
  assert.deepEqual(Object.keys(fromB.body), ['error']);
  const own = await t.call('GET', `/api/v1/lead/${lead.id}/`);
  assert.equal(own.status, 200);
  assert.equal(own.body.id, lead.id);
  assert.equal(own.body.organization_id, t.orgA.organization_id);
  assert.equal(own.body.contacts[0].phones[0].phone_formatted, '+1 415 555 0100');
  assert.equal(own.body.primary_phone.phone_formatted, '+1 415 555 0100');
  assert.equal((await t.call('GET', '/api/v1/lead/lead_unknown/')).status, 404);
  // Validation comes before the statement: a NUL byte is a 400 that names the parameter, not a database error.
  const nul = await t.call('GET', `/api/v1/lead/lead_%00x/`);
  assert.equal(nul.status, 400);
});

test('GET /lead/{id}/ counts in the read group with the other reads, and a refused one answers no lead', async () => {
  const t = await createTestApp({ env: { RATE_LIMIT_PER_KEY: '3' }, clock: new ManualClock() });
  (t.clock as ManualClock).advance(1000);
  const lead = (await t.call('POST', '/api/v1/lead/', { body: { name: 'Acme' } })).body;
  (t.clock as ManualClock).advance(1000);
  const first = await t.call('GET', '/api/v1/me/');
  assert.match(String(first.headers.ratelimit), /^limit=3, remaining=2, reset=/);
  const second = await t.call('GET', `/api/v1/lead/${lead.id}/`);
  assert.equal(second.status, 200);
  assert.match(String(second.headers.ratelimit), /^limit=3, remaining=1, reset=/);
  // A request failing validation before the handler is authenticated and counted all the same.
  const invalid = await t.call('GET', '/api/v1/lead/lead_%00x/');
  assert.equal(invalid.status, 400);
  assert.match(String(invalid.headers.ratelimit), /^limit=3, remaining=0, reset=/);
  const refused = await t.call('GET', `/api/v1/lead/${lead.id}/`);
  assert.equal(refused.status, 429);
  assert.equal(refused.headers['retry-after'], '1');
  assert.deepEqual(Object.keys(refused.body), ['error']);
  assert.doesNotMatch(JSON.stringify(refused.body), /Acme/);
  // The same bucket refuses the next read of another route.
  assert.equal((await t.call('GET', '/api/v1/me/')).status, 429);
  (t.clock as ManualClock).advance(1000);
  assert.equal((await t.call('GET', `/api/v1/lead/${lead.id}/`)).body.name, 'Acme');
});
