/**
 * Loads what parsing needs from the database: the organization's custom fields, and every Smart View
 * a query reaches (directly or through other Smart Views), in a few small queries.
 */
import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import type { Catalog, CustomFieldDefinition, SavedSearchDefinition } from './parse.ts';

/** Most Smart Views one query may reach; beyond it the rest count as unknown (a 400). */
const MAX_SAVED_SEARCHES = 100;

function savedSearchIds(raw: unknown, out: Set<string>, depth = 0): void {
  if (depth > 64 || raw === null || typeof raw !== 'object') return;
  if (Array.isArray(raw)) {
    for (const item of raw.slice(0, 1000)) savedSearchIds(item, out, depth + 1);
    return;
  }
  const o = raw as Record<string, unknown>;
  const id = o.saved_search_id;
  // Only plausible ids reach the database (a NUL would be a database error); the parser reports the rest.
  if (o.type === 'saved_search' && typeof id === 'string' && id.length <= 200 && !id.includes('\u0000')) out.add(id);
  for (const key of ['queries', 'related_query']) savedSearchIds(o[key], out, depth + 1);
}

/** Loads the catalog for queries `raws` of organization `organizationId`. */
export async function loadCatalog(db: Db, organizationId: string, raws: readonly unknown[]): Promise<Catalog> {
  const fields = await db
    .selectFrom('custom_fields')
    .select(['id', 'object_type', 'type'])
    .where('organization_id', '=', organizationId)
    .execute();
  const customFields = new Map<string, CustomFieldDefinition>(fields.map((f) => [f.id, f]));

  const savedSearches = new Map<string, SavedSearchDefinition>();
  const wanted = new Set<string>();
  for (const raw of raws) savedSearchIds(raw, wanted);
  const asked = new Set<string>();
  while (wanted.size > 0 && asked.size < MAX_SAVED_SEARCHES) {
    const batch = [...wanted].filter((id) => !asked.has(id)).slice(0, MAX_SAVED_SEARCHES - asked.size);
    wanted.clear();
    if (batch.length === 0) break;
    batch.forEach((id) => asked.add(id));
    const rows = await db
      .selectFrom('saved_searches')
      .select(['id', 'type', sql<unknown>`s_query -> 'query'`.as('query')])
      .where('organization_id', '=', organizationId)
      .where('id', 'in', batch)
      .execute();
    for (const row of rows) {
      savedSearches.set(row.id, { id: row.id, type: row.type, query: row.query });
      savedSearchIds(row.query, wanted);
    }
  }
  return { customFields, savedSearches };
}
