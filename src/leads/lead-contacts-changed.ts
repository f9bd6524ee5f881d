/**
 * Close records `lead.updated` whenever a lead's `contact_ids` change (a contact created on it,
 * deleted from it, or moved to or from it), and the lead's `date_updated` moves. The contact
 * writers call these two functions around their change, in their transaction:
 *
 *   const before = await lockLeadsForContactChange(trx, org, [leadId]);   // lock + snapshot
 *   … insert / delete / move the contact …
 *   await recordLeadsContactsChanged(trx, actor, before);                  // stamp + lead.updated
 *
 * The leads are locked FOR NO KEY UPDATE, which serialises contact changes on one lead (so each
 * event's previous_data is the lead it replaced) without blocking the foreign-key share locks that
 * inserting contacts elsewhere takes. Callers lock leads before the contact row, as deleteLeads
 * does, so the two never wait on each other in opposite orders.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { recordEvents } from '../events/record-event.ts';
import { diffObjects, eventBase, type Actor } from './actor.ts';
import { loadLeadObjects } from './serialize.ts';
import { leadEventData } from './lead-event-data.ts';

/** Locks the leads `leadIds` (id order) and returns their API objects; unknown ids are absent. */
export async function lockLeadsForContactChange(
  trx: Kysely<Database>,
  organizationId: string,
  leadIds: readonly string[],
  publicUrl: string,
): Promise<Map<string, Record<string, unknown>>> {
  const ids = [...new Set(leadIds)].sort();
  if (ids.length === 0) return new Map();
  const locked = await trx
    .selectFrom('leads')
    .select('id')
    .where('organization_id', '=', organizationId)
    .where(sql<boolean>`id = ANY(${ids}::text[])`)
    .orderBy('id')
    .forNoKeyUpdate()
    .execute();
  return loadLeadObjects(trx, organizationId, locked.map((row) => row.id), { publicUrl });
}

/**
 * Stamps the leads of `before` as updated by `actor` and records one `lead.updated` event per lead
 * whose object changed, with the changed fields and their previous values.
 */
export async function recordLeadsContactsChanged(
  trx: Kysely<Database>,
  actor: Actor,
  before: ReadonlyMap<string, Record<string, unknown>>,
): Promise<void> {
  const ids = [...before.keys()];
  if (ids.length === 0) return;
  const org = actor.organizationId;
  await trx
    .updateTable('leads')
    .set({ updated_by: actor.userId, date_updated: actor.now })
    .where('organization_id', '=', org)
    .where(sql<boolean>`id = ANY(${ids}::text[])`)
    .execute();
  const after = await loadLeadObjects(trx, org, ids, { publicUrl: actor.publicUrl });
  const events = [];
  for (const [id, previous] of before) {
    const current = after.get(id);
    if (!current) continue;
    const diff = diffObjects(leadEventData(previous), leadEventData(current));
    if (!diff.significant) continue;
    events.push({
      ...eventBase(actor),
      objectType: 'lead',
      objectId: id,
      leadId: id,
      action: 'updated',
      changedFields: diff.changedFields,
      data: leadEventData(current),
      previousData: diff.previous,
    });
  }
  await recordEvents(trx, events);
}
