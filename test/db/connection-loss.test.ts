import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTransient } from '../../src/bulk-actions/runner.ts';
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
