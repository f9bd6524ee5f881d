/**
 * Event ids made in SQL, for statements that insert events set-wise (bulk edit, lead delete), in
 * the shape of src/events/event-id.ts: the time prefix is taken once when the statement is built,
 * and each row adds the 32 hex digits of its own gen_random_uuid() (122 random bits; hex digits are
 * base62 characters, so the id has the format of every other).
 */
import { sql, type RawBuilder } from 'kysely';
import { eventIdPrefix } from './event-id.ts';

/** An event id for each row of the SELECT it appears in (gen_random_uuid() is volatile: evaluated per row). */
export function eventIdSql(): RawBuilder<string> {
  return sql<string>`(${`ev_${eventIdPrefix(Date.now())}`}::text || replace(gen_random_uuid()::text, '-', ''))`;
}
