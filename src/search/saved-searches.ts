/**
 * Smart Views (`/saved_search/`): a named `s_query` (`{query, results_limit?, sort?}`) of one object
 * type, checked exactly like a `/data/search/` body. The `saved_search` query type inlines them at
 * parse time; an update that would make a Smart View reach itself is refused (cycle guard).
 *
 * Close's Smart View also has `query`, the legacy search string (null for views made with an
 * `s_query`). Sluice stores the string a client sends and returns it as stored, null otherwise; it
 * runs Smart Views by `s_query` alone, so `s_query` stays required and `query` is never compiled.
 */
import type { Db } from '../db/database.ts';
import { fieldError } from '../errors.ts';
import { RESULT_OBJECT_TYPES, type ResultObjectType } from './ast.ts';
import { asObject } from './json-input.ts';
import { namedResultType } from './parse.ts';
import { parseResultsLimit } from './search-request.ts';
import { queryToJson, sortToJson } from './query-json.ts';
import { prepareSelection } from './selection.ts';
import { formatTimestamp } from '../time.ts';

export interface SavedSearchRow {
  id: string;
  organization_id: string;
  user_id: string | null;
  name: string;
  description: string | null;
  type: string;
  s_query: unknown;
  query: string | null;
  is_shared: boolean;
  created_by: string | null;
  updated_by: string | null;
  date_created: Date;
  date_updated: Date;
}

/** A Smart View as the API shows it. */
export function savedSearchResponse(row: SavedSearchRow): Record<string, unknown> {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    type: row.type,
    s_query: row.s_query,
    query: row.query,
    is_shared: row.is_shared,
    shared_with: [],
    // Close's per-user sharing object (null when none is set) and recent-use flag: Sluice shares
    // by `is_shared` only and keeps no usage history.
    sharing_settings: null,
    used_recently: false,
    is_user_dependent: false,
    selected_fields: [],
    user_id: row.user_id,
    organization_id: row.organization_id,
    created_by: row.created_by,
    updated_by: row.updated_by,
    date_created: formatTimestamp(row.date_created),
    date_updated: formatTimestamp(row.date_updated),
  };
}

/**
 * Checks `s_query` for a Smart View of `type` and returns what to store. `selfId` is the Smart View
 * being updated: reaching it again from its own query is a cycle.
 */
export async function checkSavedQuery(
  db: Db,
  organizationId: string,
  raw: unknown,
  type: ResultObjectType,
  selfId?: string,
): Promise<Record<string, unknown>> {
  const o = asObject(raw, 's_query', 'an object {query, results_limit?, sort?}');
  if (o.query === undefined || o.query === null) throw fieldError('s_query.query', 'This field is required.');
  const named = namedResultType(o.query, 's_query.query');
  if (named === undefined) {
    throw fieldError('s_query.query', `A saved search needs an object_type clause; add {"type": "object_type", "object_type": "${type}"}.`);
  }
  if (named !== type) throw fieldError('s_query.query', `This query finds ${named}s, but the saved search's type is "${type}".`);
  const selection = await prepareSelection(
    db,
    organizationId,
    { query: o.query, sort: o.sort },
    { query: 's_query.query', sort: 's_query.sort' },
    { expanding: selfId ? [selfId] : [] },
  );
  const resultsLimit = parseResultsLimit(o.results_limit, 's_query.results_limit');
  // What was validated is what is stored (query-json.ts), never the request's raw JSON.
  const stored: Record<string, unknown> = { query: queryToJson(selection.query) };
  if (resultsLimit !== null) stored.results_limit = resultsLimit;
  if (o.sort !== undefined && o.sort !== null) stored.sort = sortToJson(selection.sort);
  return stored;
}

/** The Smart View types Sluice can run. */
export const SAVED_SEARCH_TYPES: readonly ResultObjectType[] = RESULT_OBJECT_TYPES;
