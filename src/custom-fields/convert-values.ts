/**
 * After a field's type, choices or multiplicity change, stored values are brought to the new
 * definition in the same transaction as the change, so no reader ever sees a value its field's
 * definition does not allow. A value is converted when it can be (3 → "3" for text, a datetime to
 * its UTC date, a single value wrapped in a list, a list cut to its first item), and removed when
 * it cannot (a choice no longer offered, "abc" for a number).
 *
 * Objects are walked in id order, BATCH_SIZE at a time, and each batch is written with one UPDATE.
 * Only a change to type user or contact needs the database per value (to resolve references).
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { SluiceError } from '../errors.ts';
import { valueTable, type CustomFieldRow } from './field-repository.ts';
import { normalizeCustomValue, type CustomFieldDef } from './values.ts';

const BATCH_SIZE = 1000;

/** True when values stored under `before` may not fit `after`. */
export function valuesNeedConversion(before: CustomFieldDef, after: CustomFieldDef): boolean {
  if (before.type !== after.type || before.accepts_multiple_values !== after.accepts_multiple_values) return true;
  if (after.type !== 'choices') return false;
  const offered = new Set(after.choices ?? []);
  return (before.choices ?? []).some((choice) => !offered.has(choice));
}

function adaptItem(before: CustomFieldDef, after: CustomFieldDef, item: unknown): unknown {
  if (before.type === 'datetime' && after.type === 'date' && typeof item === 'string') return item.slice(0, 10);
  if (before.type === 'date' && after.type === 'datetime' && typeof item === 'string') return `${item}T00:00:00+00:00`;
  if ((after.type === 'text' || after.type === 'hidden' || after.type === 'choices') && typeof item === 'number') return String(item);
  return item;
}

/** The value `value` (stored under `before`) becomes under `after`; null means removed. */
export async function convertValue(
  db: Kysely<Database>,
  before: CustomFieldDef,
  after: CustomFieldDef,
  value: unknown,
  leadId: string | undefined,
): Promise<unknown> {
  const items = (Array.isArray(value) ? value : [value]).map((item) => adaptItem(before, after, item));
  if ((after.type === 'text' || after.type === 'hidden') && items.length > 1) {
    return items.filter((item) => typeof item === 'string').join(', ');
  }
  const single: CustomFieldDef = { ...after, accepts_multiple_values: false };
  const kept: unknown[] = [];
  for (const item of items) {
    try {
      const normalized = await normalizeCustomValue(db, after.organization_id, single, item, 'custom', { leadId });
      if (normalized !== null) kept.push(normalized);
    } catch (error) {
      if (!(error instanceof SluiceError)) throw error;
    }
  }
  if (!after.accepts_multiple_values) return kept[0] ?? null;
  const unique = [...new Set(kept)];
  return unique.length === 0 ? null : unique;
}

/** Converts every stored value of the field from `before` to `after`; returns how many objects changed. */
export async function convertStoredValues(db: Kysely<Database>, before: CustomFieldRow, after: CustomFieldDef): Promise<number> {
  const table = sql.table(valueTable(before.object_type));
  const leadColumn = before.object_type === 'lead' ? sql.ref('id') : sql.ref('lead_id');
  const fieldId = before.id;
  const beforeDef: CustomFieldDef = { ...after, type: before.type as CustomFieldDef['type'], choices: before.choices ?? null, accepts_multiple_values: before.accepts_multiple_values };
  let lastId = '';
  let changed = 0;
  for (;;) {
    const { rows } = await sql<{ id: string; lead_id: string; value: unknown }>`
      SELECT id, ${leadColumn} AS lead_id, custom -> ${fieldId}::text AS value FROM ${table}
      WHERE organization_id = ${before.organization_id} AND custom ? ${fieldId}::text AND id > ${lastId}
      ORDER BY id LIMIT ${BATCH_SIZE}`.execute(db);
    if (rows.length === 0) return changed;
    lastId = rows.at(-1)!.id;
    const ids: string[] = [];
    const values: (string | null)[] = [];
    for (const row of rows) {
      const next = await convertValue(db, beforeDef, after, row.value, row.lead_id);
      if (JSON.stringify(next) === JSON.stringify(row.value)) continue;
      ids.push(row.id);
      values.push(next === null ? null : JSON.stringify(next));
    }
    if (ids.length === 0) continue;
    await sql`
      UPDATE ${table} AS o
      SET custom = CASE WHEN v.value IS NULL THEN o.custom - ${fieldId}::text
                        ELSE jsonb_set(o.custom, ARRAY[${fieldId}::text], v.value) END
      FROM unnest(${ids}::text[], ${values}::jsonb[]) AS v(id, value)
      WHERE o.organization_id = ${before.organization_id} AND o.id = v.id`.execute(db);
    changed += ids.length;
  }
}
