/**
 * `fields` of an export: which keys of each lead (type `leads`) or contact (type `contacts`) the file
 * holds. The names are the keys the API's serializers produce (src/leads/serialize.ts,
 * src/contacts/serialize.ts; test/exports/fields.test.ts fails when a serializer gains or loses a
 * key this list does not know), plus `custom` (every custom field: the deprecated `custom` dict by
 * name and each `custom.cf_…` key, as `_fields` reads it) and `custom.cf_…` for one field.
 *
 * Without `fields`, an export holds the fields Close lists for its exports (its documented
 * examples), with `lead_id` and `custom` added for contacts: a contact row without its lead, or
 * without its custom values, could not be put back.
 */
import { fieldError } from '../errors.ts';
import { loadCustomFields, type CustomFieldDef } from '../custom-fields/values.ts';
import type { Db } from '../db/database.ts';

export type ExportType = 'leads' | 'contacts';

/** Every top-level key of a serialized lead, in the serializer's order (`custom.cf_…` aside). */
export const LEAD_FIELDS = [
  'id', 'name', 'display_name', 'description', 'url', 'status_id', 'status_label', 'organization_id', 'html_url',
  'contacts', 'contact_ids', 'addresses', 'opportunities', 'tasks', 'integration_links', 'primary_email',
  'primary_phone', 'localtime', 'source', 'recent_calls', 'summaries', 'created_by', 'updated_by', 'created_by_name',
  'updated_by_name', 'date_created', 'date_updated', 'custom',
] as const;

/** Every top-level key of a serialized contact, in the serializer's order (`custom.cf_…` aside). */
export const CONTACT_FIELDS = [
  'id', 'organization_id', 'lead_id', 'name', 'title', 'display_name', 'emails', 'phones', 'urls', 'integration_links',
  'subscriptions', 'recent_calls', 'timezone', 'timezone_source', 'lead_suggestions_operation_id', 'created_by',
  'updated_by', 'date_created', 'date_updated', 'custom',
] as const;

/** Close's default export fields (from its documented export objects). */
export const DEFAULT_FIELDS: Readonly<Record<ExportType, readonly string[]>> = {
  leads: [
    'addresses', 'contacts', 'created_by', 'created_by_name', 'custom', 'date_created', 'date_updated', 'description',
    'display_name', 'id', 'name', 'status_id', 'status_label', 'updated_by', 'updated_by_name', 'url',
  ],
  contacts: ['created_by', 'custom', 'date_created', 'date_updated', 'emails', 'id', 'lead_id', 'name', 'phones', 'title', 'updated_by', 'urls'],
};

/** Keys whose values are timestamps, which `date_format` rewrites in CSV files. */
export const TIMESTAMP_FIELDS: ReadonlySet<string> = new Set(['date_created', 'date_updated']);

const KNOWN: Readonly<Record<ExportType, ReadonlySet<string>>> = {
  leads: new Set(LEAD_FIELDS),
  contacts: new Set(CONTACT_FIELDS),
};

/** The custom-field object type of an export type. */
export function objectTypeOf(type: ExportType): 'lead' | 'contact' {
  return type === 'leads' ? 'lead' : 'contact';
}

/**
 * Checks `requested` (or takes the default) against the serializer's keys and the organization's
 * custom fields; returns the list to store, duplicates dropped, in the order given. A 400 names
 * `fields[i]` for an unknown name.
 */
export async function validateFields(db: Db, organizationId: string, type: ExportType, requested: unknown): Promise<string[]> {
  if (requested === undefined || requested === null) return [...DEFAULT_FIELDS[type]];
  if (!Array.isArray(requested)) throw fieldError('fields', 'Input should be a list of field names.');
  if (requested.length === 0) throw fieldError('fields', 'Send at least one field, or leave fields out to export the default fields.');
  const custom = requested.some((name) => typeof name === 'string' && name.startsWith('custom.'))
    ? new Set((await loadCustomFields(db, organizationId, objectTypeOf(type))).map((field) => field.id))
    : new Set<string>();
  const out: string[] = [];
  requested.forEach((name: unknown, i) => {
    if (typeof name !== 'string') throw fieldError(`fields[${i}]`, 'Input should be a field name.');
    const known = KNOWN[type].has(name) || (name.startsWith('custom.') && custom.has(name.slice('custom.'.length)));
    if (!known) {
      throw fieldError(
        `fields[${i}]`,
        name.startsWith('custom.')
          ? `No ${objectTypeOf(type)} custom field has the id ${JSON.stringify(name.slice('custom.'.length))} (send custom.cf_…).`
          : `Unknown ${objectTypeOf(type)} field ${JSON.stringify(name)}; known: ${[...KNOWN[type]].join(', ')}, custom.cf_….`,
      );
    }
    if (!out.includes(name)) out.push(name);
  });
  return out;
}

/** A CSV column: the key it reads and whether its values are timestamps. */
export interface CsvColumn {
  readonly key: string;
  readonly timestamp: boolean;
}

/**
 * The columns of a CSV export, fixed when its leads are loaded (the header is written once, so
 * fields created later cannot add columns): one per field, `custom` becoming one `custom.cf_…`
 * column per custom field then defined (in creation order; the deprecated dict is left out of CSV,
 * it repeats the same values), datetime custom fields counting as timestamps.
 */
export async function csvColumns(db: Db, organizationId: string, type: ExportType, fields: readonly string[]): Promise<CsvColumn[]> {
  const defs: CustomFieldDef[] = fields.some((f) => f === 'custom' || f.startsWith('custom.'))
    ? await loadCustomFields(db, organizationId, objectTypeOf(type))
    : [];
  const typeOf = new Map(defs.map((def) => [`custom.${def.id}`, def.type]));
  const columns: CsvColumn[] = [];
  const add = (key: string) => {
    if (!columns.some((c) => c.key === key)) columns.push({ key, timestamp: TIMESTAMP_FIELDS.has(key) || typeOf.get(key) === 'datetime' });
  };
  for (const field of fields) {
    if (field === 'custom') for (const def of defs) add(`custom.${def.id}`);
    else add(field);
  }
  return columns;
}

/**
 * The keys of `object` that `fields` selects, in the order of `fields` (`custom` standing for the
 * `custom` dict and every `custom.cf_…` key the object has).
 */
export function pickFields(object: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of fields) {
    if (name === 'custom') {
      for (const [key, value] of Object.entries(object)) if (key === 'custom' || key.startsWith('custom.')) out[key] = value;
    } else if (Object.hasOwn(object, name)) {
      out[name] = object[name];
    }
  }
  return out;
}
