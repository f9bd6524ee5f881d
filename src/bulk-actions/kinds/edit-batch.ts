/**
 * The SQL of a bulk edit batch. Each edit is ONE UPDATE of the one field it changes over the whole
 * batch, computed in SQL from the row's current value: no read-modify-write in JavaScript, so a
 * concurrent `PUT /lead/` of another field, or of another custom field key, is never lost.
 *
 * Shape of every statement: read the batch's rows in id order with `prev` and `next` of the field,
 * update only rows where they differ (an edit that changes nothing is `skipped` / `unchanged` and
 * yields no event) and where the field still holds `prev`, return what changed; rows a concurrent
 * write got to first are done again under row locks (editStatement says why not always locked).
 */
import { sql, type RawBuilder } from 'kysely';
import { eventIdSql } from '../../events/event-id-sql.ts';
import type { Trx } from '../kind.ts';

export type EditTarget = 'leads' | 'contacts';

/** How the new value of a field is computed from its current value `cur` (jsonb, may be NULL). */
export type FieldChange =
  | { readonly kind: 'status'; readonly statusId: string }
  | { readonly kind: 'set'; readonly key: string; readonly value: unknown }
  | { readonly kind: 'clear'; readonly key: string }
  | { readonly kind: 'add' | 'remove'; readonly key: string; readonly values: readonly unknown[] };

