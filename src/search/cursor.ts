/**
 * Stateless keyset cursors: base64url JSON of the last row's sort values and id, the number of rows
 * returned so far (for `results_limit` across pages), and a fingerprint of the query and sort. They
 * never expire and allow paging to any depth. Everything in a cursor is checked before it reaches
 * SQL, so a forged or damaged cursor is a 400 on `cursor`, never a database error.
 */
import { createHash } from 'node:crypto';
import { fieldError } from '../errors.ts';
import type { SortSql } from './keyset.ts';

export interface CursorPosition {
  readonly values: readonly (string | null)[];
  readonly id: string;
  readonly returned: number;
}

const NUMBER_RE = /^-?\d{1,1000}(\.\d{1,1000})?$/;
const TIMESTAMP_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.\d{6}$/;

/** A short digest of what a cursor belongs to. */
export function fingerprint(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 16);
}

/** Encodes a cursor. */
export function encodeCursor(print: string, position: CursorPosition): string {
  return Buffer.from(JSON.stringify({ f: print, v: position.values, i: position.id, n: position.returned })).toString('base64url');
}

function validTimestamp(value: string): boolean {
  const m = TIMESTAMP_RE.exec(value);
  if (!m) return false;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, s);
  return y >= 1 && date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d && date.getUTCHours() === h && date.getUTCMinutes() === mi && date.getUTCSeconds() === s;
}

function validValue(value: unknown, sort: SortSql): boolean {
  if (value === null) return true;
  if (typeof value !== 'string' || value.length > 10_000) return false;
  if (sort.kind === 'number' || sort.kind === 'count') return NUMBER_RE.test(value);
  if (sort.kind === 'datetime') return validTimestamp(value);
  return !value.includes('\u0000');
}

/** Decodes and checks a cursor for this query (`print`) and sort; a 400 on `cursor` otherwise. */
export function decodeCursor(raw: string, print: string, sorts: readonly SortSql[]): CursorPosition {
  const invalid = () => fieldError('cursor', 'Invalid cursor.');
  if (raw.length > 50_000 || !/^[A-Za-z0-9_-]+$/.test(raw)) throw invalid();
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (decoded === null || typeof decoded !== 'object') throw invalid();
  const { f, v, i, n } = decoded as Record<string, unknown>;
  if (f !== print) throw fieldError('cursor', 'This cursor belongs to a different query or sort.');
  if (!Array.isArray(v) || v.length !== sorts.length || !v.every((value, k) => validValue(value, sorts[k]!))) throw invalid();
  if (typeof i !== 'string' || i.length === 0 || i.length > 200 || i.includes('\u0000')) throw invalid();
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw invalid();
  return { values: v as (string | null)[], id: i, returned: n };
}
