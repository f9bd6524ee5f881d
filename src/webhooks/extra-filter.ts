/**
 * Close's webhook `extra_filter` language (close-api-reference.md §5.3, developer.close.com "Webhook
 * Filters"): a tree of tagged nodes evaluated against the event as the log serializes it.
 *
 *   equals / not_equals {value}   the whole value is (not) the same JSON value
 *   is_null / non_null            the value is null (a missing field counts as null) / is not
 *   contains {value}              an array holding an element equal to value, or a string
 *                                 holding value (a string) as a substring
 *   and / or {filters}            all / at least one of the filters match
 *   not {filter}                  the filter does not match
 *   field_accessor {field, filter} the filter applied to the value's `field` (null when absent)
 *   any_array_value {filter}      the value is an array and the filter matches one of its elements
 *
 * Parsed once at the edge (a 400 naming the bad node's path), stored as parsed, evaluated by the
 * delivery worker for each event.
 */
import { fieldError } from '../errors.ts';

export type ExtraFilter =
  | { readonly type: 'equals' | 'not_equals' | 'contains'; readonly value: unknown }
  | { readonly type: 'is_null' | 'non_null' }
  | { readonly type: 'and' | 'or'; readonly filters: readonly ExtraFilter[] }
  | { readonly type: 'not' | 'any_array_value'; readonly filter: ExtraFilter }
  | { readonly type: 'field_accessor'; readonly field: string; readonly filter: ExtraFilter };

/** Nodes and nesting a filter may have: far above a hand-written one, far below anything costly. */
export const FILTER_MAX_NODES = 200;
export const FILTER_MAX_DEPTH = 16;
const FIELD_MAX = 200;

const TYPES = ['equals', 'not_equals', 'is_null', 'non_null', 'contains', 'and', 'or', 'not', 'field_accessor', 'any_array_value'] as const;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Parses an `extra_filter` read from a request; throws a 400 on `path` (or below it) when it is not
 * a filter.
 *
 * @example parseExtraFilter({ type: 'field_accessor', field: 'changed_fields', filter: { type: 'contains', value: 'name' } }, 'events[0].extra_filter')
 */
export function parseExtraFilter(input: unknown, path: string): ExtraFilter {
  let nodes = 0;
  const parse = (node: unknown, at: string, depth: number): ExtraFilter => {
    nodes += 1;
    if (nodes > FILTER_MAX_NODES) throw fieldError(at, `A filter may have at most ${FILTER_MAX_NODES} nodes.`);
    if (depth > FILTER_MAX_DEPTH) throw fieldError(at, `A filter may be nested at most ${FILTER_MAX_DEPTH} levels deep.`);
    if (!isObject(node)) throw fieldError(at, 'Must be a filter object with a "type".');
    const type = node.type;
    switch (type) {
      case 'equals':
      case 'not_equals':
      case 'contains':
        if (!('value' in node)) throw fieldError(`${at}.value`, 'This field is required.');
        return { type, value: node.value };
      case 'is_null':
      case 'non_null':
        return { type };
      case 'and':
      case 'or': {
        if (!Array.isArray(node.filters)) throw fieldError(`${at}.filters`, 'Must be a list of filters.');
        const filters: unknown[] = node.filters;
        return { type, filters: filters.map((child, i) => parse(child, `${at}.filters[${i}]`, depth + 1)) };
      }
      case 'not':
      case 'any_array_value':
        return { type, filter: parse(node.filter, `${at}.filter`, depth + 1) };
      case 'field_accessor':
        if (typeof node.field !== 'string' || node.field === '' || node.field.length > FIELD_MAX) {
          throw fieldError(`${at}.field`, `Must be a field name of 1 to ${FIELD_MAX} characters.`);
        }
        return { type, field: node.field, filter: parse(node.filter, `${at}.filter`, depth + 1) };
      default:
        throw fieldError(`${at}.type`, `Must be one of: ${TYPES.join(', ')}.`);
    }
  };
  return parse(input, path, 1);
}

/** JSON equality (object keys in any order). */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((item, i) => sameJson(item, b[i]));
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && sameJson(a[key], b[key]));
  }
  return false;
}

/**
 * Whether `value` (an event, or a part of one) passes `filter`.
 *
 * @example matchesFilter({ type: 'field_accessor', field: 'action', filter: { type: 'equals', value: 'updated' } }, event)
 */
export function matchesFilter(filter: ExtraFilter, value: unknown): boolean {
  const v = value === undefined ? null : value;
  switch (filter.type) {
    case 'equals':
      return sameJson(v, filter.value);
    case 'not_equals':
      return !sameJson(v, filter.value);
    case 'is_null':
      return v === null;
    case 'non_null':
      return v !== null;
    case 'contains':
      if (Array.isArray(v)) return v.some((item) => sameJson(item, filter.value));
      return typeof v === 'string' && typeof filter.value === 'string' && v.includes(filter.value);
    case 'and':
      return filter.filters.every((child) => matchesFilter(child, v));
    case 'or':
      return filter.filters.some((child) => matchesFilter(child, v));
    case 'not':
      return !matchesFilter(filter.filter, v);
    case 'field_accessor':
      return matchesFilter(filter.filter, isObject(v) && Object.hasOwn(v, filter.field) ? v[filter.field] : null);
    case 'any_array_value':
      return Array.isArray(v) && v.some((item) => matchesFilter(filter.filter, item));
    default: {
      const unreachable: never = filter;
      return unreachable;
    }
  }
}
