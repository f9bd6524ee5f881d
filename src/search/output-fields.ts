/**
 * `_fields` of `/data/search/`: an object keyed by object type. The common fields come straight
 * from one SQL query over the page's ids; anything else (nested contacts, emails, addresses …) is
 * taken from the full objects the leads and contacts domains serialise.
 */
import { sql } from 'kysely';
import { customKeys, loadContactObjects } from '../contacts/serialize.ts';
import { customDict, loadFieldNames, type FieldNames } from '../custom-fields/custom-dict.ts';
import type { Db } from '../db/database.ts';
import { loadLeadObjects } from '../leads/serialize.ts';
import { formatTimestamp } from '../time.ts';
import type { ResultObjectType } from './ast.ts';

const DIRECT: Readonly<Record<ResultObjectType, readonly string[]>> = {
  lead: ['id', 'organization_id', 'name', 'display_name', 'description', 'url', 'status_id', 'status_label', 'created_by', 'updated_by', 'date_created', 'date_updated'],
  contact: ['id', 'organization_id', 'lead_id', 'name', 'display_name', 'title', 'created_by', 'updated_by', 'date_created', 'date_updated'],
};

function isDirect(type: ResultObjectType, name: string): boolean {
  return DIRECT[type].includes(name) || name === 'custom' || name.startsWith('custom.');
}

/** `names` (field id → name) adds the deprecated `custom` dict; without it the dict is left out. */
async function directRows(
  db: Db,
  type: ResultObjectType,
  organizationId: string,
  ids: readonly string[],
  names: FieldNames | undefined,
): Promise<Map<string, Record<string, unknown>>> {
  const idList = [...ids];
  const rows =
    type === 'lead'
      ? (
          await sql<Record<string, unknown>>`
            SELECT l.id, l.organization_id, l.name, l.description, l.url, l.status_id, s.label AS status_label,
                   l.created_by, l.updated_by, l.date_created, l.date_updated, l.custom,
                   COALESCE(NULLIF(l.name, ''), (SELECT c.name FROM contacts c WHERE c.organization_id = l.organization_id
                     AND c.lead_id = l.id AND c.name <> '' ORDER BY c.date_created, c.id LIMIT 1), '') AS display_name
            FROM leads l LEFT JOIN lead_statuses s ON s.id = l.status_id AND s.organization_id = l.organization_id
            WHERE l.organization_id = ${organizationId} AND l.id = ANY(${idList}::text[])`.execute(db)
        ).rows
      : (
          await sql<Record<string, unknown>>`
            SELECT c.id, c.organization_id, c.lead_id, c.name, c.title, c.created_by, c.updated_by, c.date_created,
                   c.date_updated, c.custom,
                   COALESCE(NULLIF(c.name, ''), (SELECT e.email FROM contact_emails e WHERE e.organization_id = c.organization_id
                     AND e.contact_id = c.id ORDER BY e.position LIMIT 1), '') AS display_name
            FROM contacts c WHERE c.organization_id = ${organizationId} AND c.id = ANY(${idList}::text[])`.execute(db)
        ).rows;
  const out = new Map<string, Record<string, unknown>>();
  for (const row of rows) {
    const { custom, date_created, date_updated, ...rest } = row;
    out.set(String(row.id), {
      ...rest,
      date_created: formatTimestamp(date_created as Date),
      date_updated: formatTimestamp(date_updated as Date),
      ...(names ? { custom: customDict(custom, names) } : {}),
      ...customKeys(custom),
    });
  }
  return out;
}

function pick(object: Record<string, unknown>, names: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of names) {
    if (name === 'custom') {
      // `custom` is every custom field: the deprecated dict by name and each `custom.cf_…` key.
      for (const [key, value] of Object.entries(object)) if (key === 'custom' || key.startsWith('custom.')) out[key] = value;
    } else if (Object.hasOwn(object, name)) {
      out[name] = object[name];
    }
  }
  return out;
}

/** The response items for `ids` (in order), with the `_fields` asked for their type. */
export async function outputItems(
  db: Db,
  type: ResultObjectType,
  organizationId: string,
  ids: readonly string[],
  names: readonly string[] | undefined,
): Promise<Record<string, unknown>[]> {
  const base = (id: string) => ({ __object_type: type, id });
  if (!names || names.length === 0 || ids.length === 0) return ids.map(base);
  const fieldNames = names.includes('custom') ? await loadFieldNames(db, organizationId, type) : undefined;
  const direct = await directRows(db, type, organizationId, ids, fieldNames);
  const needsFull = names.some((n) => !isDirect(type, n));
  const full = needsFull
    ? type === 'lead'
      ? await loadLeadObjects(db, organizationId, ids)
      : await loadContactObjects(db, organizationId, ids)
    : new Map<string, Record<string, unknown>>();
  return ids.map((id) => ({ ...base(id), ...pick({ ...(full.get(id) ?? {}), ...(direct.get(id) ?? {}) }, names) }));
}
