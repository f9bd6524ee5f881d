/**
 * A lead as its events carry it (`data`, `previous_data`): the API object without the nested
 * `contacts`, which have events of their own, as Close's do. The lead keeps `contact_ids`, the only
 * contact change a `lead.updated` records. This is what lets Close's restore_deleted_leads.py POST a
 * deleted lead's `previous_data` and then its contacts from their `contact.deleted` events without
 * creating each contact twice.
 */
export function leadEventData(lead: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const { contacts: _contacts, ...rest } = lead;
  return rest;
}
