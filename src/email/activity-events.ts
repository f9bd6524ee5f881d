/**
 * `activity.email` events: `created` when a message is put in the outbox, `sent` when the server
 * accepted it, `updated` when it ends otherwise (`error`, `unknown`), `deleted` when its lead goes.
 * Each carries the activity as `/activity/email/` shows it, read back in the caller's transaction,
 * and the lead it belongs to, so `GET /event/?lead_id=` shows a lead's mail. Delivery's transient
 * moves (outbox → sending → outbox for a retry) record nothing: the message ends in one of the
 * states above, and those are what a reader of the log acts on.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { recordEvents, type EventInput } from '../events/record-event.ts';
import { activityResponse, selectActivities, type ActivityRow } from './activity-serialize.ts';

/** What every event of the call shares (who, which request, meta). */
export type ActivityEventBase = Pick<EventInput, 'apiKeyId' | 'requestId' | 'at'> & {
  /** Overrides the activity's own user (a lead deleted by someone else). */
  readonly userId?: string | null;
  readonly meta?: Record<string, unknown>;
};

/** The activities `ids`, grouped by organization, as the API shows them. */
export async function loadActivities(trx: Kysely<Database>, byOrganization: ReadonlyMap<string, readonly string[]>): Promise<ActivityRow[]> {
  const rows: ActivityRow[] = [];
  for (const [organizationId, ids] of byOrganization) {
    for (let i = 0; i < ids.length; i += 1_000) {
      rows.push(...(await selectActivities(trx, organizationId).where('a.id', 'in', ids.slice(i, i + 1_000)).execute()));
    }
  }
  return rows;
}

/** Groups `rows` (anything with an id and an organization) by organization. */
export function idsByOrganization(rows: readonly { id: string; organization_id: string }[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const row of rows) out.set(row.organization_id, [...(out.get(row.organization_id) ?? []), row.id]);
  return out;
}

/**
 * Records `action` on each activity of `rows`, in the caller's transaction. `changedFields` and
 * `previous` (per activity id) describe an update; `deleted` puts the activity in previous_data.
 */
export async function recordActivityEvents(
  trx: Kysely<Database>,
  rows: readonly ActivityRow[],
  action: 'created' | 'sent' | 'updated' | 'deleted',
  options: { base?: ActivityEventBase; changedFields?: readonly string[]; previous?: ReadonlyMap<string, Record<string, unknown>> } = {},
): Promise<void> {
  const base = options.base ?? {};
  await recordEvents(
    trx,
    rows.map((row) => {
      const object = activityResponse(row);
      const bulkActionId = row.bulk_email_action_id;
      return {
        organizationId: row.organization_id,
        objectType: 'activity.email',
        objectId: row.id,
        leadId: row.lead_id,
        action,
        userId: base.userId === undefined ? row.user_id : base.userId,
        apiKeyId: base.apiKeyId ?? null,
        requestId: base.requestId ?? null,
        at: base.at,
        changedFields: options.changedFields ?? [],
        data: action === 'deleted' ? undefined : object,
        previousData: action === 'deleted' ? object : options.previous?.get(row.id),
        meta: { ...(bulkActionId && action === 'created' ? { bulk_action_id: bulkActionId } : {}), ...base.meta },
      };
    }),
  );
}
