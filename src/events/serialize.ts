/** An event as Close's event log shows it (close-api-reference.md §5.1). */
import { sql } from 'kysely';

/** An events row as the log reads it: timestamps as UTC text to the microsecond. */
export interface EventLogRow {
  readonly id: string;
  readonly organization_id: string;
  readonly user_id: string | null;
  readonly api_key_id: string | null;
  readonly request_id: string | null;
  readonly object_type: string;
  readonly object_id: string;
  readonly lead_id: string | null;
  readonly action: string;
  readonly changed_fields: unknown;
  readonly data: unknown;
  readonly previous_data: unknown;
  readonly meta: unknown;
  /** `YYYY-MM-DDTHH:MM:SS.ffffff`, UTC. */
  readonly created_at: string;
  /** `YYYY-MM-DDTHH:MM:SS.ffffff`, UTC: the keyset position, exact. */
  readonly updated_at: string;
}

const utc = (column: string) => sql<string>`to_char(${sql.ref(column)} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')`;

/**
 * The select list of `events AS e` for the log. Timestamps leave PostgreSQL as text: a JavaScript
 * Date keeps milliseconds, and a cursor rounded to them would repeat or skip events written within
 * the same millisecond (bulk edits stamp a whole batch with the statement's microsecond clock).
 */
export const eventLogColumns = sql`e.id, e.organization_id, e.user_id, e.api_key_id, e.request_id, e.object_type, e.object_id,
  e.lead_id, e.action, e.changed_fields, e.data, e.previous_data, e.meta,
  ${utc('e.date_created')} AS created_at, ${utc('e.date_updated')} AS updated_at`;

/** The Close representation of one event. */
export function eventResponse(row: EventLogRow): Record<string, unknown> {
  return {
    id: row.id,
    date_created: `${row.created_at}+00:00`,
    date_updated: `${row.updated_at}+00:00`,
    organization_id: row.organization_id,
    user_id: row.user_id,
    api_key_id: row.api_key_id,
    request_id: row.request_id,
    object_type: row.object_type,
    object_id: row.object_id,
    lead_id: row.lead_id,
    action: row.action,
    changed_fields: row.changed_fields ?? [],
    data: row.data ?? null,
    previous_data: row.previous_data ?? null,
    meta: row.meta ?? {},
  };
}
