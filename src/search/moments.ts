/**
 * Moments (bounds of `moment_range`) to instants. All calendar arithmetic happens on the request's
 * local wall clock (UTC shifted by `X-TZ-Offset`, a fixed offset, so there is no DST):
 * - `now`: the request's clock.
 * - `fixed_local_date`: `start` is local midnight of that day; `end` is the next local midnight, an
 *   exclusive bound, so `before: {end of D}` includes all of D.
 * - `offset`: the inner moment moved into the past or future by years and months first (the day of
 *   month clamped, Jan 31 + 1 month = Feb 28/29), then weeks, days, hours, minutes, seconds. When the
 *   offset is whole days (no hours, minutes or seconds), `which_day_end` then snaps to the start of
 *   that local day or to the next local midnight; with a time part it is ignored, which is how Close's
 *   own "last 2 hours" query (hours 2, which_day_end start) means the last two hours.
 * Instants are clamped to years 0001–9999, the range stored values can have.
 */
import type { Moment } from './ast.ts';

const DAY_MS = 86_400_000;

/** Epoch ms of the local-calendar day `year-(month+1)-day` at 00:00 (any year, unlike Date.UTC). */
function utcDay(year: number, month: number, day: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month, day);
  return d.getTime();
}

const MIN_MS = utcDay(1, 0, 1);
const MAX_MS = utcDay(10000, 0, 1) - 1;

export interface MomentClock {
  readonly now: Date;
  readonly tzOffsetMinutes: number;
}

function clamp(ms: number): number {
  return Math.min(Math.max(ms, MIN_MS), MAX_MS);
}

function addMonths(localMs: number, months: number): number {
  if (months === 0) return localMs;
  const d = new Date(localMs);
  const total = d.getUTCFullYear() * 12 + d.getUTCMonth() + months;
  const year = Math.floor(total / 12);
  const month = total - year * 12;
  const lastDay = new Date(utcDay(year, month + 1, 0)).getUTCDate();
  const timeOfDay = localMs - utcDay(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  return utcDay(year, month, Math.min(d.getUTCDate(), lastDay)) + timeOfDay;
}

/** The instant (epoch ms) a moment stands for. */
export function momentInstant(moment: Moment, clock: MomentClock): number {
  const tzMs = clock.tzOffsetMinutes * 60_000;
  switch (moment.type) {
    case 'now':
      return clamp(clock.now.getTime());
    case 'fixed_local_date': {
      const [y, m, d] = moment.value.split('-').map(Number) as [number, number, number];
      const start = utcDay(y, m - 1, d) - tzMs;
      return clamp(moment.which === 'end' ? start + DAY_MS : start);
    }
    case 'offset': {
      const sign = moment.direction === 'past' ? -1 : 1;
      const o = moment.offset;
      let local = momentInstant(moment.moment, clock) + tzMs;
      local = addMonths(local, sign * (o.years * 12 + o.months));
      local += sign * (o.weeks * 7 + o.days) * DAY_MS;
      local += sign * ((o.hours * 60 + o.minutes) * 60 + o.seconds) * 1000;
      if (moment.which_day_end !== null && o.hours === 0 && o.minutes === 0 && o.seconds === 0) {
        local = Math.floor(local / DAY_MS) * DAY_MS + (moment.which_day_end === 'end' ? DAY_MS : 0);
      }
      return clamp(local - tzMs);
    }
  }
}

/**
 * The first local calendar day whose start is at or after `instant`, as `YYYY-MM-DD`. A date value
 * D (the whole local day) is on or after a moment M when D's start ≥ M, and before M when D's start
 * < M; both reduce to comparing D with this day.
 */
export function firstLocalDayFrom(instant: number, tzOffsetMinutes: number): string {
  const local = instant + tzOffsetMinutes * 60_000;
  const day = Math.ceil(local / DAY_MS) * DAY_MS;
  return new Date(day).toISOString().slice(0, 10);
}
