/**
 * Deleting leads in set-based SQL: one DELETE for any number of leads, their contacts, emails,
 * phones, URLs and addresses going with them through ON DELETE CASCADE. Each deleted lead gets one
 * `lead.deleted` event whose previous_data is the whole lead object, and each of its contacts,
 * email activities and sequence subscriptions a `deleted` event of its own (Close cascades deletes
 * to children). The bulk-delete engine calls this once per batch, inside the batch's transaction.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { loadActivities, recordActivityEvents } from '../email/activity-events.ts';
import { recordEvents } from '../events/record-event.ts';
import { recordSubscriptionsDeleted, subscriptionsIn } from '../sequences/subscription-events.ts';
import { loadLeadObjects } from './serialize.ts';
import { leadEventData } from './lead-event-data.ts';

export interface DeleteMeta {
  readonly userId: string | null;
  readonly apiKeyId?: string | null;
  readonly requestId?: string | null;
  readonly bulkActionId?: string;
  readonly at?: Date;
  readonly publicUrl?: string;
}

/** Deletes the leads `leadIds` of `organizationId`; returns the ids actually deleted. */
export async function deleteLeads(
  trx: Kysely<Database>,
  organizationId: string,
  leadIds: readonly string[],
  meta: DeleteMeta,
): Promise<string[]> {
  if (leadIds.length === 0) return [];
  const ids = [...new Set(leadIds)];
  // Lock in id order (so two batches overlapping never deadlock) before reading what is deleted.
  const locked = await trx
    .selectFrom('leads')
    .select('id')
    .where('organization_id', '=', organizationId)
    .where(sql<boolean>`id = ANY(${ids}::text[])`)
    .orderBy('id')
    .forUpdate()
    .execute();
  if (locked.length === 0) return [];
  const lockedIds = locked.map((row) => row.id);
  const objects = await loadLeadObjects(trx, organizationId, lockedIds, meta.publicUrl === undefined ? {} : { publicUrl: meta.publicUrl });
  // The children the cascade takes, read while they exist: their `deleted` events follow the lead's.
  const activityIds = await trx
    .selectFrom('email_activities')
    .select('id')
    .where('organization_id', '=', organizationId)
    .where(sql<boolean>`lead_id = ANY(${lockedIds}::text[])`)
    .execute();
  const activities = await loadActivities(trx, new Map([[organizationId, activityIds.map((row) => row.id)]]));
  const subscriptions = await subscriptionsIn(trx, organizationId, { leadIds: lockedIds });
  const deleted = await trx
    .deleteFrom('leads')
    .where('organization_id', '=', organizationId)
    .where(sql<boolean>`id = ANY(${lockedIds}::text[])`)
    .returning('id')
    .execute();
  const at = meta.at ?? new Date();
  const base = {
    organizationId,
    action: 'deleted',
    userId: meta.userId,
    apiKeyId: meta.apiKeyId ?? null,
    requestId: meta.requestId ?? null,
    meta: meta.bulkActionId === undefined ? {} : { bulk_action_id: meta.bulkActionId },
    at,
  };
  // Close cascades `deleted` events to a deleted lead's children; here, its contacts.
  const contactEvents = deleted.flatMap(({ id }) =>
    ((objects.get(id)?.contacts ?? []) as Record<string, unknown>[]).map((contact) => ({
      ...base,
      objectType: 'contact',
      objectId: contact.id as string,
      leadId: id,
      previousData: contact,
    })),
  );
  await recordEvents(trx, [
    ...contactEvents,
    ...deleted.map(({ id }) => ({ ...base, objectType: 'lead', objectId: id, leadId: id, previousData: leadEventData(objects.get(id)!) })),
  ]);
  const gone = new Set(deleted.map((row) => row.id));
  const who = { userId: meta.userId, apiKeyId: base.apiKeyId, requestId: base.requestId, meta: base.meta, at };
  await recordActivityEvents(trx, activities.filter((a) => gone.has(a.lead_id)), 'deleted', { base: who });
  await recordSubscriptionsDeleted(trx, subscriptions.filter((sub) => gone.has(sub.lead_id)), who);
  return deleted.map((row) => row.id);
}
