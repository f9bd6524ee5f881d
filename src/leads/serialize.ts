/**
 * Leads as Close's `/lead/{id}/` shows them (§4.1), loaded for any number of ids in a fixed number
 * of queries: leads with status and user names, their contact ids, the contacts (six queries),
 * addresses, and the lead custom field names of the deprecated `custom` dict. Bulk actions, search
 * `_fields` and templates call this with whole batches.
 */
import { sql, type Kysely } from 'kysely';
import { loadConfig } from '../config.ts';
import { customKeys, loadContactObjects } from '../contacts/serialize.ts';
import { customDict, loadFieldNames, type FieldNames } from '../custom-fields/custom-dict.ts';
import type { Database } from '../db/schema.ts';
import { formatTimestamp } from '../time.ts';

let defaultPublicUrl: string | undefined;

function fullName(first: string | null, last: string | null): string | null {
  const name = [first, last].filter((s) => s !== null && s !== '').join(' ');
  return name === '' ? null : name;
}

/** Keys of the lead object that need the lead's contacts loaded. */
const CONTACT_KEYS = ['contacts', 'contact_ids', 'display_name', 'primary_email', 'primary_phone'] as const;

/**
 * Which parts of the lead object `fields` (a `_fields` list) needs; all of them without a list.
 * Skipping a part leaves its keys out of the object, so callers must restrict to `fields` too.
 */
function partsFor(fields: readonly string[] | undefined): { contacts: boolean; addresses: boolean; customDict: boolean } {
  if (!fields) return { contacts: true, addresses: true, customDict: true };
  return {
    contacts: CONTACT_KEYS.some((k) => fields.includes(k)),
    addresses: fields.includes('addresses'),
    customDict: fields.includes('custom'),
  };
}

const NO_NAMES: FieldNames = new Map();

/**
 * Loads the leads `ids` of `organizationId` as API objects, keyed by id (unknown ids are absent).
 * `publicUrl` is the base of `html_url` (default: PUBLIC_URL from the environment). With `fields`
 * (a `_fields` list), contacts and addresses are read only when a requested key needs them, and
 * the keys built from them are left out otherwise.
 */
export async function loadLeadObjects(
  db: Kysely<Database>,
  organizationId: string,
  ids: readonly string[],
  opts: { publicUrl?: string; fields?: readonly string[] } = {},
): Promise<Map<string, Record<string, unknown>>> {
  const out = new Map<string, Record<string, unknown>>();
  if (ids.length === 0) return out;
  const publicUrl = opts.publicUrl ?? (defaultPublicUrl ??= loadConfig().publicUrl);
  const idList = [...new Set(ids)];
  const parts = partsFor(opts.fields);
  const [leads, contactRows, addresses, fieldNames] = await Promise.all([
    db
      .selectFrom('leads as l')
      .leftJoin('lead_statuses as s', (join) => join.onRef('s.id', '=', 'l.status_id').onRef('s.organization_id', '=', 'l.organization_id'))
      .leftJoin('users as cu', (join) => join.onRef('cu.id', '=', 'l.created_by').onRef('cu.organization_id', '=', 'l.organization_id'))
      .leftJoin('users as uu', (join) => join.onRef('uu.id', '=', 'l.updated_by').onRef('uu.organization_id', '=', 'l.organization_id'))
      .selectAll('l')
      .select([
        's.label as status_label',
        'cu.first_name as cu_first',
        'cu.last_name as cu_last',
        'uu.first_name as uu_first',
        'uu.last_name as uu_last',
      ])
      .where('l.organization_id', '=', organizationId)
      .where(sql<boolean>`l.id = ANY(${idList}::text[])`)
      .execute(),
    !parts.contacts ? [] : db
      .selectFrom('contacts')
      .select(['id', 'lead_id'])
      .where('organization_id', '=', organizationId)
      .where(sql<boolean>`lead_id = ANY(${idList}::text[])`)
      .orderBy('lead_id')
      .orderBy('date_created')
      .orderBy('id')
      .execute(),
    !parts.addresses ? [] : db
      .selectFrom('addresses')
      .select(['lead_id', 'label', 'address_1', 'address_2', 'city', 'state', 'zipcode', 'country'])
      .where('organization_id', '=', organizationId)
      .where(sql<boolean>`lead_id = ANY(${idList}::text[])`)
      .orderBy('lead_id')
      .orderBy('position')
      .execute(),
    parts.customDict ? loadFieldNames(db, organizationId, 'lead') : NO_NAMES,
  ]);
  const contacts = await loadContactObjects(db, organizationId, contactRows.map((c) => c.id));
  const contactsOf = new Map<string, Record<string, unknown>[]>();
  for (const row of contactRows) {
    const contact = contacts.get(row.id);
    if (!contact) continue;
    const list = contactsOf.get(row.lead_id) ?? [];
    list.push(contact);
    contactsOf.set(row.lead_id, list);
  }
  const addressesOf = new Map<string, Record<string, unknown>[]>();
  for (const { lead_id, ...address } of addresses) {
    const list = addressesOf.get(lead_id) ?? [];
    // Close's LeadAddress carries the address's time zones; Sluice keeps none.
    list.push({ ...address, tz_ids: [] });
    addressesOf.set(lead_id, list);
  }

  for (const lead of leads) {
    const leadContacts = contactsOf.get(lead.id) ?? [];
    const emails = leadContacts.flatMap((c) => c.emails as Record<string, unknown>[]);
    const phones = leadContacts.flatMap((c) => c.phones as Record<string, unknown>[]);
    const firstNamed = leadContacts.find((c) => typeof c.name === 'string' && c.name !== '');
    const object: Record<string, unknown> = {
      id: lead.id,
      name: lead.name,
      display_name: lead.name || (firstNamed?.name as string | undefined) || '',
      description: lead.description,
      url: lead.url,
      status_id: lead.status_id,
      status_label: lead.status_label,
      organization_id: lead.organization_id,
      html_url: `${publicUrl}/lead/${lead.id}/`,
      contacts: leadContacts,
      contact_ids: leadContacts.map((c) => c.id),
      addresses: addressesOf.get(lead.id) ?? [],
      opportunities: [],
      tasks: [],
      integration_links: [],
      primary_email: emails[0] ?? null,
      primary_phone: phones[0] ?? null,
      // Close's Lead keys for data Sluice does not have: no time zones (so no local time), no
      // lead source, no calls, no AI summaries.
      localtime: null,
      source: null,
      recent_calls: [],
      summaries: [],
      created_by: lead.created_by,
      updated_by: lead.updated_by,
      created_by_name: fullName(lead.cu_first, lead.cu_last),
      updated_by_name: fullName(lead.uu_first, lead.uu_last),
      date_created: formatTimestamp(lead.date_created),
      date_updated: formatTimestamp(lead.date_updated),
      custom: customDict(lead.custom, fieldNames),
      ...customKeys(lead.custom),
    };
    if (!parts.contacts) for (const key of CONTACT_KEYS) delete object[key];
    if (!parts.addresses) delete object.addresses;
    if (!parts.customDict) delete object.custom;
    out.set(lead.id, object);
  }
  return out;
}
