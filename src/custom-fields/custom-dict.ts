/**
 * The deprecated `custom` dict Close still returns on leads and contacts next to the `custom.cf_…`
 * keys: the same values keyed by field NAME. Close's own scripts read it (`lead['custom'][name]`)
 * and it is what a client posting the nested `custom` map gets back. Values are exactly the
 * `custom.cf_…` values (lists for multi-value fields, user and contact ids for reference fields);
 * fields without a value are absent, as their `custom.cf_…` keys are.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';

/** Field id → name for one object type of one organization, in the fields' creation order. */
export type FieldNames = ReadonlyMap<string, string>;

/** Loads the names `customDict` keys by (one query; names are unique per object type). */
export async function loadFieldNames(
  db: Kysely<Database>,
  organizationId: string,
  objectType: 'lead' | 'contact',
): Promise<FieldNames> {
  const rows = await db
    .selectFrom('custom_fields')
    .select(['id', 'name'])
    .where('organization_id', '=', organizationId)
    .where('object_type', '=', objectType)
    .orderBy('date_created')
    .orderBy('id')
    .execute();
  return new Map(rows.map((row) => [row.id, row.name]));
}

/**
 * The `custom` dict of a stored `custom` column (keyed by field id). Only fields of `names` appear:
 * a stored key of no current field (another organization's id can never be stored, but a value left
 * by a field deleted mid-request could) is not shown under any name.
 *
 * @example customDict({ cf_a: 'x' }, new Map([['cf_a', 'Source']])) // { Source: 'x' }
 */
export function customDict(custom: unknown, names: FieldNames): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (custom === null || typeof custom !== 'object') return out;
  const stored = custom as Record<string, unknown>;
  for (const [id, name] of names) {
    const value = stored[id];
    if (value !== null && value !== undefined) out[name] = value;
  }
  return out;
}
