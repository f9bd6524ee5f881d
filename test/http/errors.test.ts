import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { buildServer } from '../../src/http/server.ts';
import { createOrganization } from '../../src/orgs/create-organization.ts';
import { systemClock } from '../../src/time.ts';
import { createTestDatabase } from '../helpers/db.ts';

test('an unexpected error is a 500 that names the request id and nothing of the internals', async () => {
  const { db, pool } = await createTestDatabase();
  const app = await buildServer({ db, pool, config: loadConfig({}), clock: systemClock }, { logger: false });
  app.get('/api/v1/boom/', async () => {
    throw new Error('password=hunter2 at /srv/secret/path.ts:42');
  });
  await app.ready();
  const { api_key } = await createOrganization(db, { name: 'O', userEmail: 'o@o.example' });
  const res = await app.inject({
    method: 'GET',
    url: '/api/v1/boom/',
    headers: { authorization: `Basic ${Buffer.from(`${api_key}:`).toString('base64')}` },
  });
  await app.close();
  assert.equal(res.statusCode, 500);
  const body = JSON.parse(res.body);
  assert.deepEqual(Object.keys(body), ['error']);
  assert.doesNotMatch(res.body, /hunter2|secret|path\.ts/);
  assert.ok(body.error.includes(String(res.headers['x-request-id'])));
});
