/**
 * Offset pagination as Close's list endpoints do it: `_skip`, `_limit` (0 allowed), and the envelope
 * `{"data": [...], "has_more": bool}`. Handlers fetch `limit + 1` rows to learn `has_more` without a
 * count.
 */
import { Type, type Static } from 'typebox';

export const MAX_LIMIT = 200;

/** Query-string schema shared by list endpoints. */
export const ListQuery = Type.Object({
  _skip: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
  _limit: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_LIMIT, default: 100 })),
  _fields: Type.Optional(Type.String()),
});
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
