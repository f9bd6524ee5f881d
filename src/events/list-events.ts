/**
 * Reading the event log: one keyset page in either direction under any combination of Close's
 * filters, always within one organization.
 *
 * Every filter is served by an index ending in date_updated (migration 0012), so a page is a range
 * read from the cursor and costs the same at any depth:
 * - object_id → events_object_key_idx, keyed by a 64-bit hash of the id then date_updated
 *   (migration 0026: a small index is what keeps a bulk action's random-position inserts cheap);
 *   the query states the hash beside the id so that the planner can match the index, and rows
 *   tied on date_updated are put in id order by an incremental sort of just those rows;
 * - user_id, request_id → their partial indexes, ending in (date_updated, id);
 * - lead_id → the lead's own events by object_id (events_object_key_idx) and its children's
 *   (contacts, emails, subscriptions) by events_lead_key_idx, which leaves lead events out
 *   (migration 0015: a bulk edit of a million leads would otherwise pay a second random-position
 *   index insert per event for an entry the object index already has), the two ranges merged;
 * - object_type + action → events_org_type_action_idx;
 * - object_type without action → the same index, one range per action of that type (found by a
 *   skip scan: a handful of index probes) merged by date, instead of sorting every event of the
 *   type: `object_type=lead` after a million-lead bulk edit stays a 50-row read; action without
 *   object_type likewise, one range per object type;
 * - nothing (or dates only) → events_org_date_idx.
 * PostgreSQL's planner picks among them when several filters are given; the remaining filters
 * apply to the rows the chosen index yields.
 */
import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../db/database.ts';
import type { DateBounds } from './date-filter.ts';
import type { CursorDirection, EventPosition } from './event-cursor.ts';
import { eventLogColumns, type EventLogRow } from './serialize.ts';

export interface EventFilters {
  readonly objectType?: string;
  readonly objectId?: string;
  readonly leadId?: string;
  readonly action?: string;
  readonly userId?: string;
  readonly requestId?: string;
  readonly dates: DateBounds;
}

export interface PageRequest {
  readonly organizationId: string;
  readonly filters: EventFilters;
  /** Read older than `after` (`next`) or newer (`previous`); from the newest event without it. */
  readonly direction: CursorDirection;
  readonly after?: EventPosition;
  /** Only events stamped before this time (visibility-horizon.ts), for reads towards the newest. */
  readonly horizon?: string;
  readonly limit: number;
}

const DATE_OPS = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;

/**
 * How a lead_id filter is read: `lead` is the lead's own events (object_type lead, object_id the
 * lead), `children` its children's (the partial events_lead_key_idx), `column` a plain condition on
 * lead_id (with object_id given, which narrows the page to one object anyway).
 */
type LeadBranch = 'lead' | 'children' | 'column';

/**
 * `column = id`, with the hash that events_object_key_idx and events_lead_key_idx are keyed by
 * (migration 0026) stated too: the planner uses an expression index only for that expression.
 */
function keyed(column: 'object_id' | 'lead_id', id: string): RawBuilder<unknown> {
  const ref = sql.ref(`e.${column}`);
  return sql`hashtextextended(${ref}, 0) = hashtextextended(${id}::text, 0) AND ${ref} = ${id}`;
}

/** The WHERE conditions of a page, except the one on object_type/action handled per shape. */
function conditions(request: PageRequest, withTypeAndAction: boolean, leadBranch: LeadBranch = 'column'): RawBuilder<unknown>[] {
  const f = request.filters;
  const out: RawBuilder<unknown>[] = [sql`e.organization_id = ${request.organizationId}`];
  if (withTypeAndAction && f.objectType !== undefined) out.push(sql`e.object_type = ${f.objectType}`);
  if (withTypeAndAction && f.action !== undefined) out.push(sql`e.action = ${f.action}`);
  if (f.objectId !== undefined) out.push(keyed('object_id', f.objectId));
  if (f.leadId !== undefined) {
    if (leadBranch === 'lead') out.push(sql`e.object_type = 'lead' AND ${keyed('object_id', f.leadId)}`);
    else if (leadBranch === 'children') out.push(sql`${keyed('lead_id', f.leadId)} AND e.object_type <> 'lead'`);
    else out.push(sql`e.lead_id = ${f.leadId}`);
  }
  if (f.userId !== undefined) out.push(sql`e.user_id = ${f.userId}`);
  if (f.requestId !== undefined) out.push(sql`e.request_id = ${f.requestId}`);
  for (const op of Object.keys(DATE_OPS) as (keyof typeof DATE_OPS)[]) {
    const bound = f.dates[op];
    if (bound !== undefined) out.push(sql`e.date_updated ${sql.raw(DATE_OPS[op])} ${bound}::timestamptz`);
  }
  if (request.horizon !== undefined) out.push(sql`e.date_updated < ${request.horizon}::timestamptz`);
  if (request.after) {
    const cmp = sql.raw(request.direction === 'next' ? '<' : '>');
    // A row comparison, which a btree reads as one range starting at the cursor (from the
    // cursor's date_updated where the index ends in date_updated alone: migration 0026).
    out.push(sql`(e.date_updated, e.id) ${cmp} (${`${request.after.at}+00:00`}::timestamptz, ${request.after.id}::text)`);
  }
  return out;
}

