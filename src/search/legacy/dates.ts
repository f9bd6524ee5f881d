/**
 * Date values of the legacy syntax (`created >= 2024-01-01`, `updated < "30 days ago"`,
 * `created:yesterday`) → the `moment_range` of Advanced Filtering, so relative dates follow
 * X-TZ-Offset exactly as `/data/search/` does (moments.ts computes both).
 *
 * A value is either a DAY (`2024-01-01`, `today`, `yesterday`, `tomorrow`, `N days|weeks|months|years
 * ago`, `in N days|…`), the whole local calendar day it falls on, or an INSTANT (`now`,
 * `N hours|minutes|seconds ago`, `in N hours|…`). Against a day D:
 *   `:` or `=` D → within D;  `>` D → after D;  `>=` D → from the start of D;
 *   `<` D → before D;  `<=` D → until the end of D.
 * Against an instant I, `>`/`>=` mean from I on and `<`/`<=` before I (moments have no
 * finer grain than that); `:` and `=` are refused, since no one means "at this exact instant".
 */
import type { OffsetAmounts } from '../ast.ts';
import { OFFSET_CAPS } from '../parse-condition.ts';
import { legacyError } from './legacy-error.ts';
import type { Operator } from './syntax.ts';

type MomentJson = Record<string, unknown>;

export type DateValue =
  | { readonly kind: 'day'; readonly start: MomentJson; readonly end: MomentJson }
  | { readonly kind: 'instant'; readonly at: MomentJson };

const UNITS: Readonly<Record<string, keyof OffsetAmounts>> = {
  second: 'seconds',
  minute: 'minutes',
  hour: 'hours',
  day: 'days',
  week: 'weeks',
  month: 'months',
  year: 'years',
};
const TIME_UNITS: readonly (keyof OffsetAmounts)[] = ['hours', 'minutes', 'seconds'];

const NO_OFFSET: OffsetAmounts = { years: 0, months: 0, weeks: 0, days: 0, hours: 0, minutes: 0, seconds: 0 };

function offset(direction: 'past' | 'future', amounts: Partial<OffsetAmounts>, whichDayEnd: 'start' | 'end' | null): MomentJson {
  return { type: 'offset', direction, moment: { type: 'now' }, offset: { ...NO_OFFSET, ...amounts }, which_day_end: whichDayEnd };
}

function relativeDay(direction: 'past' | 'future', amounts: Partial<OffsetAmounts>): DateValue {
  return { kind: 'day', start: offset(direction, amounts, 'start'), end: offset(direction, amounts, 'end') };
}

function digitsOnly(text: string): boolean {
  if (text.length === 0) return false;
  for (const ch of text) if (ch < '0' || ch > '9') return false;
  return true;
}

/** `YYYY-MM-DD` naming a real calendar day (year 1 or later), or undefined. */
function calendarDay(text: string): string | undefined {
  if (text.length !== 10 || text[4] !== '-' || text[7] !== '-') return undefined;
  const [y, m, d] = [text.slice(0, 4), text.slice(5, 7), text.slice(8, 10)];
  if (!digitsOnly(y) || !digitsOnly(m) || !digitsOnly(d)) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(Number(y), Number(m) - 1, Number(d));
  const real = Number(y) >= 1 && date.getUTCMonth() === Number(m) - 1 && date.getUTCDate() === Number(d);
  return real ? text : undefined;
}

/** `N unit(s) ago` or `in N unit(s)`, or undefined. */
function relative(words: readonly string[]): DateValue | undefined {
  let direction: 'past' | 'future';
  let amount: string | undefined;
  let unitWord: string | undefined;
  if (words.length === 3 && words[2] === 'ago') [direction, amount, unitWord] = ['past', words[0], words[1]];
  else if (words.length === 3 && words[0] === 'in') [direction, amount, unitWord] = ['future', words[1], words[2]];
  else return undefined;
  const unit = UNITS[unitWord!.endsWith('s') ? unitWord!.slice(0, -1) : unitWord!];
  if (unit === undefined || amount === undefined || !digitsOnly(amount)) return undefined;
  const n = Number(amount);
  if (n > OFFSET_CAPS[unit]) return undefined;
  if (TIME_UNITS.includes(unit)) return { kind: 'instant', at: offset(direction, { [unit]: n }, null) };
  return relativeDay(direction, { [unit]: n });
}

/** Reads a date value; undefined when `text` is none of the accepted forms. */
export function parseDateValue(text: string): DateValue | undefined {
  const lower = text.trim().toLowerCase();
  const day = calendarDay(lower);
  if (day) {
    const fixed = (which: 'start' | 'end') => ({ type: 'fixed_local_date', value: day, which });
    return { kind: 'day', start: fixed('start'), end: fixed('end') };
  }
  switch (lower) {
    case 'now':
      return { kind: 'instant', at: { type: 'now' } };
    case 'today':
      return relativeDay('past', {});
    case 'yesterday':
      return relativeDay('past', { days: 1 });
    case 'tomorrow':
      return relativeDay('future', { days: 1 });
  }
  return relative(lower.split(' ').filter((w) => w !== ''));
}

/** The `moment_range` condition for `op value` on a date field, or a 400 quoting `source`. */
export function momentRange(op: Operator, text: string, source: string): Record<string, unknown> {
  const value = parseDateValue(text);
  if (!value) {
    throw legacyError(
      source,
      'Expected a date: YYYY-MM-DD, today, yesterday, tomorrow, now, "N days ago" or "in N days" (also minutes, hours, weeks, months, years).',
    );
  }
  const range = (on_or_after: MomentJson | null, before: MomentJson | null) => ({ type: 'moment_range', on_or_after, before });
  if (value.kind === 'instant') {
    if (op === ':' || op === '=') throw legacyError(source, 'An instant can only be compared with >, >=, < or <=.');
    return op === '>' || op === '>=' ? range(value.at, null) : range(null, value.at);
  }
  switch (op) {
    case ':':
    case '=':
      return range(value.start, value.end);
    case '>':
      return range(value.end, null);
    case '>=':
      return range(value.start, null);
    case '<':
      return range(null, value.start);
    case '<=':
      return range(null, value.end);
  }
}
