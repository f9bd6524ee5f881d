/**
 * A Kysely instance that records every statement it runs (SQL text, parameters, duration), so a
 * benchmark can re-run exactly the SQL a code path generated, next to a hand-written equivalent.
 */
import { Kysely, PostgresDialect } from 'kysely';
import type pg from 'pg';
import type { Database } from '../../src/db/schema.ts';

export interface CapturedStatement {
  readonly sql: string;
  readonly parameters: readonly unknown[];
  readonly ms: number;
}

/** A Kysely over `pool` whose statements `drain()` returns (and forgets). */
export function capturingDb(pool: pg.Pool): { db: Kysely<Database>; drain(): CapturedStatement[] } {
  let captured: CapturedStatement[] = [];
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool }),
    log: (event) => {
      captured.push({ sql: event.query.sql, parameters: event.query.parameters, ms: event.queryDurationMillis });
    },
  });
  return {
    db,
    drain: () => {
      const out = captured;
      captured = [];
      return out;
    },
  };
}
