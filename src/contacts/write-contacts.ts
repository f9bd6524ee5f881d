/**
 * Creating contacts on a lead: the nested `contacts` of `POST /lead/` and `POST /contact/`.
 * Everything is validated first (phones, custom values), then each table is written in one
 * statement for all contacts, and one `contact.created` event per contact is recorded.
 */
import { sql, type Kysely } from 'kysely';
import { loadCustomFields } from '../custom-fields/values.ts';
import type { Database } from '../db/schema.ts';
import { fieldError } from '../errors.ts';
import { recordEvents } from '../events/record-event.ts';
import { yielder } from '../event-loop.ts';
import { newId } from '../ids.ts';
import { eventBase, type Actor } from '../leads/actor.ts';
import { customMapFromOps, hasCustomInput, parseCustomInput } from '../leads/custom-input.ts';
import { normalizeChannels, writeChannels } from './channels.ts';
import type { NestedContactInput } from './schemas.ts';
import { loadContactObjects } from './serialize.ts';

/**
 * Emails, phones and urls one request may create across its contacts. Each list kind is written in
 * one statement of six parameters a row, which PostgreSQL caps at 65,535 parameters; the bound also
 * keeps phone parsing and formatting (libphonenumber, up to half a millisecond a number for +1
 * numbers) to about a second.
 */
export const MAX_CHANNELS_PER_REQUEST = 2_000;

export interface NewContact {
  readonly input: NestedContactInput & Record<string, unknown>;
  /** Where the contact sits in the request body (`contacts[0]`, or '' for a top-level body). */
  readonly path: string;
}

/** Creates `items` on `leadId` and returns their API objects in request order. */
export async function insertContacts(
  trx: Kysely<Database>,
  actor: Actor,
  leadId: string,
  items: readonly NewContact[],
): Promise<Record<string, unknown>[]> {
  if (items.length === 0) return [];
  const channelCount = items.reduce((sum, { input }) => sum + (input.emails?.length ?? 0) + (input.phones?.length ?? 0) + (input.urls?.length ?? 0), 0);
  if (channelCount > MAX_CHANNELS_PER_REQUEST) {
    const path = items[0]!.path === '' ? '__all__' : 'contacts';
    throw fieldError(path, `At most ${MAX_CHANNELS_PER_REQUEST} emails, phones and urls may be created in one request; this one has ${channelCount}.`);
  }
  const org = actor.organizationId;
  const fields = items.some((item) => hasCustomInput(item.input)) ? await loadCustomFields(trx, org, 'contact') : [];
  const prepared = [];
  const pause = yielder();
  for (const item of items) {
    await pause();
    const channels = normalizeChannels(item.input, item.path);
    const ops = await parseCustomInput(trx, org, 'contact', item.input, { pathPrefix: item.path, leadId, fields });
    prepared.push({ id: newId('cont'), item, channels, custom: customMapFromOps(ops) });
  }
  await trx
    .insertInto('contacts')
    .values(
      prepared.map((p, i) => ({
        id: p.id,
        organization_id: org,
        lead_id: leadId,
        name: p.item.input.name ?? null,
        title: p.item.input.title ?? null,
        custom: JSON.stringify(p.custom),
        created_by: actor.userId,
        updated_by: actor.userId,
        // Contacts have no position column; a microsecond apart keeps the request's order when
        // listed by date_created.
        date_created: sql<Date>`${actor.now}::timestamptz + ${i} * interval '1 microsecond'`,
        date_updated: actor.now,
      })),
    )
    .execute();
  await writeChannels(
    trx,
    prepared.map((p) => ({ owner: { organizationId: org, contactId: p.id, leadId }, channels: p.channels, replace: false })),
  );
  const objects = await loadContactObjects(trx, org, prepared.map((p) => p.id));
  const ordered = prepared.map((p) => objects.get(p.id)!);
  await recordEvents(
    trx,
    ordered.map((object) => ({
      ...eventBase(actor),
      objectType: 'contact',
      objectId: object.id as string,
      leadId,
      action: 'created',
      data: object,
    })),
  );
  return ordered;
}
