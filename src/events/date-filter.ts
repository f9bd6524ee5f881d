/**
 * `date_updated__gt|gte|lt|lte`: ISO 8601 dates or date-times, as Close takes them
 * (`2024-01-31`, `2024-01-31T09:30`, `2024-01-31T09:30:00.123456+02:00`, `…Z`). A value without an
 * offset is in the caller's `X-TZ-Offset` (UTC without it); a date alone is its midnight. Values
 * are normalised to `YYYY-MM-DDTHH:MM:SS.ffffff±HH:MM` (microseconds, as PostgreSQL keeps them),
 * which is also how cursors carry them, so nothing but a checked string ever reaches SQL.
 */
import { fieldError } from '../errors.ts';

export interface DateBounds {
  readonly gt?: string;
  readonly gte?: string;
  readonly lt?: string;
  readonly lte?: string;
}

// A `+` in a query string arrives as a space when the client did not percent-encode it.
const INPUT_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:(Z)|([+ -])(\d{2}):?(\d{2})?)?)?$/i;
const NORMAL_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}[+-]\d{2}:\d{2}$/;

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

function offsetText(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

function validCalendar(y: number, mo: number, d: number): boolean {
  if (y < 1 || mo < 1 || mo > 12 || d < 1) return false;
  const days = new Date(Date.UTC(2000, mo, 0));
  days.setUTCFullYear(y, mo, 0);
  return d <= days.getUTCDate();
}

/** Parses one filter value; a 400 naming `field` when it is not a date or date-time. */
export function parseDateBound(raw: string, field: string, tzOffsetMinutes: number): string {
  const invalid = () => fieldError(field, 'Input should be a valid date or datetime (ISO 8601).');
  const m = INPUT_RE.exec(raw.trim());
  if (!m) throw invalid();
  const [, ys, mos, ds, hs, mis, ss, frac, zulu, sign, oh, om] = m;
  const [y, mo, d] = [Number(ys), Number(mos), Number(ds)];
  const [h, mi, s] = [Number(hs ?? 0), Number(mis ?? 0), Number(ss ?? 0)];
  if (!validCalendar(y, mo, d) || h > 23 || mi > 59 || s > 59) throw invalid();
  let offset: string;
  if (zulu) offset = '+00:00';
  else if (sign) {
    const [ohn, omn] = [Number(oh), Number(om ?? 0)];
    if (ohn > 15 || omn > 59) throw invalid();
    offset = `${sign === '-' ? '-' : '+'}${pad(ohn)}:${pad(omn)}`;
  } else offset = offsetText(tzOffsetMinutes);
  const micros = (frac ?? '').slice(0, 6).padEnd(6, '0');
  return `${pad(y, 4)}-${pad(mo)}-${pad(d)}T${pad(h)}:${pad(mi)}:${pad(s)}.${micros}${offset}`;
}

/** Whether `value` is a normalised bound (as parseDateBound returns and cursors carry). */
export function isDateBound(value: unknown): value is string {
  if (typeof value !== 'string' || !NORMAL_RE.test(value)) return false;
  try {
    return parseDateBound(value, '', 0) === value;
  } catch {
    return false;
  }
}

/** The bounds a request sends, parsed; empty when it sends none. */
export function parseDateBounds(query: Readonly<Record<string, unknown>>, tzOffsetMinutes: number): DateBounds {
  const bounds: { -readonly [K in keyof DateBounds]: string } = {};
  for (const op of ['gt', 'gte', 'lt', 'lte'] as const) {
    const raw = query[`date_updated__${op}`];
    if (typeof raw === 'string' && raw !== '') bounds[op] = parseDateBound(raw, `date_updated__${op}`, tzOffsetMinutes);
  }
  return bounds;
}
