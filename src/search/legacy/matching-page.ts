/**
 * One offset page of a legacy query's matches (`_skip`, `_limit`, one extra row to learn
 * `has_more`) and their total, for the list routes. Both are single statements from statements.ts.
 */
import { CompiledQuery, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import type { Page } from '../../http/pagination.ts';
import { countStatement, offsetPageStatement, type Selection, type StatementScope } from '../statements.ts';

/** The ids of the page's rows in order, plus one more row when there is one (`has_more`). */
export async function matchingIds(db: Kysely<Database>, selection: Selection, scope: StatementScope, page: Page): Promise<string[]> {
  const stmt = offsetPageStatement(selection, scope, page.skip, page.limit + 1);
  const result = await db.executeQuery<{ id: string }>(CompiledQuery.raw(stmt.text, stmt.values));
  return result.rows.map((r) => r.id);
}

/** How many objects match. */
export async function countMatches(db: Kysely<Database>, selection: Selection, scope: StatementScope): Promise<number> {
  const stmt = countStatement(selection, scope);
  const result = await db.executeQuery<{ total: string }>(CompiledQuery.raw(stmt.text, stmt.values));
  return Number(result.rows[0]?.total ?? 0);
}
