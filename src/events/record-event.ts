/**
 * Writes to the event log. Callers pass their transaction, so an event exists exactly when the
 * change it describes was committed.
 */
import type { Kysely } from 'kysely';
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

function row(event: EventInput) {
  const at = event.at ?? new Date();
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
 * Rows per INSERT: each row binds 15 parameters and PostgreSQL allows 65,535 per statement, so a
 * caller may pass any number of events (a bulk delete's leads with their contacts and emails).
 */
const ROWS_PER_INSERT = 2_000;

/** Records events (one insert per ROWS_PER_INSERT), inside the caller's transaction. */
export async function recordEvents(db: Kysely<Database>, events: readonly EventInput[]): Promise<void> {
  for (let i = 0; i < events.length; i += ROWS_PER_INSERT) {
    await db.insertInto('events').values(events.slice(i, i + ROWS_PER_INSERT).map(row)).execute();
  }
}

/** Records one event. */
export async function recordEvent(db: Kysely<Database>, event: EventInput): Promise<void> {
  await recordEvents(db, [event]);
}
