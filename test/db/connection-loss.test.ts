import assert from 'node:assert/strict';
import { test } from 'node:test';
import { freePort } from '../../scripts/free-port.ts';
import { isTransient } from '../../src/bulk-actions/runner.ts';
import { loadConfig } from '../../src/config.ts';
import { buildServer } from '../../src/http/server.ts';
import { systemClock } from '../../src/time.ts';
import { connect } from '../../src/db/database.ts';
import { createTestDatabase, onTestFileEnd } from '../helpers/db.ts';

test('a checked-out client whose connection is cut does not crash the process; its next query fails as transient and the pool goes on', async () => {
  const database = await createTestDatabase();
  const handles = connect(database.connectionString, 2);
  onTestFileEnd(() => handles.end());
  const client = await handles.pool.connect();
  await client.query('BEGIN');
  const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  // What a PostgreSQL restart does to every connection (FATAL 57P01), here to this one alone, while
  // it sits between two statements of a transaction. Without a listener on the client, the
  // 'error' event is unhandled and kills this test process.
  await database.pool.query('SELECT pg_terminate_backend($1)', [pid]);
  // Waits without listening for 'error' itself (a listener here would hide the bug): pg marks the
  // client unusable when the server's message arrives.
  const deadline = Date.now() + 10_000;
  while ((client as unknown as { _queryable: boolean })._queryable && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.equal((client as unknown as { _queryable: boolean })._queryable, false, 'the connection was cut');
  const next = await client.query('SELECT 1').then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(next instanceof Error, 'the cut client cannot run a statement');
  assert.ok(isTransient(next), `the bulk runner retries it rather than failing the action: ${(next as Error).message}`);
  client.release(next as Error);
  assert.equal((await handles.pool.query<{ one: number }>('SELECT 1 AS one')).rows[0]!.one, 1, 'the pool hands out a fresh connection');
});

test('a connection that ends without a word from the server (a killed PostgreSQL) is transient too', () => {
  assert.ok(isTransient(new Error('Connection terminated unexpectedly')));
  assert.ok(!isTransient(new Error('relation "nope" does not exist')));
});

test('the API answers 503 with Retry-After, not 500, while the database cannot be reached', async () => {
  const port = await freePort();
  const unreachable = connect(`postgres://sluice:x@127.0.0.1:${port}/sluice`, 1);
  onTestFileEnd(() => unreachable.end());
  const app = await buildServer({ db: unreachable.db, pool: unreachable.pool, config: loadConfig({ ...process.env, DATA_DIR: '/tmp/sluice-test-data' }), clock: systemClock }, { logger: false });
  onTestFileEnd(() => app.close());
  const res = await app.inject({ method: 'GET', url: '/api/v1/lead/', headers: { authorization: `Basic ${Buffer.from('api_whatever:').toString('base64')}` } });
  assert.equal(res.statusCode, 503, res.body);
  assert.equal(res.headers['retry-after'], '1');
  assert.deepEqual(JSON.parse(res.body), { error: 'The database is unavailable; try again shortly.' });
});
