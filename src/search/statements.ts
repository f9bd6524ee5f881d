/**
 * The statements a search runs, each ONE parametrised SQL text over the result type's table aliased
 * `a`, confined to the organization ($1): a page (keyset), a count, and the ordinal selection bulk
 * actions consume.
 */
import type { Query, ResultObjectType, SortKey } from './ast.ts';
import { compileQuery } from './compile.ts';
import type { CursorPosition } from './cursor.ts';
import { objectTypeDef } from './fields.ts';
import { cursorValueSql, DEFAULT_SORT, keysetAfter, orderBy, sortSql, type SortSql } from './keyset.ts';
import type { MomentClock } from './moments.ts';
import { ParameterLimitError, SqlBuilder } from './sql-builder.ts';
import { fieldError } from '../errors.ts';
import { LIMITS } from './json-input.ts';

export interface Selection {
  readonly resultType: ResultObjectType;
  readonly query: Query;
  /** Sort keys as requested (empty: the default order). */
  readonly sort: readonly SortKey[];
  /** Where the query was in the request (`query`, `s_query`), for errors found while compiling. */
  readonly queryPath?: string;
}

export interface StatementScope {
  readonly organizationId: string;
  readonly userId: string;
  readonly clock: MomentClock;
}

export interface Statement {
  readonly text: string;
  readonly values: unknown[];
}

const ALIAS = 'a';

/** Runs `build`, turning a statement over the parameter limit into a 400 on the query. */
function bounded<T>(selection: Selection, build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (!(error instanceof ParameterLimitError)) throw error;
    throw fieldError(
      selection.queryPath ?? 'query',
      `This query needs more than ${LIMITS.parameters} values (terms, words, ids); split it into smaller queries.`,
    );
  }
}

function start(selection: Selection, scope: StatementScope) {
  const b = new SqlBuilder(scope.organizationId);
  const table = objectTypeDef(selection.resultType)!.table;
  const predicate = compileQuery(selection.query, selection.resultType, ALIAS, { b, userId: scope.userId, clock: scope.clock });
  const keys = selection.sort.length > 0 ? selection.sort : DEFAULT_SORT(selection.resultType);
  const sorts = sortSql(keys, ALIAS, b);
  return { b, from: `FROM ${table} ${ALIAS} WHERE ${ALIAS}.organization_id = $1 AND ${predicate}`, sorts };
}

/** The sort keys' SQL of a selection (for decoding cursors before building the page). */
export function selectionSorts(selection: Selection, scope: StatementScope): SortSql[] {
  return bounded(selection, () => start(selection, scope).sorts);
}

/** One page: `id` and the sort keys as text (`k0`, `k1`, …), `limit` rows after `cursor`. */
export function pageStatement(selection: Selection, scope: StatementScope, cursor: CursorPosition | null, limit: number): Statement {
  return bounded(selection, () => {
    const { b, from, sorts } = start(selection, scope);
    const keyset = cursor ? ` AND ${keysetAfter(sorts, cursor.values, cursor.id, ALIAS, b)}` : '';
    const columns = [`${ALIAS}.id AS id`, ...sorts.map((s, i) => `${cursorValueSql(s)} AS k${i}`)].join(', ');
    const text = `SELECT ${columns} ${from}${keyset} ORDER BY ${orderBy(sorts, ALIAS)} LIMIT ${b.param(limit)}`;
    return { text, values: b.values };
  });
}

/**
 * `id` of `limit` rows after the first `skip`, in sort order: the offset lists (`_skip`/`_limit`)
 * of `GET /lead/?query=` and `GET /contact/?query=`. The offset is bounded by the lists' `_skip`
 * limit (SKIP_MAX), so the rows read and dropped stay few.
 */
export function offsetPageStatement(selection: Selection, scope: StatementScope, skip: number, limit: number): Statement {
  return bounded(selection, () => {
    const { b, from, sorts } = start(selection, scope);
    const text = `SELECT ${ALIAS}.id AS id ${from} ORDER BY ${orderBy(sorts, ALIAS)} OFFSET ${b.param(skip)} LIMIT ${b.param(limit)}`;
    return { text, values: b.values };
  });
}

/** `total`: how many objects match. */
export function countStatement(selection: Selection, scope: StatementScope): Statement {
  return bounded(selection, () => {
    const { b, from } = start({ ...selection, sort: [] }, scope);
    return { text: `SELECT count(*)::bigint AS total ${from}`, values: b.values };
  });
}

/** `id` and `ordinal` (1-based position in the sort order), at most `resultsLimit` rows. */
export function ordinalStatement(selection: Selection, scope: StatementScope, resultsLimit: number | null): Statement {
  return bounded(selection, () => {
    const { b, from, sorts } = start(selection, scope);
    const order = orderBy(sorts, ALIAS);
    const limit = resultsLimit === null ? '' : ` LIMIT ${b.param(resultsLimit)}`;
    const text = `SELECT ${ALIAS}.id AS id, row_number() OVER (ORDER BY ${order}) AS ordinal ${from} ORDER BY ${order}${limit}`;
    return { text, values: b.values };
  });
}
