/**
 * Contacts as Close's `/contact/{id}/` shows them, loaded for any number of ids in six queries
 * (contacts, emails with their unsubscribe state, phones, URLs, sequence subscriptions, and the
 * contact custom field names of the deprecated `custom` dict).
 */
import { sql, type Kysely } from 'kysely';
import { customDict, loadFieldNames } from '../custom-fields/custom-dict.ts';
import type { Database } from '../db/schema.ts';
import { loadSubscriptionsForContacts } from '../sequences/contact-subscriptions.ts';
import { formatTimestamp } from '../time.ts';
import { yielder } from '../event-loop.ts';

/** Adds one `custom.cf_…` key per field with a value, as Close returns them. */
export function customKeys(custom: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (custom === null || typeof custom !== 'object') return out;
  for (const [id, value] of Object.entries(custom as Record<string, unknown>)) {
    if (value !== null && value !== undefined) out[`custom.${id}`] = value;
  }
  return out;
}

function groupBy<T extends { contact_id: string }>(rows: readonly T[]): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const row of rows) {
    const list = map.get(row.contact_id);
    if (list) list.push(row);
    else map.set(row.contact_id, [row]);
  }
  return map;
}

/** Loads the contacts `ids` of `organizationId` as API objects, keyed by id (unknown ids are absent). */
export async function loadContactObjects(
  db: Kysely<Database>,
  organizationId: string,
  ids: readonly string[],
): Promise<Map<string, Record<string, unknown>>> {
  const out = new Map<string, Record<string, unknown>>();
  if (ids.length === 0) return out;
  const idList = [...new Set(ids)];
  const inIds = sql<boolean>`contact_id = ANY(${idList}::text[])`;
  const [contacts, emails, phones, urls, subscriptions, fieldNames] = await Promise.all([
    db
      .selectFrom('contacts')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .where(sql<boolean>`id = ANY(${idList}::text[])`)
      .execute(),
    db
      .selectFrom('contact_emails as e')
      .leftJoin('unsubscribed_emails as u', (join) =>
        join.onRef('u.organization_id', '=', 'e.organization_id').on(sql<boolean>`u.email = lower(e.email)`),
      )
      .select(['e.contact_id', 'e.email', 'e.type', sql<boolean>`u.email IS NOT NULL`.as('is_unsubscribed')])
      .where('e.organization_id', '=', organizationId)
      .where(sql<boolean>`e.contact_id = ANY(${idList}::text[])`)
      .orderBy('e.contact_id')
      .orderBy('e.position')
      .execute(),
    db
      .selectFrom('contact_phones')
      .select(['contact_id', 'phone', 'phone_formatted', 'country', 'type'])
      .where('organization_id', '=', organizationId)
      .where(inIds)
      .orderBy('contact_id')
      .orderBy('position')
      .execute(),
    db
      .selectFrom('contact_urls')
      .select(['contact_id', 'url', 'type'])
      .where('organization_id', '=', organizationId)
      .where(inIds)
      .orderBy('contact_id')
      .orderBy('position')
      .execute(),
    loadSubscriptionsForContacts(db, organizationId, idList),
    loadFieldNames(db, organizationId, 'contact'),
  ]);
  const emailsOf = groupBy(emails);
  const phonesOf = groupBy(phones);
  const urlsOf = groupBy(urls);
  // Formatting phones costs a fraction of a millisecond each: a page of many contacts yields.
  const pause = yielder();
  for (const c of contacts) {
    await pause();
    const contactEmails = (emailsOf.get(c.id) ?? []).map((e) => ({ email: e.email, type: e.type, is_unsubscribed: e.is_unsubscribed }));
    out.set(c.id, {
      id: c.id,
      organization_id: c.organization_id,
      lead_id: c.lead_id,
      name: c.name,
      title: c.title,
      display_name: c.name || contactEmails[0]?.email || '',
      emails: contactEmails,
      phones: (phonesOf.get(c.id) ?? []).map((p) => ({
        phone: p.phone,
        phone_formatted: p.phone_formatted,
        type: p.type,
        country: p.country,
        // Sluice sends no SMS and keeps no time zone data for numbers.
        outbound_sms_blocked: false,
        tz_ids: [],
      })),
      urls: (urlsOf.get(c.id) ?? []).map((u) => ({ url: u.url, type: u.type })),
      integration_links: [],
      subscriptions: subscriptions.get(c.id) ?? [],
      // Close's Contact keys for data Sluice does not have: no calls, no time zones, no lead suggestions.
      recent_calls: [],
      timezone: null,
      timezone_source: null,
      lead_suggestions_operation_id: null,
      created_by: c.created_by,
      updated_by: c.updated_by,
      date_created: formatTimestamp(c.date_created),
      date_updated: formatTimestamp(c.date_updated),
      custom: customDict(c.custom, fieldNames),
      ...customKeys(c.custom),
    });
  }
  return out;
}