/**
 * When the page merges ranges of events_org_type_action_idx: object_type without action (one range
 * per action of the type) or action without object_type (one per object type), and no filter with
 * a narrower index of its own. Returns the column that varies between the ranges.
 */
function mergedRanges(f: EventFilters): 'action' | 'object_type' | undefined {
  if (f.objectId !== undefined || f.leadId !== undefined || f.userId !== undefined || f.requestId !== undefined) return undefined;
  if (f.objectType !== undefined && f.action === undefined) return 'action';
  if (f.action !== undefined && f.objectType === undefined) return 'object_type';
  return undefined;
}

/**
 * The statement reading up to `limit` events in the request's direction, in reading order (newest
 * first for `next` and for the first page, oldest first for `previous`). Exposed so that tests and
 * the benchmark can EXPLAIN exactly what the API runs.
 */
export function eventsQuery(request: PageRequest): RawBuilder<EventLogRow> {
  const order = sql.raw(request.direction === 'next' ? 'DESC' : 'ASC');
  const f = request.filters;
  const varying = mergedRanges(f);
  if (varying) {
    const org = request.organizationId;
    const column = sql.ref(`e.${varying}`);
    // The fixed half of (object_type, action), and the distinct values of the other half found by
    // a skip scan of the index: one probe per value, however many events each has.
    const fixed = varying === 'action' ? sql`e.object_type = ${f.objectType}` : sql`e.action = ${f.action}`;
    const prefix = varying === 'action' ? sql`AND ${fixed}` : sql``;
    const where = sql.join(conditions(request, false), sql` AND `);
    return sql<EventLogRow>`
      WITH RECURSIVE k AS (
        (SELECT ${column} AS v FROM events e WHERE e.organization_id = ${org} ${prefix} ORDER BY ${column} LIMIT 1)
        UNION ALL
        SELECT (SELECT ${column} FROM events e WHERE e.organization_id = ${org} ${prefix} AND ${column} > k.v ORDER BY ${column} LIMIT 1)
        FROM k WHERE k.v IS NOT NULL
      )
      SELECT p.* FROM k CROSS JOIN LATERAL (
        SELECT ${eventLogColumns}, e.date_updated AS du FROM events e
        WHERE ${where} AND ${fixed} AND ${column} = k.v
        ORDER BY e.date_updated ${order}, e.id ${order} LIMIT ${request.limit}
      ) p
      WHERE k.v IS NOT NULL
      ORDER BY p.du ${order}, p.id ${order} LIMIT ${request.limit}`;
  }
  const page = (branch: LeadBranch) => sql`
    SELECT ${eventLogColumns}, e.date_updated AS du FROM events e
    WHERE ${sql.join(conditions(request, true, branch), sql` AND `)}
    ORDER BY e.date_updated ${order}, e.id ${order} LIMIT ${request.limit}`;
  if (f.leadId !== undefined && f.objectId === undefined) {
    if (f.objectType === 'lead') return sql<EventLogRow>`${page('lead')}`;
    if (f.objectType !== undefined) return sql<EventLogRow>`${page('children')}`;
    // Both ranges, each read in order up to the page size, merged: at most twice the page sorted.
    return sql<EventLogRow>`
      SELECT p.* FROM ((${page('lead')}) UNION ALL (${page('children')})) p
      ORDER BY p.du ${order}, p.id ${order} LIMIT ${request.limit}`;
  }
  return sql<EventLogRow>`${page('column')}`;
}

/** Reads one page's rows (see eventsQuery). */
export async function readEvents(db: Db, request: PageRequest): Promise<EventLogRow[]> {
  return (await eventsQuery(request).execute(db)).rows;
}

/** One event of the organization by id. */
export async function readEvent(db: Db, organizationId: string, id: string): Promise<EventLogRow | undefined> {
  const result = await sql<EventLogRow>`
    SELECT ${eventLogColumns} FROM events e WHERE e.organization_id = ${organizationId} AND e.id = ${id}`.execute(db);
  return result.rows[0];
}
