/**
 * Versioned migrations: `src/db/migrations/NNNN_name.sql`, applied in order, each in its own
 * transaction, recorded in `schema_migrations`. A session-level advisory lock serialises processes
 * that start at the same moment: the second waits, then finds nothing left to do.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { DATA_STEPS, type DataStep } from './migration-data-steps.ts';

// From the sources (src/db) and from the bundle (dist/server) alike: both sit two levels below the root.
const MIGRATIONS_DIR = fileURLToPath(new URL('../../src/db/migrations/', import.meta.url));
/** Arbitrary constant naming Sluice's migration lock among advisory locks. */
const MIGRATION_LOCK_KEY = 7_305_150_001;

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
  readonly checksum: string;
}

/** Lists the migrations shipped with this build, in version order. */
export function listMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return fs
    .readdirSync(dir)
    .filter((file) => /^\d{4}_[\w-]+\.sql$/.test(file))
    .sort()
    .map((file) => ({
      version: Number(file.slice(0, 4)),
      name: file.replace(/\.sql$/, ''),
      sql: fs.readFileSync(path.join(dir, file), 'utf8'),
    }))
    .map((m) => ({ ...m, checksum: createHash('sha256').update(m.sql).digest('hex') }));
}

/**
 * Applies every pending migration; returns the names applied. A landed migration whose file has
 * changed since it was applied is reported through `warn`: the database keeps the schema it got,
 * and the change belongs in a new migration.
 */
export async function migrate(pool: pg.Pool, warn: (message: string) => void = () => {}, steps: Readonly<Record<number, DataStep>> = DATA_STEPS): Promise<string[]> {
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    // A migration may rewrite millions of rows: the pool's statement_timeout (meant for requests)
    // does not apply to it. RESET below restores the connection's own setting.
    await client.query('SET statement_timeout = 0');
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      checksum text,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    // Databases migrated before checksums were kept lack the column.
    await client.query('ALTER TABLE schema_migrations ADD COLUMN IF NOT EXISTS checksum text');
    const done = new Map(
      (await client.query<{ version: number; checksum: string | null }>('SELECT version, checksum FROM schema_migrations')).rows.map(
        (r) => [r.version, r.checksum],
      ),
    );
    for (const migration of listMigrations()) {
      if (done.has(migration.version)) {
        const checksum = done.get(migration.version);
        if (checksum && checksum !== migration.checksum) {
          warn(`migration ${migration.name} changed after it was applied; the database keeps the old version`);
        }
        continue;
      }
      await client.query('BEGIN');
      try {
        await client.query(migration.sql);
        await steps[migration.version]?.(client);
        await client.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
          migration.version,
          migration.name,
          migration.checksum,
        ]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${migration.name} failed: ${(error as Error).message}`, { cause: error });
      }
      applied.push(migration.name);
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => {});
    await client.query('RESET statement_timeout').catch(() => {});
    client.release();
  }
  return applied;
}
