/**
 * SQL pieces shared by statements that build API objects in PostgreSQL (jsonb_build_object) for
 * the events they write, so that no row has to pass through JavaScript to be serialised.
 */
import { sql, type RawBuilder } from 'kysely';

/** `formatTimestamp` (time.ts) in SQL: UTC, milliseconds (truncated, as node-pg reads them) + `000+00:00`. */
export function ts(column: RawBuilder<unknown>): RawBuilder<string | null> {
  return sql`to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"000+00:00"')`;
}

/** A jsonb array column that may hold JSON null: `?? []`. */
export function list(column: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`coalesce(nullif(${column}, 'null'::jsonb), '[]'::jsonb)`;
}

