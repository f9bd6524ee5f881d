/**
 * Offset pagination as Close's list endpoints do it: `_skip`, `_limit` (0 allowed), and the envelope
 * `{"data": [...], "has_more": bool}`. Handlers fetch `limit + 1` rows to learn `has_more` without a
 * count.
 */
import { Type, type Static } from 'typebox';
import { FieldsParam } from './common-schemas.ts';
import { SKIP_MAX } from './input-limits.ts';

export const MAX_LIMIT = 200;

/** The list query string with `_skip` bounded by `maxSkip` (a 400 naming `_skip` above it). */
export function listQuery(maxSkip: number) {
  return Type.Object({
    _skip: Type.Optional(Type.Integer({ minimum: 0, maximum: maxSkip, default: 0 })),
    _limit: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_LIMIT, default: 100 })),
    _fields: Type.Optional(FieldsParam),
  });
}

/**
 * Query-string schema shared by list endpoints. `_skip` stops at Close's 35,000 (SKIP_MAX explains
 * the cost behind it); a route that can page deeper cheaply uses `listQuery` with its own bound.
 */
export const ListQuery = listQuery(SKIP_MAX);
export type ListQuery = Static<typeof ListQuery>;

export interface Page {
  readonly skip: number;
  readonly limit: number;
}

/** The page a request asks for. */
export function pageOf(query: { _skip?: number; _limit?: number }): Page {
  return { skip: query._skip ?? 0, limit: query._limit ?? 100 };
}

/** Builds the list envelope from up to `limit + 1` fetched rows. */
export function envelope<T>(rows: readonly T[], page: Page, extra: Record<string, unknown> = {}): {
  data: T[];
  has_more: boolean;
} {
  return { data: rows.slice(0, page.limit), has_more: rows.length > page.limit, ...extra };
}