export interface EditBatchResult {
  /** Rows (leads, or contacts of the batch's leads) that exist, locked. */
  readonly seen: readonly { id: string; leadId: string }[];
  /** The rows that changed (each got its `updated` event). */
  readonly changed: readonly { id: string; leadId: string }[];
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

/**
 * The object's `display_name` as its serializer computes it (a lead: its name, else its first named
 * contact's; a contact: its name, else its first email), so an event's data names what changed
 * (Close's custom_field_change_report prints `data.display_name`). The fallback subquery runs only
 * for an object without a name (COALESCE stops at the first non-null).
 */
function displayNameSql(target: EditTarget, organizationId: string): RawBuilder<string> {
  const fallback =
    target === 'leads'
      ? sql`(SELECT c.name FROM contacts c WHERE c.organization_id = ${organizationId} AND c.lead_id = u.id AND c.name <> ''
             ORDER BY c.date_created, c.id LIMIT 1)`
      : sql`(SELECT ce.email FROM contact_emails ce WHERE ce.organization_id = ${organizationId} AND ce.contact_id = u.id
             ORDER BY ce.position LIMIT 1)`;
  return sql<string>`coalesce(nullif(u.name, ''), ${fallback}, '')`;
}

export interface EditActor {
  readonly organizationId: string;
  readonly userId: string;
  readonly bulkActionId: string;
}

/** Which rows one statement edits: every row of the leads (`lead`), or these rows by id (`id`). */
interface EditScope {
  readonly by: 'lead' | 'id';
  readonly ids: readonly string[];
}

interface EditRow {
  readonly id: string;
  readonly lead_id: string;
  readonly changed: boolean;
  /** Changed by another transaction between the snapshot and the update: not edited, retried locked. */
  readonly raced: boolean;
}

/**
 * One statement: read the rows of `scope` with the field's `prev` and `next`, update the rows
 * where they differ, record their events, and answer every row read.
 *
 * `locked`: the rows are first locked in id order (SELECT … FOR UPDATE), so `prev` is the value
 * the update replaces. Otherwise `prev` comes from the statement's snapshot and the update applies
 * only where the field still holds it (a guard PostgreSQL re-checks on the newest row version if a
 * concurrent write got there first): the rows where that failed come back `raced`, untouched.
 * Locking first costs a second write to every row's header (and its WAL), for a race that a bulk
 * edit almost never meets; so a batch goes unlocked and retries its raced rows locked.
 */
async function editStatement(trx: Trx, target: EditTarget, scope: EditScope, change: FieldChange, actor: EditActor, locked: boolean) {
  const { organizationId } = actor;
  const table = sql.table(target);
  const leadCol = target === 'leads' ? sql.ref('t.id') : sql.ref('t.lead_id');
  const scopeCol = scope.by === 'lead' ? leadCol : sql.ref('t.id');
  const fieldName = change.kind === 'status' ? 'status_id' : `custom.${change.key}`;
  const guard = locked ? sql`` : sql`AND ${prevExpr(change)} IS NOT DISTINCT FROM o.prev`;
  const result = await sql<EditRow>`
    WITH o AS (
      SELECT t.id, ${leadCol} AS lead_id, ${prevExpr(change)} AS prev, ${nextExpr(change)} AS next
      FROM ${table} AS t
      WHERE t.organization_id = ${organizationId} AND ${scopeCol} = ANY(${scope.ids}::text[])
      ORDER BY t.id
      ${locked ? sql`FOR UPDATE` : sql``}
    ), u AS (
      UPDATE ${table} AS t SET ${setExpr(change)}, date_updated = now(), updated_by = ${actor.userId}
      FROM o
      WHERE t.organization_id = ${organizationId} AND t.id = o.id AND o.next IS DISTINCT FROM o.prev ${guard}
      RETURNING t.id, o.lead_id, o.prev, o.next, t.name
    ), stamp AS MATERIALIZED (
      -- One stamp for the statement's events, taken while it writes, not now() (the batch
      -- transaction's start): a stamp long before commit would hold the event log's horizon back
      -- (src/events/visibility-horizon.ts). One, not one per row: two batches run at once, and
      -- per-row stamps interleaved their events in the log, an order that no delivery of one
      -- statement's events after the other's could follow (src/webhooks/drain-inbox.ts).
      SELECT clock_timestamp() AS at
    ), n AS (
      SELECT u.*, ${displayNameSql(target, organizationId)} AS display_name, stamp.at
      FROM u CROSS JOIN stamp
    ), e AS (
      INSERT INTO events (id, organization_id, object_type, object_id, lead_id, action, user_id,
                          changed_fields, data, previous_data, meta, date_created, date_updated)
      SELECT ${eventIdSql()},
             ${organizationId}, ${target === 'leads' ? 'lead' : 'contact'}, n.id, n.lead_id, 'updated', ${actor.userId},
             jsonb_build_array(${fieldName}::text), jsonb_build_object('id', n.id, 'display_name', n.display_name, ${fieldName}::text, n.next),
             jsonb_build_object(${fieldName}::text, n.prev), jsonb_build_object('bulk_action_id', ${actor.bulkActionId}::text),
             n.at, n.at
      FROM n
    )
    SELECT o.id, o.lead_id, (u.id IS NOT NULL) AS changed, (u.id IS NULL AND o.next IS DISTINCT FROM o.prev) AS raced
    FROM o LEFT JOIN u ON u.id = o.id
  `.execute(trx);
  return locked ? result.rows.map((row) => ({ ...row, raced: false })) : result.rows;
}

/**
 * Applies `change` to the leads `leadIds` (or to every contact of them) and records each changed
 * row's `lead.updated` / `contact.updated` event (`changed_fields` and `previous_data` holding the
 * one field, `data` the field with the object's id and display_name, `meta.bulk_action_id`) in the
 * same statement, which keeps the values out of JavaScript. Rows a concurrent write changed
 * between the snapshot and the update are done again under a lock (see editStatement).
 */
export async function applyEdit(
  trx: Trx,
  target: EditTarget,
  leadIds: readonly string[],
  change: FieldChange,
  actor: EditActor,
  opts: { readonly locked?: boolean } = {},
): Promise<EditBatchResult> {
  const first = await editStatement(trx, target, { by: 'lead', ids: leadIds }, change, actor, opts.locked ?? false);
  const raced = first.filter((row) => row.raced);
  const rows = raced.length === 0 ? first : [...first.filter((row) => !row.raced), ...(await editStatement(trx, target, { by: 'id', ids: raced.map((row) => row.id) }, change, actor, true))];
  return {
    seen: rows.map((row) => ({ id: row.id, leadId: row.lead_id })),
    changed: rows.filter((row) => row.changed).map((row) => ({ id: row.id, leadId: row.lead_id })),
  };
}
