/**
 * The public face of Advanced Filtering, for the HTTP route and for other domains (bulk actions
 * select their leads with `compileLeadSelection`).
 */
import { CompiledQuery, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { fieldError } from '../errors.ts';
import { decodeCursor, encodeCursor, fingerprint } from './cursor.ts';
import { outputItems } from './output-fields.ts';
import { parseResultsLimit, parseSearchRequest } from './search-request.ts';
import { queryToJson, sortToJson } from './query-json.ts';
import { prepareSelection, type SelectionPaths } from './selection.ts';
import { countStatement, ordinalStatement, pageStatement, selectionSorts, type StatementScope } from './statements.ts';

export interface SearchScope {
  readonly db: Kysely<Database>;
  readonly organizationId: string;
  readonly userId: string;
  readonly tzOffsetMinutes: number;
  readonly now: Date;
}

export interface SearchResponse {
  data: Record<string, unknown>[];
  cursor: string | null;
  count?: { total: number; limited: number };
}

function statementScope(scope: SearchScope): StatementScope {
  return { organizationId: scope.organizationId, userId: scope.userId, clock: { now: scope.now, tzOffsetMinutes: scope.tzOffsetMinutes } };
}

/**
 * Validates s_query/sort (errors name `${paths.query}…`/`${paths.sort}…`), requires that it selects
 * leads (400 otherwise), and returns ONE parametrised statement selecting columns (id text, ordinal
 * bigint — 1-based position in sort order, ties by id), capped by resultsLimit, with the validated
 * query and sort as JSON.
 *
 * @example
 * const stmt = await compileLeadSelection(scope, { query: { type: 'match_all' }, resultsLimit: 10 });
 * const { rows } = await pool.query(stmt.text, stmt.values);
 */
export async function compileLeadSelection(
  scope: SearchScope,
  input: { query: unknown; sort?: unknown; resultsLimit?: number | null },
  paths: SelectionPaths = { query: 'query', sort: 'sort' },
): Promise<{ text: string; values: unknown[]; query: Record<string, unknown>; sort: Record<string, unknown>[] }> {
  const selection = await prepareSelection(scope.db, scope.organizationId, input, paths);
  if (selection.resultType !== 'lead') {
    throw fieldError(paths.query, `This query selects ${selection.resultType}s; bulk actions act on leads.`);
  }
  // Checked here too: a negative or fractional LIMIT would be a database error, not a 400.
  const resultsLimit = parseResultsLimit(input.resultsLimit, 'results_limit');
  const statement = ordinalStatement(selection, statementScope(scope), resultsLimit);
  // The validated query and sort as JSON, for callers that store the selection (query-json.ts).
  return { ...statement, query: queryToJson(selection.query), sort: sortToJson(selection.sort) };
}

/** Runs a /data/search/ request body. */
export async function search(scope: SearchScope, body: unknown): Promise<SearchResponse> {
  const request = parseSearchRequest(body);
  const selection = await prepareSelection(scope.db, scope.organizationId, { query: request.query, sort: request.sort });
  const stmtScope = statementScope(scope);
  const print = fingerprint([selection.resultType, selection.query, selection.sort]);
  const position = request.cursor === null ? null : decodeCursor(request.cursor, print, selectionSorts(selection, stmtScope));
  const returned = position?.returned ?? 0;
  const take = request.resultsLimit === null ? request.limit : Math.min(request.limit, Math.max(0, request.resultsLimit - returned));

  let data: Record<string, unknown>[] = [];
  let cursor: string | null = null;
  if (take > 0) {
    const page = pageStatement(selection, stmtScope, position, take + 1);
    const rows = await runRaw(scope.db, page.text, page.values);
    const pageRows = rows.slice(0, take);
    const more = rows.length > take && (request.resultsLimit === null || returned + take < request.resultsLimit);
    const last = pageRows.at(-1);
    if (more && last) {
      const values = Object.keys(last).filter((k) => /^k\d+$/.test(k)).sort((x, y) => Number(x.slice(1)) - Number(y.slice(1))).map((k) => last[k] ?? null);
      cursor = encodeCursor(print, { values, id: String(last.id), returned: returned + pageRows.length });
    }
    data = await outputItems(scope.db, selection.resultType, scope.organizationId, pageRows.map((r) => String(r.id)), request.fields[selection.resultType]);
  }
  const response: SearchResponse = { data, cursor };
  if (request.includeCounts) {
    const count = countStatement(selection, stmtScope);
    const [row] = await runRaw(scope.db, count.text, count.values);
    const total = Number(row?.total ?? 0);
    response.count = { total, limited: request.resultsLimit === null ? total : Math.min(total, request.resultsLimit) };
  }
  return response;
}

async function runRaw(db: Kysely<Database>, text: string, values: unknown[]): Promise<Record<string, string | null>[]> {
  const result = await db.executeQuery(CompiledQuery.raw(text, values));
  return result.rows as Record<string, string | null>[];
}
