/**
 * `POST /contact/`, `PUT /contact/{id}/` and `DELETE /contact/{id}/`, each in the caller's
 * transaction with its `contact.*` event, and a `lead.updated` on every lead whose contacts it adds
 * or removes (create on a lead, delete, move). A contact created without `lead_id` gets a new lead
 * named after it (Close, since 2025-02-14).
 */
import { sql, type Kysely } from 'kysely';
import { loadCustomFields } from '../custom-fields/values.ts';
import type { Database } from '../db/schema.ts';
import { fieldError, notFound } from '../errors.ts';
import { recordEvent } from '../events/record-event.ts';
import { newId } from '../ids.ts';
import { diffObjects, eventBase, type Actor } from '../leads/actor.ts';
import { lockLeadsForContactChange, recordLeadsContactsChanged } from '../leads/lead-contacts-changed.ts';
import { parseCustomInput, type CustomOp } from '../leads/custom-input.ts';
import { applyCustomOps } from '../leads/custom-write.ts';
import { resolveStatus } from '../leads/resolve-status.ts';
import { loadLeadObjects } from '../leads/serialize.ts';
import { recordSubscriptionsDeleted, subscriptionsIn } from '../sequences/subscription-events.ts';
import { normalizeChannels, writeChannels } from './channels.ts';
import type { ContactCreateBody } from './schemas.ts';
import { loadContactObjects } from './serialize.ts';
import { insertContacts } from './write-contacts.ts';
import { leadEventData } from '../leads/lead-event-data.ts';

type Body = ContactCreateBody & Record<string, unknown>;

/**
 * Locks the lead `leadId` for a contact change and snapshots it (see lead-contacts-changed.ts); a
 * lead that is not the organization's is a 400 on `lead_id`.
 */
async function lockTargetLead(trx: Kysely<Database>, actor: Actor, leadId: string): Promise<Map<string, Record<string, unknown>>> {
  const before = await lockLeadsForContactChange(trx, actor.organizationId, [leadId], actor.publicUrl);
  if (!before.has(leadId)) throw fieldError('lead_id', 'Unknown lead.');
  return before;
}

/**
 * Creates a contact (and, without `lead_id`, its lead); returns the contact's API object. On an
 * existing lead, the lead records `lead.updated` (its contact_ids changed).
 */
export async function createContact(trx: Kysely<Database>, actor: Actor, body: Body): Promise<Record<string, unknown>> {
  const org = actor.organizationId;
  let leadId = body.lead_id;
  let leadBefore: Map<string, Record<string, unknown>> | undefined;
  if (leadId !== undefined) {
    leadBefore = await lockTargetLead(trx, actor, leadId);
  } else {
    leadId = newId('lead');
    await trx
      .insertInto('leads')
      .values({
        id: leadId,
        organization_id: org,
        name: body.name ?? null,
        status_id: (await resolveStatus(trx, org, {}, true))!,
        custom: '{}',
        created_by: actor.userId,
        updated_by: actor.userId,
        date_created: actor.now,
        date_updated: actor.now,
      })
      .execute();
  }
  const [contact] = await insertContacts(trx, actor, leadId, [{ input: body, path: '' }]);
  if (leadBefore) {
    await recordLeadsContactsChanged(trx, actor, leadBefore);
  } else {
    const lead = (await loadLeadObjects(trx, org, [leadId], { publicUrl: actor.publicUrl })).get(leadId)!;
    await recordEvent(trx, { ...eventBase(actor), objectType: 'lead', objectId: leadId, leadId, action: 'created', data: leadEventData(lead) });
  }
  return contact!;
}

async function currentLeadOf(trx: Kysely<Database>, organizationId: string, contactId: string): Promise<string> {
  const row = await trx
    .selectFrom('contacts')
    .select('lead_id')
    .where('organization_id', '=', organizationId)
    .where('id', '=', contactId)
    .executeTakeFirst();
  if (!row) throw notFound('contact');
  return row.lead_id;
}

