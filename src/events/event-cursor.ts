/**
 * The event log's cursors: stateless keyset positions, base64url JSON of a direction, the position
 * (an event's `date_updated` to the microsecond, and its id) and the `date_updated` bounds of the
 * query that made it (Close asks clients to re-send every filter with `_cursor` except the
 * `date_updated` ones). They never expire; everything in one is checked before it reaches SQL, so a
 * forged or damaged cursor is a 400 on `_cursor`, never a database error.
 *
 * `next` reads events strictly older than the position (Close's `cursor_next`), `previous` strictly
 * newer (`cursor_previous`). A keyset position stays valid whatever is written meanwhile: new events
 * are newer than every page already read, so walking back in time neither repeats nor skips one.
 */
import { fieldError } from '../errors.ts';
import { isDateBound, type DateBounds } from './date-filter.ts';

export type CursorDirection = 'next' | 'previous';

/** Where a page starts: exclusive of the event at (`at`, `id`). */
export interface EventPosition {
  /** `date_updated` in UTC, `YYYY-MM-DDTHH:MM:SS.ffffff` (PostgreSQL's microseconds, unrounded). */
  readonly at: string;
  readonly id: string;
}

export interface EventCursor {
  readonly direction: CursorDirection;
  readonly position: EventPosition;
  readonly bounds: DateBounds;
}

/** Longest `_cursor` accepted: a position and four bounds take well under 600 characters. */
export const CURSOR_MAX = 2_000;

const AT_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.\d{6}$/;
const BOUND_KEYS = ['gt', 'gte', 'lt', 'lte'] as const;

function validAt(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = AT_RE.exec(value);
  if (!m) return false;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(2000, mo - 1, d, h, mi, s));
  date.setUTCFullYear(y);
  return y >= 1 && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d && date.getUTCHours() === h && date.getUTCMinutes() === mi && date.getUTCSeconds() === s;
}

function validId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= 200 && !value.includes('\u0000');
}

/** Encodes a cursor. */
export function encodeEventCursor(cursor: EventCursor): string {
  const r = Object.fromEntries(BOUND_KEYS.filter((k) => cursor.bounds[k] !== undefined).map((k) => [k, cursor.bounds[k]]));
  const payload = { d: cursor.direction === 'next' ? 'n' : 'p', t: cursor.position.at, i: cursor.position.id, ...(Object.keys(r).length ? { r } : {}) };
  return Buffer.from(JSON.stringify(payload)).toString('base64url');
}

/** Decodes and checks `raw`; a 400 on `_cursor` when it is not a cursor this module made. */
export function decodeEventCursor(raw: string): EventCursor {
  const invalid = () => fieldError('_cursor', 'Invalid cursor.');
  if (raw.length > CURSOR_MAX || !/^[\w-]+$/.test(raw)) throw invalid();
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (decoded === null || typeof decoded !== 'object' || Array.isArray(decoded)) throw invalid();
  const { d, t, i, r } = decoded as Record<string, unknown>;
  if ((d !== 'n' && d !== 'p') || !validAt(t) || !validId(i)) throw invalid();
  const bounds: { -readonly [K in keyof DateBounds]: DateBounds[K] } = {};
  if (r !== undefined) {
    if (r === null || typeof r !== 'object' || Array.isArray(r)) throw invalid();
    for (const [key, value] of Object.entries(r)) {
      if (!(BOUND_KEYS as readonly string[]).includes(key) || !isDateBound(value)) throw invalid();
      bounds[key as (typeof BOUND_KEYS)[number]] = value;
    }
  }
  return { direction: d === 'n' ? 'next' : 'previous', position: { at: t, id: i }, bounds };
}
