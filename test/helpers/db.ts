/**
 * A fresh database per test file, cloned from the migrated template that `npm test` prepared.
 */
import { after } from 'node:test';
import pg from 'pg';
import { randomBase62 } from '../../src/ids.ts';
import { connect, type Db } from '../../src/db/database.ts';

export interface TestDatabase {
  readonly db: Db;
  readonly pool: pg.Pool;
  readonly connectionString: string;
  readonly name: string;
}

type Cleanup = () => Promise<void> | void;
const cleanups: Cleanup[] = [];
// Registered at module scope so it belongs to the file's root test: hooks registered inside a
// `before` would run as soon as that hook ends.
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** Runs `fn` when the test file ends (after everything registered later). */
export function onTestFileEnd(fn: Cleanup): void {
  cleanups.push(fn);
}

function adminUrl(): string {
  const url = process.env.SLUICE_TEST_ADMIN_URL;
  if (!url) throw new Error('run tests with `npm test` (it starts PostgreSQL and sets SLUICE_TEST_ADMIN_URL)');
  return url;
}

/** Clones the template into a new database, dropped when the test file ends. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `sluice_test_${randomBase62(12).toLowerCase()}`;
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name} TEMPLATE ${process.env.SLUICE_TEST_TEMPLATE_DB}`);
  await admin.end();
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  const connectionString = url.toString();
  const handles = connect(connectionString, 10);
  onTestFileEnd(async () => {
    await handles.end();
    const client = new pg.Client({ connectionString: adminUrl() });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await client.end();
  });
  return { db: handles.db, pool: handles.pool, connectionString, name };
}
