import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connect } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrate.ts';
import { createTestDatabase, onTestFileEnd } from '../helpers/db.ts';

test('a pool opened with a statement timeout cancels longer statements; migrations are exempt', async () => {
  const database = await createTestDatabase();
  const limited = connect(database.connectionString, 2, 200);
  onTestFileEnd(() => limited.end());
  const shown = await limited.pool.query<{ statement_timeout: string }>('SHOW statement_timeout');
  assert.equal(shown.rows[0]!.statement_timeout, '200ms');
  await assert.rejects(limited.pool.query('SELECT pg_sleep(1)'), (error: Error & { code?: string }) => error.code === '57014');
  // migrate() lifts the limit for its own session and restores it afterwards.
  await migrate(limited.pool);
  const clients = await Promise.all([limited.pool.connect(), limited.pool.connect()]);
  for (const client of clients) {
    assert.equal((await client.query<{ statement_timeout: string }>('SHOW statement_timeout')).rows[0]!.statement_timeout, '200ms');
    client.release();
  }
  const unlimited = connect(database.connectionString, 1);
  onTestFileEnd(() => unlimited.end());
  assert.equal((await unlimited.pool.query<{ statement_timeout: string }>('SHOW statement_timeout')).rows[0]!.statement_timeout, '0');
});
