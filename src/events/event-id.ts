/**
 * Event ids that sort by the time they were made: `ev_`, 11 base62 characters of the millisecond
 * clock, then 32 random characters (43 in all, the length of every Close-style id here).
 *
 * Why: an event log grows by millions of rows in one bulk action, and a random primary key makes
 * every insert land on a random leaf page of an index larger than the cache (a page read, a dirty
 * page and, after each checkpoint, a full-page image in the WAL per event). Ids made within the
 * same millisecond share their first 11 characters, so a batch's inserts land together at the
 * right edge of the index. Nothing may read meaning into the prefix: ids are tie-breakers, never a
 * clock (event pages order by date_updated).
 */
import { randomBase62 } from '../ids.ts';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const PREFIX_LENGTH = 11;

/** The time part of an event id made at `ms` (epoch milliseconds): fixed width, base62. */
export function eventIdPrefix(ms: number): string {
  let out = '';
  let n = Math.floor(ms);
  while (n > 0) {
    out = ALPHABET[n % 62]! + out;
    n = Math.floor(n / 62);
  }
  return out.padStart(PREFIX_LENGTH, '0');
}

/** A new event id. */
export function newEventId(now: number = Date.now()): string {
  return `ev_${eventIdPrefix(now)}${randomBase62(32)}`;
}
