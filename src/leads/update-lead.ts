/**
 * `PUT /lead/{id}/`, which acts as a PATCH: only the keys sent change. Plain columns are one UPDATE,
 * each custom field its own single-key jsonb UPDATE (see custom-write.ts), `addresses` replaces the
 * list. Nested `contacts` are not accepted here (Close: use the Contact API). One `lead.updated`
 * event carries the changed fields and their previous values.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { notFound } from '../errors.ts';
import { recordEvent } from '../events/record-event.ts';
import { diffObjects, eventBase, type Actor } from './actor.ts';
import { writeAddresses } from './create-lead.ts';
import { parseCustomInput } from './custom-input.ts';
import { applyCustomOps } from './custom-write.ts';
import { resolveStatus } from './resolve-status.ts';
import type { LeadUpdateBody } from './schemas.ts';
import { loadLeadObjects } from './serialize.ts';
import { leadEventData } from './lead-event-data.ts';

/** Applies a validated update body to lead `leadId`; returns the updated API object (404 if not found). */
export async function updateLead(
  trx: Kysely<Database>,
  actor: Actor,
  leadId: string,
  body: LeadUpdateBody & Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const org = actor.organizationId;
  // Lock the row first so that the previous object recorded in the event is the one replaced.
  const locked = await trx
    .selectFrom('leads')
    .select('id')
    .where('organization_id', '=', org)
    .where('id', '=', leadId)
    .forUpdate()
    .executeTakeFirst();
  if (!locked) throw notFound('lead');
  const opts = { publicUrl: actor.publicUrl };
  const before = (await loadLeadObjects(trx, org, [leadId], opts)).get(leadId)!;

  const statusId = await resolveStatus(trx, org, body, false);
  const ops = await parseCustomInput(trx, org, 'lead', body, { leadId, allowAddRemove: true });
  await trx
    .updateTable('leads')
    .set({
      ...(body.name !== undefined ? { name: body.name } : {}),
      ...(body.description !== undefined ? { description: body.description } : {}),
      ...(body.url !== undefined ? { url: body.url } : {}),
      ...(statusId !== undefined ? { status_id: statusId } : {}),
      updated_by: actor.userId,
      date_updated: actor.now,
    })
    .where('organization_id', '=', org)
    .where('id', '=', leadId)
    .execute();
  await applyCustomOps(trx, 'leads', org, [leadId], ops);
  if (body.addresses !== undefined) await writeAddresses(trx, org, leadId, body.addresses, true);

  const after = (await loadLeadObjects(trx, org, [leadId], opts)).get(leadId)!;
  const diff = diffObjects(leadEventData(before), leadEventData(after));
  if (diff.significant) {
    await recordEvent(trx, {
      ...eventBase(actor),
      objectType: 'lead',
      objectId: leadId,
      leadId,
      action: 'updated',
      changedFields: diff.changedFields,
      data: leadEventData(after),
      previousData: diff.previous,
    });
  }
  return after;
}
