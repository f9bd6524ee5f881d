/**
 * `GET /lead/`: the organization's leads oldest first, with Close's `total_results`; with a legacy
 * `query`, the leads it matches in its `sort:` order (else oldest first), paged the same way.
 *
 * Cost per call: the page is an index range scan of leads_org_created_idx (organization_id,
 * date_created, id) that reads `_skip + _limit + 1` index entries and no sort; the objects are built
 * only from the parts `_fields` asks for (see loadLeadObjects); and the count, an index-only scan
 * over the organization's leads, runs only when the page cannot tell the total itself (a page that
 * ends the list knows it: `_skip` plus the rows it holds).
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Page } from '../http/pagination.ts';
import type { ListSearch } from '../search/legacy/index.ts';
import { countMatches, matchingIds } from '../search/legacy/matching-page.ts';
import { loadLeadObjects } from './serialize.ts';

/** The page query: ids of one page, in list order, fetching one extra row to learn `has_more`. */
export function leadPageQuery(db: Kysely<Database>, organizationId: string, page: Page) {
  return db
    .selectFrom('leads')
    .select('id')
    .where('organization_id', '=', organizationId)
    .orderBy('date_created')
    .orderBy('id')
    .offset(page.skip)
    .limit(page.limit + 1);
}

async function countLeads(db: Kysely<Database>, organizationId: string): Promise<number> {
  const row = await sql<{ n: string }>`SELECT count(*) AS n FROM leads WHERE organization_id = ${organizationId}`.execute(db);
  return Number(row.rows[0]!.n);
}

/**
 * One page of `GET /lead/`: `{data, has_more, total_results}`, objects restricted to `fields` when
 * given, only the leads `search` matches when given.
 */
export async function listLeads(
  db: Kysely<Database>,
  organizationId: string,
  page: Page,
  opts: { publicUrl: string; fields?: readonly string[]; search?: ListSearch },
): Promise<{ data: Record<string, unknown>[]; has_more: boolean; total_results: number }> {
  const { search } = opts;
  const rows = search
    ? (await matchingIds(db, search.selection, search.scope, page)).map((id) => ({ id }))
    : await leadPageQuery(db, organizationId, page).execute();
  const hasMore = rows.length > page.limit;
  // A page with rows and nothing after it ends the list, so it knows the total; otherwise count.
  const total = !hasMore && rows.length > 0 ? page.skip + rows.length : !hasMore && page.skip === 0 ? 0 : undefined;
  const [objects, totalResults] = await Promise.all([
    loadLeadObjects(db, organizationId, rows.slice(0, page.limit).map((r) => r.id), opts),
    total ?? (search ? countMatches(db, search.selection, search.scope) : countLeads(db, organizationId)),
  ]);
  const data = rows.slice(0, page.limit).map((r) => objects.get(r.id)).filter((o) => o !== undefined);
  return { data, has_more: hasMore, total_results: totalResults };
}
