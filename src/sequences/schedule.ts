/**
 * Sending windows: a sequence's `schedule` is a list of weekly ranges (`weekday` 1..7, ISO, Monday = 1;
 * `start`/`end` as local "HH:MM" in the sequence's IANA timezone). A range's `end` minute is included,
 * as Close's own example `09:00`–`16:59` reads. A step due outside every range waits for the next
 * range start. Pure functions over Intl, so DST and far-away zones need no timezone database of ours.
 */

export interface ScheduleRange {
  readonly weekday: number;
  readonly start: string;
  readonly end: string;
}

export interface Schedule {
  readonly ranges: readonly ScheduleRange[];
}

const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;
const MINUTE_MS = 60_000;

/** True when `tz` is an IANA zone name this runtime knows (`Europe/Berlin`, `UTC`). */
export function isValidTimezone(tz: string): boolean {
  // Newer runtimes also accept UTC offsets ("+05:00") as time zones; a sequence needs a named zone
  // so that its windows follow daylight saving.
  if (!/^[A-Za-z]/.test(tz)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Field errors (path relative to `schedule`) for a schedule's ranges; empty when valid. */
export function scheduleErrors(schedule: Schedule, prefix = 'schedule'): Record<string, string> {
  const errors: Record<string, string> = {};
  schedule.ranges.forEach((range, i) => {
    const path = `${prefix}.ranges[${i}]`;
    if (!Number.isInteger(range.weekday) || range.weekday < 1 || range.weekday > 7) {
      errors[`${path}.weekday`] = 'weekday must be an integer from 1 (Monday) to 7 (Sunday).';
    }
    const start = HH_MM.test(range.start);
    const end = HH_MM.test(range.end);
    if (!start) errors[`${path}.start`] = 'start must be a time "HH:MM" (00:00 to 23:59).';
    if (!end) errors[`${path}.end`] = 'end must be a time "HH:MM" (00:00 to 23:59).';
    if (start && end && range.end < range.start) errors[`${path}.end`] = 'end must not be before start.';
  });
  return errors;
}

interface LocalParts {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(tz, f);
  }
  return f;
}

/** The wall-clock reading of `instant` in `tz`. */
export function localParts(instant: Date, tz: string): LocalParts {
  const parts: Record<string, number> = {};
  for (const part of formatter(tz).formatToParts(instant)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return {
    year: parts.year!,
    month: parts.month!,
    day: parts.day!,
    hour: parts.hour! % 24,
    minute: parts.minute!,
    second: parts.second!,
  };
}

/** Milliseconds `tz` is ahead of UTC at `instant` (e.g. +3,600,000 for Berlin in winter). */
function offsetMs(instant: number, tz: string): number {
  const p = localParts(new Date(instant), tz);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/**
 * The instant at which the wall clock in `tz` reads the given local time. An ambiguous time (DST
 * fall-back) takes the earlier instant; a time skipped by a spring-forward jump is shifted forward by
 * the gap's length (as Temporal's "compatible" does), so a window starting in the gap still opens.
 */
export function zonedTimeToUtc(year: number, month: number, day: number, hour: number, minute: number, tz: string): Date {
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  const first = wall - offsetMs(wall, tz);
  const second = wall - offsetMs(first, tz);
  if (first === second) return new Date(first);
  const back = (t: number) => t + offsetMs(t, tz) === wall;
  if (back(first) && back(second)) return new Date(Math.min(first, second));
  if (back(first)) return new Date(first);
  if (back(second)) return new Date(second);
  return new Date(Math.max(first, second));
}

function minutesOf(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

/**
 * The earliest instant at or after `due` that lies inside one of the schedule's ranges in `tz`.
 * No schedule (or no ranges) means any time. Looks eight local days ahead, which covers every weekly
 * schedule.
 */
export function nextSendTime(due: Date, schedule: Schedule | null | undefined, tz: string): Date {
  if (!schedule || schedule.ranges.length === 0) return due;
  const t = due.getTime();
  const local = localParts(due, tz);
  let best: number | undefined;
  for (let offset = -1; offset <= 8; offset++) {
    const date = new Date(Date.UTC(local.year, local.month - 1, local.day + offset));
    const weekday = date.getUTCDay() === 0 ? 7 : date.getUTCDay();
    for (const range of schedule.ranges) {
      if (range.weekday !== weekday) continue;
      const [y, m, d] = [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()];
      const startMin = minutesOf(range.start);
      const endMin = minutesOf(range.end);
      const start = zonedTimeToUtc(y, m, d, Math.floor(startMin / 60), startMin % 60, tz).getTime();
      const end = zonedTimeToUtc(y, m, d, Math.floor(endMin / 60), endMin % 60, tz).getTime() + MINUTE_MS;
      if (t >= start && t < end) return due;
      if (start > t && (best === undefined || start < best)) best = start;
    }
  }
  // Ranges exist, so some start lies within the next eight days; `?? t` only satisfies the compiler.
  return new Date(best ?? t);
}
