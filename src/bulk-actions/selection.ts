/**
 * The lead selection of a bulk action: its `s_query`, `sort` and `results_limit`, compiled by the
 * Advanced Filtering compiler into one statement of `(id, ordinal)` rows. Validation at create and
 * materialisation at loading use the same compiler, so what was accepted is what is loaded.
 */
import type { Db } from '../db/database.ts';
import { compileLeadSelection } from '../search/index.ts';

export interface SelectionInput {
  readonly organizationId: string;
  readonly userId: string;
  readonly tzOffsetMinutes: number;
  readonly now: Date;
  readonly sQuery: unknown;
  readonly sort: unknown;
  readonly resultsLimit: number | null;
}

/**
 * Compiles (and so validates: 400s name `s_query…`/`sort…` paths) the selection of an action; also
 * returns the validated `s_query` and `sort` as JSON, which is what an action stores.
 */
export async function compileSelection(
  db: Db,
  input: SelectionInput,
): Promise<{ text: string; values: unknown[]; sQuery: Record<string, unknown>; sort: Record<string, unknown>[] }> {
  const compiled = await compileLeadSelection(
    { db, organizationId: input.organizationId, userId: input.userId, tzOffsetMinutes: input.tzOffsetMinutes, now: input.now },
    { query: input.sQuery, sort: input.sort, resultsLimit: input.resultsLimit },
    { query: 's_query', sort: 'sort' },
  );
  return { text: compiled.text, values: [...compiled.values], sQuery: compiled.query, sort: compiled.sort };
}
