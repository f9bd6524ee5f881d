/**
 * From JSON to a checked `Selection`: loads the catalog, decides the result type, parses the query
 * and the sort. Shared by `/data/search/`, Smart Views and the bulk-action engine.
 */
import type { Db } from '../db/database.ts';
import type { ResultObjectType } from './ast.ts';
import { loadCatalog } from './catalog.ts';
import { parseQuery, parseSort, resultTypeOf } from './parse.ts';
import type { Selection } from './statements.ts';

export interface SelectionPaths {
  readonly query: string;
  readonly sort: string;
}

/** Parses `query` and `sort`; errors name `paths.query…` / `paths.sort…`. */
export async function prepareSelection(
  db: Db,
  organizationId: string,
  input: { readonly query: unknown; readonly sort?: unknown },
  paths: SelectionPaths = { query: 'query', sort: 'sort' },
  options: { readonly expanding?: readonly string[]; readonly resultType?: ResultObjectType } = {},
): Promise<Selection> {
  const catalog = await loadCatalog(db, organizationId, [input.query]);
  const resultType = resultTypeOf(input.query, paths.query);
  const query = parseQuery(input.query, paths.query, resultType, catalog, options.expanding ?? []);
  const sort = parseSort(input.sort, paths.sort, resultType, catalog);
  return { resultType, query, sort, queryPath: paths.query };
}
