/**
 * Writes to the event log. Callers pass their transaction, so an event exists exactly when the
 * change it describes was committed.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { newEventId } from './event-id.ts';

export interface EventInput {
  readonly organizationId: string;
  readonly objectType: string;
  readonly objectId: string;
  readonly action: string;
  readonly leadId?: string | null;
  readonly userId?: string | null;
  readonly apiKeyId?: string | null;
  readonly requestId?: string | null;
  readonly changedFields?: readonly string[];
  readonly data?: unknown;
  readonly previousData?: unknown;
  readonly meta?: Record<string, unknown>;
  readonly at?: Date;
}

function row(event: EventInput, now: Date) {
  const at = event.at ?? now;
  return {
    id: newEventId(),
    organization_id: event.organizationId,
    object_type: event.objectType,
    object_id: event.objectId,
    lead_id: event.leadId ?? null,
    action: event.action,
    user_id: event.userId ?? null,
    api_key_id: event.apiKeyId ?? null,
    request_id: event.requestId ?? null,
    changed_fields: JSON.stringify(event.changedFields ?? []),
    data: event.data === undefined ? null : JSON.stringify(event.data),
    previous_data: event.previousData === undefined ? null : JSON.stringify(event.previousData),
    meta: JSON.stringify(event.meta ?? {}),
    date_created: at,
    date_updated: at,
  };
}

/**
 * One INSERT from arrays (unnest), one parameter per column whatever the number of events: a
 * values list binds 15 parameters per row, so 1,000 events were a statement of 15,000 parameters
 * for Kysely to build and PostgreSQL to parse, and a call had to be split under PostgreSQL's 65,535.
 */
export async function recordEvents(db: Kysely<Database>, events: readonly EventInput[]): Promise<void> {
  if (events.length === 0) return;
  // One stamp for the events given none: a statement's events are one stamp in the log, which
  // keeps webhook deliveries in the log's order (src/webhooks/drain-inbox.ts).
  const now = new Date();
  const rows = events.map((event) => row(event, now));
  const column = <K extends keyof ReturnType<typeof row>>(key: K) => rows.map((r) => r[key]);
  await sql`
    INSERT INTO events (id, organization_id, object_type, object_id, lead_id, action, user_id, api_key_id, request_id,
                        changed_fields, data, previous_data, meta, date_created, date_updated)
    SELECT * FROM unnest(${column('id')}::text[], ${column('organization_id')}::text[], ${column('object_type')}::text[],
      ${column('object_id')}::text[], ${column('lead_id')}::text[], ${column('action')}::text[], ${column('user_id')}::text[],
      ${column('api_key_id')}::text[], ${column('request_id')}::text[], ${column('changed_fields')}::jsonb[], ${column('data')}::jsonb[],
      ${column('previous_data')}::jsonb[], ${column('meta')}::jsonb[], ${column('date_created')}::timestamptz[], ${column('date_updated')}::timestamptz[])`.execute(db);
}

/** Records one event. */
export async function recordEvent(db: Kysely<Database>, event: EventInput): Promise<void> {
  await recordEvents(db, [event]);
}
