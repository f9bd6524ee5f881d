/**
 * Reading untrusted JSON by hand, so that every refusal names the exact path of the bad value
 * (`query.queries[1].condition.mode`) and says what is allowed there.
 */
import { fieldError } from '../errors.ts';
import { textProblem } from '../http/input-guard.ts';

export type JsonObject = Readonly<Record<string, unknown>>;

/**
 * Limits that keep any query's cost bounded. Each word of a text condition becomes its own regular
 * expression (and, on leads, its own sub-queries), so words are bounded per value (after removing
 * duplicates) and in all; the bind parameters of one statement are bounded far below PostgreSQL's
 * 65,535, and every statement runs under DB_STATEMENT_TIMEOUT_MS besides.
 */
export const LIMITS = {
  depth: 32,
  nodes: 1000,
  listItems: 1000,
  stringLength: 1000,
  /** Distinct words in one text value. */
  textWords: 20,
  /** Distinct words of all text values of one query, Smart Views it uses included. */
  queryWords: 100,
  /** Bind parameters of one compiled statement. */
  parameters: 10_000,
  /** Parts a `slice` query may split the objects into (a million leads in slices of 10). */
  totalSlices: 100_000,
} as const;

export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value).slice(0, 40)}`;
}

/** `value` as an object, or a 400 at `path`. */
export function asObject(value: unknown, path: string, what = 'an object'): JsonObject {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw fieldError(path, `Expected ${what}, got ${describe(value)}.`);
  }
  return value as JsonObject;
}

/** `value` as a list, or a 400 at `path`. */
export function asList(value: unknown, path: string, what = 'a list'): readonly unknown[] {
  if (!Array.isArray(value)) throw fieldError(path, `Expected ${what}, got ${describe(value)}.`);
  if (value.length > LIMITS.listItems) throw fieldError(path, `At most ${LIMITS.listItems} items are allowed here.`);
  return value;
}

/** A string of at most LIMITS.stringLength characters, or a 400 at `path`. */
export function asString(value: unknown, path: string, { allowEmpty = true } = {}): string {
  if (typeof value !== 'string') throw fieldError(path, `Expected a string, got ${describe(value)}.`);
  if (!allowEmpty && value === '') throw fieldError(path, 'This field may not be blank.');
  if (value.length > LIMITS.stringLength) throw fieldError(path, `At most ${LIMITS.stringLength} characters are allowed here.`);
  // Requests were checked at the edge; stored queries (Smart Views) come through here too.
  const problem = textProblem(value);
  if (problem) throw fieldError(path, problem);
  return value;
}

/** One of `allowed`, or a 400 at `path` listing them. */
export function asEnum<T extends string>(value: unknown, path: string, allowed: readonly T[]): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw fieldError(path, `Must be one of: ${allowed.map((a) => `"${a}"`).join(', ')}; got ${describe(value)}.`);
}

/** A list of strings, or a 400 naming the first bad item. */
export function asStringList(value: unknown, path: string): string[] {
  return asList(value, path, 'a list of strings').map((item, i) => asString(item, `${path}[${i}]`));
}

/** An optional finite number (absent and null mean none), or a 400 at `path`. */
export function asOptionalNumber(value: unknown, path: string): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw fieldError(path, `Expected a number or null, got ${describe(value)}.`);
  }
  return value;
}

/** `negate`: absent or null is false. */
export function asNegate(value: unknown, path: string): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') throw fieldError(path, `Expected true or false, got ${describe(value)}.`);
  return value;
}

/** Joins a path and a key. */
export function at(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path === '' ? key : `${path}.${key}`;
}
