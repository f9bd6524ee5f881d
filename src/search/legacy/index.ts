/**
 * Close's legacy search string (`GET /lead/?query=…`, `GET /contact/?query=…`) as an Advanced
 * Filtering selection: tokenize.ts → parse-syntax.ts → translate.ts (with the organization's
 * statuses and custom fields) → the `{query, sort}` JSON of `/data/search/` → parse.ts, the same
 * checks and AST as `/data/search/`, compiled by the same compiler. Nothing of the string is
 * dropped: a term that cannot be translated is a 400 on `query` quoting it.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { fieldError, SluiceError } from '../../errors.ts';
import type { Query, ResultObjectType } from '../ast.ts';
import { loadCatalog } from '../catalog.ts';
import { parseQuery, parseSort } from '../parse.ts';
import type { Selection, StatementScope } from '../statements.ts';
import type { RequestContext } from '../../http/context.ts';
import { parseSyntax } from './parse-syntax.ts';
import { translate, type LegacyTranslation } from './translate.ts';
import { loadVocabulary } from './vocabulary.ts';

export type { LegacyTranslation } from './translate.ts';

/**
 * The `/data/search/` request (`query`, `sort`) that a legacy string stands for.
 *
 * @example
 * await translateLegacyQuery(db, orgId, 'lead_status:Potential contacts > 1 sort:-created', 'lead');
 * // {query: {type: 'and', queries: [{type: 'field_condition', …status_id…}, {…num_contacts gt 1…}]},
 * //  sort: [{direction: 'desc', field: {type: 'regular_field', object_type: 'lead', field_name: 'date_created'}}]}
 */
export async function translateLegacyQuery(
  db: Kysely<Database>,
  organizationId: string,
  text: string,
  resultType: ResultObjectType,
): Promise<LegacyTranslation> {
  const syntax = parseSyntax(text);
  return translate(syntax, resultType, await loadVocabulary(db, organizationId));
}

/**
 * The checked selection of a legacy string, with `extra` (other filters of the list, e.g. `lead_id`)
 * joined to it by `and`.
 */
export async function legacySelection(
  db: Kysely<Database>,
  organizationId: string,
  text: string,
  resultType: ResultObjectType,
  extra: readonly Query[] = [],
): Promise<Selection> {
  const translation = await translateLegacyQuery(db, organizationId, text, resultType);
  const catalog = await loadCatalog(db, organizationId, []);
  let query: Query;
  try {
    query = parseQuery(translation.query, 'query', resultType, catalog);
    const sort = parseSort(translation.sort, 'sort', resultType, catalog);
    if (extra.length > 0) query = { type: 'and', negate: false, queries: [query, ...extra] };
    return { resultType, query, sort, queryPath: 'query' };
  } catch (error) {
    // The terms were checked one by one; what is left are limits of the query as a whole (nodes,
    // depth, words), reported on `query` rather than on a JSON path the caller never wrote.
    if (!(error instanceof SluiceError)) throw error;
    throw fieldError('query', Object.values(error.fieldErrors)[0] ?? error.message);
  }
}

/** What a list route needs to page through a legacy query's matches. */
export interface ListSearch {
  readonly selection: Selection;
  readonly scope: StatementScope;
}

/** The legacy `query` of a list request, for `matchingIds` / `countMatches` (matching-page.ts). */
export async function listSearch(ctx: RequestContext, text: string, resultType: ResultObjectType, extra: readonly Query[] = []): Promise<ListSearch> {
  const selection = await legacySelection(ctx.db, ctx.organizationId, text, resultType, extra);
  // Relative dates (`created:today`) follow X-TZ-Offset, as in /data/search/.
  const scope = { organizationId: ctx.organizationId, userId: ctx.userId, clock: { now: ctx.clock.now(), tzOffsetMinutes: ctx.tzOffsetMinutes } };
  return { selection, scope };
}
