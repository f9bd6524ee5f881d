/**
 * The body of `POST /data/search/` (and the `s_query` of Smart Views and bulk actions), checked
 * field by field so each refusal names its path. `_limit` defaults to 100 and is at most 200.
 */
import { badRequest, fieldError } from '../errors.ts';
import { RESULT_OBJECT_TYPES, type ResultObjectType } from './ast.ts';
import { asObject, asStringList, at, describe } from './json-input.ts';

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 200;

export interface SearchRequest {
  readonly query: unknown;
  readonly sort: unknown;
  readonly limit: number;
  readonly cursor: string | null;
  readonly resultsLimit: number | null;
  readonly includeCounts: boolean;
  readonly fields: Partial<Record<ResultObjectType, string[]>>;
}

/** `results_limit`: null/absent, or a whole number ≥ 0. */
export function parseResultsLimit(raw: unknown, path: string): number | null {
  if (raw === undefined || raw === null) return null;
  if (typeof raw !== 'number' || !Number.isSafeInteger(raw) || raw < 0) {
    throw fieldError(path, `Expected a whole number of at least 0 or null, got ${describe(raw)}.`);
  }
  return raw;
}

function parseLimit(raw: unknown): number {
  if (raw === undefined || raw === null) return DEFAULT_LIMIT;
  if (typeof raw !== 'number' || !Number.isInteger(raw)) throw fieldError('_limit', `Input should be a valid integer, got ${describe(raw)}.`);
  if (raw > MAX_LIMIT) throw fieldError('_limit', `Input should be less than or equal to ${MAX_LIMIT}`);
  if (raw < 1) throw fieldError('_limit', 'Input should be greater than or equal to 1');
  return raw;
}

function parseCursorParam(raw: unknown): string | null {
  if (raw === undefined || raw === null || raw === '') return null;
  if (typeof raw !== 'string') throw fieldError('cursor', `Expected a cursor string or null, got ${describe(raw)}.`);
  return raw;
}

function parseFields(raw: unknown): SearchRequest['fields'] {
  if (raw === undefined || raw === null) return {};
  const o = asObject(raw, '_fields', 'an object keyed by object type, e.g. {"lead": ["id", "display_name"]}');
  const out: Partial<Record<ResultObjectType, string[]>> = {};
  for (const [key, value] of Object.entries(o)) {
    if (!(RESULT_OBJECT_TYPES as readonly string[]).includes(key)) continue;
    out[key as ResultObjectType] = asStringList(value, at('_fields', key));
  }
  return out;
}

/** Reads a `/data/search/` body. */
export function parseSearchRequest(body: unknown): SearchRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badRequest('The request body must be a JSON object.');
  const o = body as Record<string, unknown>;
  if (o.query === undefined || o.query === null) throw fieldError('query', 'This field is required.');
  if (o.include_counts !== undefined && o.include_counts !== null && typeof o.include_counts !== 'boolean') {
    throw fieldError('include_counts', `Expected true or false, got ${describe(o.include_counts)}.`);
  }
  return {
    query: o.query,
    sort: o.sort,
    limit: parseLimit(o._limit),
    cursor: parseCursorParam(o.cursor),
    resultsLimit: parseResultsLimit(o.results_limit, 'results_limit'),
    includeCounts: o.include_counts === true,
    fields: parseFields(o._fields),
  };
}