async function lockContact(trx: Kysely<Database>, organizationId: string, contactId: string): Promise<{ lead_id: string }> {
  const row = await trx
    .selectFrom('contacts')
    .select('lead_id')
    .where('organization_id', '=', organizationId)
    .where('id', '=', contactId)
    .forUpdate()
    .executeTakeFirst();
  if (!row) throw notFound('contact');
  return row;
}

/**
 * Locks the leads a contact change touches (`target` of the contact's current lead), then the
 * contact: leads first, as deleteLeads does. A contact moved by another transaction in between is
 * re-read, so the snapshot is always of the lead the contact is on.
 */
async function lockContactWithLeads(
  trx: Kysely<Database>,
  actor: Actor,
  contactId: string,
  target: (currentLeadId: string) => string[],
): Promise<{ leadId: string; leadsBefore: Map<string, Record<string, unknown>> }> {
  const org = actor.organizationId;
  for (;;) {
    const seen = await currentLeadOf(trx, org, contactId);
    const leadsBefore = await lockLeadsForContactChange(trx, org, target(seen), actor.publicUrl);
    const { lead_id: leadId } = await lockContact(trx, org, contactId);
    if (leadId === seen) return { leadId, leadsBefore };
  }
}

/** Applies a validated update body (lists given replace the stored ones); returns the API object. */
export async function updateContact(trx: Kysely<Database>, actor: Actor, contactId: string, body: Body): Promise<Record<string, unknown>> {
  const org = actor.organizationId;
  // Only a move changes leads' contact_ids; other updates lock the contact alone.
  const target = body.lead_id;
  const { leadId: currentLeadId, leadsBefore } =
    target === undefined
      ? { leadId: (await lockContact(trx, org, contactId)).lead_id, leadsBefore: new Map<string, Record<string, unknown>>() }
      : await lockContactWithLeads(trx, actor, contactId, (seen) => (seen === target ? [] : [seen, target]));
  const leadId = target ?? currentLeadId;
  const moved = leadId !== currentLeadId;
  if (moved && !leadsBefore.has(leadId)) throw fieldError('lead_id', 'Unknown lead.');
  const before = (await loadContactObjects(trx, org, [contactId])).get(contactId)!;
  const channels = normalizeChannels(body, '');
  const ops = await parseCustomInput(trx, org, 'contact', body, { leadId, allowAddRemove: true });

  await trx
    .updateTable('contacts')
    .set({
      ...(body.name !== undefined ? { name: body.name } : {}),
      ...(body.title !== undefined ? { title: body.title } : {}),
      lead_id: leadId,
      updated_by: actor.userId,
      date_updated: actor.now,
    })
    .where('organization_id', '=', org)
    .where('id', '=', contactId)
    .execute();
  if (moved) {
    // The channel rows and sequence subscriptions carry lead_id for lead-level lookups
    // (`/sequence_subscription/?lead_id=`, the legacy `contact(sequence_subscription(…))`); they move
    // with their contact.
    for (const table of ['contact_emails', 'contact_phones', 'contact_urls', 'sequence_subscriptions'] as const) {
      await trx.updateTable(table).set({ lead_id: leadId }).where('organization_id', '=', org).where('contact_id', '=', contactId).execute();
    }
  }
  await writeChannels(trx, [{ owner: { organizationId: org, contactId, leadId }, channels, replace: true }]);
  await applyCustomOps(trx, 'contacts', org, [contactId], ops);
  // A `contact` value names a contact of the same lead: references across the old lead go.
  if (moved) {
    await dropContactReferences(trx, org, currentLeadId, contactId);
    await dropValuesOffLead(trx, org, contactId, leadId);
  }

  const after = (await loadContactObjects(trx, org, [contactId])).get(contactId)!;
  const diff = diffObjects(before, after);
  if (diff.significant) {
    await recordEvent(trx, {
      ...eventBase(actor),
      objectType: 'contact',
      objectId: contactId,
      leadId,
      action: 'updated',
      changedFields: diff.changedFields,
      data: after,
      previousData: diff.previous,
    });
  }
  if (moved) await recordLeadsContactsChanged(trx, actor, leadsBefore);
  return after;
}

