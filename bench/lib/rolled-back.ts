/**
 * Timing a statement (or a piece of the engine) inside a transaction that is then rolled back, so
 * that a benchmark can measure a change on real rows without keeping it.
 */
import { Kysely, PostgresDialect } from 'kysely';
import type pg from 'pg';
import type { Database } from '../../src/db/schema.ts';

/** Runs `fn` on one connection inside BEGIN … ROLLBACK; returns the milliseconds `fn` took. */
export async function timeRolledBack(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<void>): Promise<number> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const start = performance.now();
    await fn(client);
    const elapsed = performance.now() - start;
    await client.query('ROLLBACK');
    return elapsed;
  } finally {
    client.release();
  }
}

/**
 * A Kysely whose every statement goes to `client` (inside the caller's transaction); `onQuery`
 * sees each statement's text and parameters (to EXPLAIN what the engine sent).
 */
export function kyselyOn(client: pg.PoolClient, onQuery?: (text: string, values: unknown[]) => void): Kysely<Database> {
  // A stand-in for the client, so that Kysely's release() does not return it to the pool.
  const proxy = {
    query: (...args: unknown[]) => {
      if (onQuery && typeof args[0] === 'string') onQuery(args[0], args[1] as unknown[]);
      return (client.query as (...a: unknown[]) => unknown)(...args);
    },
    release: () => {},
  };
  const single = { connect: async () => proxy, end: async () => {} };
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool: single as never }) });
}
