/**
 * Conditions of `field_condition` and the moments of `moment_range`, validated against the field
 * they apply to: a condition type the field's kind does not accept is a 400 on `condition.type`.
 */
import { fieldError } from '../errors.ts';
import { CONDITION_TYPES, TEXT_MODES, type Condition, type FieldKind, type Moment, type OffsetAmounts } from './ast.ts';
import { conditionsFor } from './fields.ts';
import { asEnum, asList, asNegate, asObject, asOptionalNumber, asString, asStringList, at, describe, LIMITS } from './json-input.ts';
import { distinctWords } from './text-match.ts';

/** How deep `offset` moments may nest. */
const MAX_MOMENT_DEPTH = 5;

/** Largest amount per offset unit: about 200 years each, far beyond any real query. */
export const OFFSET_CAPS: Readonly<Record<keyof OffsetAmounts, number>> = {
  years: 200,
  months: 2_400,
  weeks: 10_500,
  days: 73_000,
  hours: 1_753_000,
  minutes: 105_190_000,
  seconds: 6_311_400_000,
};

export interface FieldInfo {
  readonly label: string;
  readonly kind: FieldKind;
  readonly referenceTypes: readonly string[];
}

/** Parses the text of a text condition or text query (shared with the `text` query type). */
export function parseTextValue(raw: Readonly<Record<string, unknown>>, path: string): { mode: (typeof TEXT_MODES)[number]; value: string } {
  const mode = raw.mode === undefined ? 'full_words' : asEnum(raw.mode, at(path, 'mode'), TEXT_MODES);
  const value = asString(raw.value, at(path, 'value'));
  if (mode !== 'exact_value') {
    const words = distinctWords(value).length;
    if (words === 0) throw fieldError(at(path, 'value'), `Must contain at least one word (letters or digits) for mode "${mode}".`);
    if (words > LIMITS.textWords) {
      throw fieldError(at(path, 'value'), `At most ${LIMITS.textWords} different words are allowed in one text value; this one has ${words}.`);
    }
  }
  return { mode, value };
}

/** Parses `condition` at `path` for a field described by `field`. */
export function parseCondition(raw: unknown, path: string, field: FieldInfo): Condition {
  const o = asObject(raw, path, 'a condition object');
  const typePath = at(path, 'type');
  const type = asEnum(o.type, typePath, CONDITION_TYPES);
  const allowed = conditionsFor(field.kind, field.referenceTypes);
  if (!allowed.includes(type)) {
    throw fieldError(
      typePath,
      `Condition "${type}" does not apply to ${field.kind} field ${field.label}; allowed here: ${allowed.map((a) => `"${a}"`).join(', ')}.`,
    );
  }
  switch (type) {
    case 'text':
      return { type, ...parseTextValue(o, path) };
    case 'term':
      return { type, values: asStringList(o.values, at(path, 'values')) };
    case 'reference':
      return {
        type,
        reference_type: asEnum(o.reference_type, at(path, 'reference_type'), field.referenceTypes),
        object_ids: asStringList(o.object_ids, at(path, 'object_ids')),
      };
    case 'number_range':
      return {
        type,
        gt: asOptionalNumber(o.gt, at(path, 'gt')),
        gte: asOptionalNumber(o.gte, at(path, 'gte')),
        lt: asOptionalNumber(o.lt, at(path, 'lt')),
        lte: asOptionalNumber(o.lte, at(path, 'lte')),
      };
    case 'boolean':
      if (typeof o.value !== 'boolean') throw fieldError(at(path, 'value'), `Expected true or false, got ${describe(o.value)}.`);
      return { type, value: o.value };
    case 'exists':
    case 'current_user':
      return { type };
    case 'moment_range':
      return {
        type,
        on_or_after: parseOptionalMoment(o.on_or_after, at(path, 'on_or_after'), 0),
        before: parseOptionalMoment(o.before, at(path, 'before'), 0),
      };
  }
}

function parseOptionalMoment(raw: unknown, path: string, depth: number): Moment | null {
  return raw === undefined || raw === null ? null : parseMoment(raw, path, depth);
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

function parseLocalDate(raw: unknown, path: string): string {
  const value = asString(raw, path);
  const m = DATE_RE.exec(value);
  const valid =
    m !== null &&
    Number(m[1]) >= 1 &&
    (() => {
      const d = new Date(0);
      d.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
      return d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
    })();
  if (!valid) throw fieldError(path, `Expected a date as "YYYY-MM-DD", got ${describe(raw)}.`);
  return value;
}

/** Parses a moment (`now`, `fixed_local_date`, `offset`). */
export function parseMoment(raw: unknown, path: string, depth: number): Moment {
  if (depth > MAX_MOMENT_DEPTH) throw fieldError(path, `Moments may nest at most ${MAX_MOMENT_DEPTH} levels deep.`);
  const o = asObject(raw, path, 'a moment object');
  const type = asEnum(o.type, at(path, 'type'), ['now', 'fixed_local_date', 'offset'] as const);
  switch (type) {
    case 'now':
      return { type };
    case 'fixed_local_date':
      return {
        type,
        value: parseLocalDate(o.value, at(path, 'value')),
        which: o.which === undefined || o.which === null ? 'start' : asEnum(o.which, at(path, 'which'), ['start', 'end'] as const),
      };
    case 'offset': {
      const offsetPath = at(path, 'offset');
      const rawOffset = asObject(o.offset, offsetPath, 'an object of years, months, weeks, days, hours, minutes, seconds');
      const amounts = {} as Record<keyof OffsetAmounts, number>;
      for (const unit of Object.keys(OFFSET_CAPS) as (keyof OffsetAmounts)[]) {
        const value = rawOffset[unit] ?? 0;
        if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > OFFSET_CAPS[unit]) {
          throw fieldError(at(offsetPath, unit), `Expected a whole number from 0 to ${OFFSET_CAPS[unit]}, got ${describe(value)}.`);
        }
        amounts[unit] = value;
      }
      return {
        type,
        direction: asEnum(o.direction, at(path, 'direction'), ['past', 'future'] as const),
        moment: o.moment === undefined || o.moment === null ? { type: 'now' } : parseMoment(o.moment, at(path, 'moment'), depth + 1),
        offset: amounts,
        which_day_end:
          o.which_day_end === undefined || o.which_day_end === null
            ? null
            : asEnum(o.which_day_end, at(path, 'which_day_end'), ['start', 'end'] as const),
      };
    }
  }
}

export { asList, asNegate };
