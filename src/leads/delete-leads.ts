/**
 * Deleting leads in set-based SQL: one DELETE for any number of leads, their contacts, emails,
 * phones, URLs and addresses going with them through ON DELETE CASCADE. Each deleted lead gets one
 * `lead.deleted` event whose previous_data is the whole lead object (without nested contacts, see
 * lead-event-data.ts), and each of its contacts, email activities and sequence subscriptions a
 * `deleted` event of its own (Close cascades deletes to children). The bulk-delete engine calls this
 * once per batch, inside the batch's transaction.
 *
 * No lead passes through JavaScript: the objects the events carry are built by PostgreSQL
 * (delete-event-sql.ts, the same keys and values as the API serializers, which a test holds them
 * to) in the statement that deletes and records the events. Two statements per call:
 *   1. lock the leads in id order (two overlapping batches never deadlock);
 *   2. build the events' objects, delete, insert the events (CTEs, one snapshot).
 * Statement 2 takes its snapshot after the locks of statement 1 are held, so it sees every contact,
 * email or subscription committed on these leads before it (writers lock the lead first), which is
 * what the ON DELETE CASCADE will take: no child is deleted without its event. (Phones'
 * `phone_formatted`, which SQL cannot compute, is stored with each phone: migration 0018.)
 */
import { sql, type Kysely } from 'kysely';
import { loadConfig } from '../config.ts';
import type { Database } from '../db/schema.ts';
import { deleteLeadsStatement } from './delete-event-sql.ts';

export interface DeleteMeta {
  readonly userId: string | null;
  readonly apiKeyId?: string | null;
  readonly requestId?: string | null;
  readonly bulkActionId?: string;
  /** The events' date; without it, the moment they are written (one stamp for the whole call). */
  readonly at?: Date;
  readonly publicUrl?: string;
}

let defaultPublicUrl: string | undefined;

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
  const deleted = await deleteLeadsStatement({
    organizationId,
    leadIds: lockedIds,
    publicUrl: meta.publicUrl ?? (defaultPublicUrl ??= loadConfig().publicUrl),
    userId: meta.userId,
    apiKeyId: meta.apiKeyId ?? null,
    requestId: meta.requestId ?? null,
    meta: meta.bulkActionId === undefined ? {} : { bulk_action_id: meta.bulkActionId },
    at: meta.at ?? null,
  }).execute(trx);
  return deleted.rows.map((row) => row.id);
}
