/**
 * What templates and recipient selection read about leads and contacts, loaded set-based for many
 * leads at once (three queries per batch, whatever its size): each lead with its contacts in Close's
 * order (date_created, id) and each contact's emails in their stored order.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { loadCustomFields, type CustomFieldDef } from '../custom-fields/values.ts';

export interface ContactData {
  readonly id: string;
  readonly name: string | null;
  readonly title: string | null;
  readonly emails: readonly string[];
  readonly custom: Readonly<Record<string, unknown>>;
}

export interface LeadData {
  readonly id: string;
  readonly name: string | null;
  readonly url: string | null;
  readonly description: string | null;
  readonly statusLabel: string | null;
  readonly custom: Readonly<Record<string, unknown>>;
  readonly contacts: readonly ContactData[];
}

export interface CustomFieldNames {
  readonly lead: readonly CustomFieldDef[];
  readonly contact: readonly CustomFieldDef[];
}

/** The custom field definitions templates name values by. */
export async function loadCustomFieldNames(db: Kysely<Database>, organizationId: string): Promise<CustomFieldNames> {
  const [lead, contact] = await Promise.all([
    loadCustomFields(db, organizationId, 'lead'),
    loadCustomFields(db, organizationId, 'contact'),
  ]);
  return { lead, contact };
}

/** Loads leads (of `organizationId` only) with their contacts and emails, keyed by lead id. */
export async function loadLeadData(db: Kysely<Database>, organizationId: string, leadIds: readonly string[]): Promise<Map<string, LeadData>> {
  const out = new Map<string, LeadData>();
  if (leadIds.length === 0) return out;
  const ids = [...new Set(leadIds)];
  const [leads, contacts, emails] = await Promise.all([
    db
      .selectFrom('leads')
      .leftJoin('lead_statuses', (join) =>
        join.onRef('lead_statuses.id', '=', 'leads.status_id').onRef('lead_statuses.organization_id', '=', 'leads.organization_id'),
      )
      .select(['leads.id', 'leads.name', 'leads.url', 'leads.description', 'leads.custom', 'lead_statuses.label as status_label'])
      .where('leads.organization_id', '=', organizationId)
      .where('leads.id', 'in', ids)
      .execute(),
    db
      .selectFrom('contacts')
      .select(['id', 'lead_id', 'name', 'title', 'custom'])
      .where('organization_id', '=', organizationId)
      .where('lead_id', 'in', ids)
      .orderBy('lead_id')
      .orderBy('date_created')
      .orderBy('id')
      .execute(),
    db
      .selectFrom('contact_emails')
      .select(['contact_id', 'email'])
      .where('organization_id', '=', organizationId)
      .where('lead_id', 'in', ids)
      .orderBy('contact_id')
      .orderBy('position')
      .execute(),
  ]);
  const emailsByContact = new Map<string, string[]>();
  for (const row of emails) {
    const list = emailsByContact.get(row.contact_id);
    if (list) list.push(row.email);
    else emailsByContact.set(row.contact_id, [row.email]);
  }
  const contactsByLead = new Map<string, ContactData[]>();
  for (const row of contacts) {
    const contact: ContactData = { id: row.id, name: row.name, title: row.title, emails: emailsByContact.get(row.id) ?? [], custom: row.custom ?? {} };
    const list = contactsByLead.get(row.lead_id);
    if (list) list.push(contact);
    else contactsByLead.set(row.lead_id, [contact]);
  }
  for (const row of leads) {
    out.set(row.id, {
      id: row.id,
      name: row.name,
      url: row.url,
      description: row.description,
      statusLabel: row.status_label ?? null,
      custom: row.custom ?? {},
      contacts: contactsByLead.get(row.id) ?? [],
    });
  }
  return out;
}
