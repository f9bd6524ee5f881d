/**
 * Time in one place: an injectable clock (tests move it; the 7-day resume rule and sequence delays
 * depend on it) and Close's timestamp format.
 */

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that stands still until moved; for tests. */
export class ManualClock implements Clock {
  private current: number;
  constructor(start: Date | string = '2026-01-05T12:00:00Z') {
    this.current = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.current);
  }
  set(to: Date | string): void {
    this.current = new Date(to).getTime();
  }
  advance(ms: number): void {
    this.current += ms;
  }
}

/** ISO 8601 with microseconds and an explicit offset, as Close writes it: `2013-12-05T18:34:41.753000+00:00`. */
export function formatTimestamp(value: Date | string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const date = value instanceof Date ? value : new Date(value);
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000+00:00');
}

/**
 * Parses the `X-TZ-Offset` header (hours east of UTC, fractions allowed, e.g. `-4`, `5.5`) into
 * minutes. Anything unparsable or out of range counts as UTC, as Close does not reject it.
 */
export function parseTzOffset(header: string | string[] | undefined): number {
  const raw = Array.isArray(header) ? header[0] : header;
  if (raw === undefined) return 0;
  const hours = Number(raw.trim());
  if (!Number.isFinite(hours) || hours < -14 || hours > 14) return 0;
  return Math.round(hours * 60);
}
