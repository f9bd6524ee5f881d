/**
 * Rows for search tests, inserted directly (the search reads tables; going through the lead API
 * would test that API too). `seedWorld` builds a small organization-A world plus look-alike rows in
 * organization B that no search by A may ever return or count.
 */
import { formatPhone } from '../../src/contacts/channels.ts';
import type { Db } from '../../src/db/database.ts';
import { newId } from '../../src/ids.ts';

export interface ContactSpec {
  id?: string;
  name?: string | null;
  title?: string | null;
  custom?: Record<string, unknown>;
  emails?: { email: string; type?: string }[];
  phones?: { phone: string; type?: string; country?: string | null }[];
  urls?: { url: string; type?: string }[];
  date_created?: string;
}

export interface AddressSpec {
  label?: string | null;
  address_1?: string | null;
  address_2?: string | null;
  city?: string | null;
  state?: string | null;
  zipcode?: string | null;
  country?: string | null;
}

export interface LeadSpec {
  id?: string;
  name?: string | null;
  description?: string | null;
  url?: string | null;
  status_id?: string;
  custom?: Record<string, unknown>;
  created_by?: string | null;
  updated_by?: string | null;
  date_created?: string;
  date_updated?: string;
  contacts?: ContactSpec[];
  addresses?: AddressSpec[];
}

/** The organization's lead status ids, in order. */
export async function statusIds(db: Db, organizationId: string): Promise<string[]> {
  const rows = await db.selectFrom('lead_statuses').select('id').where('organization_id', '=', organizationId).orderBy('position').execute();
  return rows.map((r) => r.id);
}

/** Creates a custom field definition and returns its id. */
export async function insertCustomField(db: Db, organizationId: string, objectType: 'lead' | 'contact', type: string, multiple = false, id = newId('cf')): Promise<string> {
  await db
    .insertInto('custom_fields')
    .values({ id, organization_id: organizationId, object_type: objectType, name: `${type} ${id.slice(-4)}`, type, accepts_multiple_values: multiple, editable_with_roles: '[]', choices: null })
    .execute();
  return id;
}

/** Inserts a lead with its contacts, channels and addresses; returns the ids. */
export async function insertLead(db: Db, organizationId: string, spec: LeadSpec): Promise<{ id: string; contactIds: string[] }> {
  const id = spec.id ?? newId('lead');
  const status = spec.status_id ?? (await statusIds(db, organizationId))[0]!;
  await db
    .insertInto('leads')
    .values({
      id,
      organization_id: organizationId,
      name: spec.name ?? null,
      description: spec.description ?? null,
      url: spec.url ?? null,
      status_id: status,
      custom: JSON.stringify(spec.custom ?? {}),
      created_by: spec.created_by ?? null,
      updated_by: spec.updated_by ?? null,
      ...(spec.date_created ? { date_created: spec.date_created } : {}),
      ...(spec.date_updated ? { date_updated: spec.date_updated } : {}),
    })
    .execute();
  const contactIds: string[] = [];
  for (const c of spec.contacts ?? []) {
    const contactId = c.id ?? newId('cont');
    contactIds.push(contactId);
    await db
      .insertInto('contacts')
      .values({
        id: contactId,
        organization_id: organizationId,
        lead_id: id,
        name: c.name ?? null,
        title: c.title ?? null,
        custom: JSON.stringify(c.custom ?? {}),
        ...(c.date_created ? { date_created: c.date_created } : {}),
      })
      .execute();
    const common = { organization_id: organizationId, contact_id: contactId, lead_id: id };
    if (c.emails?.length) {
      await db.insertInto('contact_emails').values(c.emails.map((e, position) => ({ ...common, position, email: e.email, type: e.type ?? 'office' }))).execute();
    }
    if (c.phones?.length) {
      await db
        .insertInto('contact_phones')
        .values(c.phones.map((p, position) => ({ ...common, position, phone: p.phone, phone_formatted: formatPhone(p.phone), type: p.type ?? 'office', country: p.country ?? null })))
        .execute();
    }
    if (c.urls?.length) {
      await db.insertInto('contact_urls').values(c.urls.map((u, position) => ({ ...common, position, url: u.url, type: u.type ?? 'url' }))).execute();
    }
  }
  if (spec.addresses?.length) {
    await db
      .insertInto('addresses')
      .values(
        spec.addresses.map((a, position) => ({
          organization_id: organizationId,
          lead_id: id,
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
  return { id, contactIds };
}
