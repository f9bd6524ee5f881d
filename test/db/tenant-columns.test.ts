/**
 * Every table is a tenant table with a non-null `organization_id` (the column a sharded PostgreSQL
 * such as Citus would distribute by), or is listed below with the reason it is not. A new table
 * without the column fails here until it gets one or a reason.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type pg from 'pg';
import { createTestDatabase } from '../helpers/db.ts';

const NOT_TENANT_TABLES: Readonly<Record<string, string>> = {
  app_secrets: "the installation's own keys (secrets at rest, unsubscribe-link signing), shared by every organization",
  schema_migrations: 'which migrations the database has had: one list for the whole database',
};

/** What is wrong with the tables of the migrated catalog, one line each, and how many tables it read. */
async function tenantProblems(pool: pg.Pool): Promise<{ problems: string[]; tables: string[] }> {
  const { rows } = await pool.query<{ table_name: string; data_type: string | null; not_null: boolean | null }>(`
    SELECT c.relname AS table_name, format_type(a.atttypid, a.atttypmod) AS data_type, a.attnotnull AS not_null
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'organization_id' AND NOT a.attisdropped
    WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'f') AND NOT c.relispartition
    ORDER BY c.relname`);
  const problems: string[] = [];
  for (const row of rows) {
    if (NOT_TENANT_TABLES[row.table_name] !== undefined) {
      if (row.data_type !== null) problems.push(`${row.table_name}: has organization_id, so it belongs out of the allow-list`);
    } else if (row.data_type === null) problems.push(`${row.table_name}: no organization_id column`);
    else if (!row.not_null) problems.push(`${row.table_name}: organization_id is nullable`);
    else if (row.data_type !== 'text') problems.push(`${row.table_name}: organization_id is ${row.data_type}, not text`);
  }
  return { problems, tables: rows.map((r) => r.table_name) };
}

test('every table has organization_id NOT NULL, or a reason in the allow-list', async () => {
  const database = await createTestDatabase();
  const { problems, tables } = await tenantProblems(database.pool);
  assert.ok(tables.length > 20 && tables.includes('leads'), `the migrated catalog was read (${tables.length} tables)`);
  assert.deepEqual(problems, []);
  for (const name of Object.keys(NOT_TENANT_TABLES)) assert.ok(tables.includes(name), `allow-listed ${name} no longer exists; drop it from the list`);
});

test('a new table without organization_id, or with a nullable one, is reported', async () => {
  const database = await createTestDatabase();
  await database.pool.query('CREATE TABLE probe_untenanted (id text PRIMARY KEY)');
  await database.pool.query('CREATE TABLE probe_nullable (id text PRIMARY KEY, organization_id text)');
  await database.pool.query('CREATE TABLE probe_tenanted (id text PRIMARY KEY, organization_id text NOT NULL)');
  const { problems } = await tenantProblems(database.pool);
  assert.deepEqual(problems, ['probe_nullable: organization_id is nullable', 'probe_untenanted: no organization_id column']);
});
