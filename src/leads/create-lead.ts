/**
 * `POST /lead/`: a lead with its nested contacts, addresses, status and custom values, written in
 * the caller's transaction (a 400 anywhere leaves nothing behind), with `lead.created` and
 * `contact.created` events.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { recordEvent } from '../events/record-event.ts';
import { newId } from '../ids.ts';
import { insertContacts } from '../contacts/write-contacts.ts';
import type { NestedContactInput } from '../contacts/schemas.ts';
import { eventBase, type Actor } from './actor.ts';
import { customMapFromOps, parseCustomInput } from './custom-input.ts';
import { resolveStatus } from './resolve-status.ts';
import type { AddressInput, LeadCreateBody } from './schemas.ts';
import { loadLeadObjects } from './serialize.ts';
import { leadEventData } from './lead-event-data.ts';

/** Replaces (or, for a new lead, writes) the addresses of `leadId` in one statement. */
export async function writeAddresses(
  trx: Kysely<Database>,
  organizationId: string,
  leadId: string,
  addresses: readonly AddressInput[],
  replace: boolean,
): Promise<void> {
  if (replace) {
    await trx.deleteFrom('addresses').where('organization_id', '=', organizationId).where('lead_id', '=', leadId).execute();
  }
  if (addresses.length === 0) return;
  await trx
    .insertInto('addresses')
    .values(
      addresses.map((a, position) => ({
        organization_id: organizationId,
        lead_id: leadId,
        position,
        label: a.label ?? null,
        address_1: a.address_1 ?? null,
        address_2: a.address_2 ?? null,
        city: a.city ?? null,
        state: a.state ?? null,
        zipcode: a.zipcode ?? null,
        country: a.country ?? null,
      })),
    )
    .execute();
}

/** Creates a lead from a validated `POST /lead/` body; returns its API object. */
export async function createLead(
  trx: Kysely<Database>,
  actor: Actor,
  body: LeadCreateBody & Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const org = actor.organizationId;
  const statusId = (await resolveStatus(trx, org, body, true))!;
  const leadId = newId('lead');
  const ops = await parseCustomInput(trx, org, 'lead', body, { leadId });
  await trx
    .insertInto('leads')
    .values({
      id: leadId,
      organization_id: org,
      name: body.name ?? null,
      description: body.description ?? null,
      url: body.url ?? null,
      status_id: statusId,
      custom: JSON.stringify(customMapFromOps(ops)),
      created_by: actor.userId,
      updated_by: actor.userId,
      date_created: actor.now,
      date_updated: actor.now,
    })
    .execute();
  await writeAddresses(trx, org, leadId, body.addresses ?? [], false);
  await insertContacts(
    trx,
    actor,
    leadId,
    (body.contacts ?? []).map((input, i) => ({ input: input as NestedContactInput & Record<string, unknown>, path: `contacts[${i}]` })),
  );
  const lead = (await loadLeadObjects(trx, org, [leadId], { publicUrl: actor.publicUrl })).get(leadId)!;
  await recordEvent(trx, { ...eventBase(actor), objectType: 'lead', objectId: leadId, leadId, action: 'created', data: leadEventData(lead) });
  return lead;
}
