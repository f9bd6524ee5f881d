/**
 * The SQL of a bulk edit batch. Each edit is ONE UPDATE of the one field it changes over the whole
 * batch, computed in SQL from the row's current (locked) value: no read-modify-write in JavaScript,
 * so a concurrent `PUT /lead/` of another field, or of another custom field key, is never lost.
 *
 * Shape of every statement: lock the batch's rows in id order (no deadlock against an overlapping
 * batch), compute `prev` and `next` of the field, update only rows where they differ (an edit
 * that changes nothing is `skipped` / `unchanged` and yields no event), return what changed.
 */
import { sql, type RawBuilder } from 'kysely';
import type { Trx } from '../kind.ts';

export type EditTarget = 'leads' | 'contacts';

/** How the new value of a field is computed from its current value `cur` (jsonb, may be NULL). */
export type FieldChange =
  | { readonly kind: 'status'; readonly statusId: string }
  | { readonly kind: 'set'; readonly key: string; readonly value: unknown }
  | { readonly kind: 'clear'; readonly key: string }
  | { readonly kind: 'add' | 'remove'; readonly key: string; readonly values: readonly unknown[] };

export interface ChangedRow {
  readonly id: string;
  readonly leadId: string;
  readonly prev: unknown;
  readonly next: unknown;
}

export interface EditBatchResult {
  /** Rows (leads, or contacts of the batch's leads) that exist, locked. */
  readonly seen: readonly { id: string; leadId: string }[];
  readonly changed: readonly ChangedRow[];
}

function currentList(key: string): RawBuilder<unknown> {
  return sql`(CASE
    WHEN t.custom -> ${key}::text IS NULL OR jsonb_typeof(t.custom -> ${key}::text) = 'null' THEN '[]'::jsonb
    WHEN jsonb_typeof(t.custom -> ${key}::text) = 'array' THEN t.custom -> ${key}::text
    ELSE jsonb_build_array(t.custom -> ${key}::text) END)`;
}

function prevExpr(change: FieldChange): RawBuilder<unknown> {
  return change.kind === 'status' ? sql`to_jsonb(t.status_id)` : sql`t.custom -> ${change.key}::text`;
}

/** The new value; SQL NULL means "no value" (the key is removed). */
function nextExpr(change: FieldChange): RawBuilder<unknown> {
  switch (change.kind) {
    case 'status':
      return sql`to_jsonb(${change.statusId}::text)`;
    case 'set':
      return change.value === null ? sql`NULL::jsonb` : sql`${JSON.stringify(change.value)}::jsonb`;
    case 'clear':
      return sql`NULL::jsonb`;
    case 'add':
      // Union keeping first-seen order.
      return sql`(SELECT jsonb_agg(v ORDER BY o) FROM (
        SELECT v, min(o) AS o FROM jsonb_array_elements(${currentList(change.key)} || ${JSON.stringify(change.values)}::jsonb)
          WITH ORDINALITY AS e(v, o) GROUP BY v) AS u)`;
    case 'remove':
      // jsonb_agg of nothing is NULL: an emptied list removes the key.
      return sql`(SELECT jsonb_agg(v ORDER BY o) FROM jsonb_array_elements(${currentList(change.key)})
        WITH ORDINALITY AS e(v, o) WHERE NOT ${JSON.stringify(change.values)}::jsonb @> jsonb_build_array(v))`;
    default: {
      const never: never = change;
      throw new Error(`unknown change ${JSON.stringify(never)}`);
    }
  }
}

function setExpr(change: FieldChange): RawBuilder<unknown> {
  if (change.kind === 'status') return sql`status_id = o.next #>> '{}'`;
  return sql`custom = CASE WHEN o.next IS NULL THEN t.custom - ${change.key}::text
    ELSE jsonb_set(t.custom, ARRAY[${change.key}::text], o.next) END`;
}

/** Applies `change` to the leads `leadIds` (or to every contact of them) in one UPDATE. */
export async function applyEdit(
  trx: Trx,
  target: EditTarget,
  organizationId: string,
  leadIds: readonly string[],
  change: FieldChange,
  userId: string,
): Promise<EditBatchResult> {
  const table = sql.table(target);
  const leadCol = target === 'leads' ? sql.ref('t.id') : sql.ref('t.lead_id');
  const result = await sql<{ id: string; lead_id: string; changed: boolean; prev: unknown; next: unknown }>`
    WITH o AS (
      SELECT t.id, ${leadCol} AS lead_id, ${prevExpr(change)} AS prev, ${nextExpr(change)} AS next
      FROM ${table} AS t
      WHERE t.organization_id = ${organizationId} AND ${leadCol} = ANY(${leadIds}::text[])
      ORDER BY t.id
      FOR UPDATE
    ), u AS (
      UPDATE ${table} AS t SET ${setExpr(change)}, date_updated = now(), updated_by = ${userId}
      FROM o
      WHERE t.organization_id = ${organizationId} AND t.id = o.id AND o.next IS DISTINCT FROM o.prev
      RETURNING t.id
    )
    SELECT o.id, o.lead_id, (u.id IS NOT NULL) AS changed, o.prev, o.next FROM o LEFT JOIN u ON u.id = o.id
  `.execute(trx);
  return {
    seen: result.rows.map((row) => ({ id: row.id, leadId: row.lead_id })),
    changed: result.rows
      .filter((row) => row.changed)
      .map((row) => ({ id: row.id, leadId: row.lead_id, prev: row.prev, next: row.next })),
  };
}