/**
 * Drops a deleted contact from the `contact` custom fields of its lead and of the lead's other
 * contacts (a `contact` value must name a contact of the same lead), one statement per field.
 */
async function dropContactReferences(trx: Kysely<Database>, organizationId: string, leadId: string, contactId: string): Promise<void> {
  for (const objectType of ['lead', 'contact'] as const) {
    const fields = (await loadCustomFields(trx, organizationId, objectType)).filter((f) => f.type === 'contact');
    const table = objectType === 'lead' ? 'leads' : 'contacts';
    const scope = objectType === 'lead' ? sql`id = ${leadId}` : sql`lead_id = ${leadId}`;
    for (const field of fields) {
      if (field.accepts_multiple_values) {
        const rows = await sql<{ id: string }>`SELECT id FROM ${sql.table(table)}
          WHERE organization_id = ${organizationId} AND ${scope} AND custom -> ${field.id}::text @> ${JSON.stringify([contactId])}::jsonb`.execute(trx);
        await applyCustomOps(trx, table, organizationId, rows.rows.map((r) => r.id), [{ kind: 'remove', fieldId: field.id, values: [contactId] }]);
      } else {
        await sql`UPDATE ${sql.table(table)} SET custom = custom - ${field.id}::text
          WHERE organization_id = ${organizationId} AND ${scope} AND custom ->> ${field.id}::text = ${contactId}`.execute(trx);
      }
    }
  }
}

/**
 * After a move, drops the moved contact's own `contact` values that name contacts of its old lead
 * (they must name contacts of the lead it is on now). The contact row is locked by the caller.
 */
async function dropValuesOffLead(trx: Kysely<Database>, organizationId: string, contactId: string, leadId: string): Promise<void> {
  const fields = (await loadCustomFields(trx, organizationId, 'contact')).filter((f) => f.type === 'contact');
  if (fields.length === 0) return;
  const [row, siblings] = await Promise.all([
    trx.selectFrom('contacts').select('custom').where('organization_id', '=', organizationId).where('id', '=', contactId).executeTakeFirstOrThrow(),
    trx.selectFrom('contacts').select('id').where('organization_id', '=', organizationId).where('lead_id', '=', leadId).execute(),
  ]);
  const onLead = new Set(siblings.map((s) => s.id));
  const custom = (row.custom ?? {}) as Record<string, unknown>;
  const ops: CustomOp[] = [];
  for (const field of fields) {
    const value = custom[field.id];
    if (value === undefined || value === null) continue;
    const stray = (Array.isArray(value) ? value : [value]).filter((v) => typeof v !== 'string' || !onLead.has(v));
    if (stray.length === 0) continue;
    ops.push(Array.isArray(value) ? { kind: 'remove', fieldId: field.id, values: stray } : { kind: 'set', fieldId: field.id, value: null });
  }
  await applyCustomOps(trx, 'contacts', organizationId, [contactId], ops);
}

/** Deletes a contact with its emails, phones and URLs (404 if not found); its lead records `lead.updated`. */
export async function deleteContact(trx: Kysely<Database>, actor: Actor, contactId: string): Promise<void> {
  const org = actor.organizationId;
  const { leadId, leadsBefore } = await lockContactWithLeads(trx, actor, contactId, (seen) => [seen]);
  const before = (await loadContactObjects(trx, org, [contactId])).get(contactId);
  // Its sequence subscriptions go with it (ON DELETE CASCADE), each with its `deleted` event.
  const subscriptions = await subscriptionsIn(trx, org, { contactId });
  await trx.deleteFrom('contacts').where('organization_id', '=', org).where('id', '=', contactId).execute();
  await dropContactReferences(trx, org, leadId, contactId);
  await recordLeadsContactsChanged(trx, actor, leadsBefore);
  await recordEvent(trx, { ...eventBase(actor), objectType: 'contact', objectId: contactId, leadId, action: 'deleted', previousData: before });
  await recordSubscriptionsDeleted(trx, subscriptions, eventBase(actor));
}
