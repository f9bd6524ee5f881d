/**
 * PostgreSQL's COPY text format: one line per row, tab-separated, `\N` for NULL, and backslash,
 * tab, newline and carriage return escaped. Text format rather than CSV because its escaping is a
 * single character class, which keeps encoding cheap at millions of rows.
 */

const NEEDS_ESCAPE = /[\\\t\n\r]/;
const ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** One value in COPY text form. */
export function copyValue(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '\\N';
  const text = typeof value === 'number' ? String(value) : value;
  return NEEDS_ESCAPE.test(text) ? text.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c]!) : text;
}

/** One row (a line, newline included) in COPY text form. */
export function copyRow(values: readonly (string | number | null | undefined)[]): string {
  let line = '';
  for (let i = 0; i < values.length; i++) line += (i === 0 ? '' : '\t') + copyValue(values[i]);
  return line + '\n';
}

/** The columns each seeded table is loaded with, in row order; bigserial ids are left to their defaults. */
export const COPY_COLUMNS = {
  leads: ['id', 'organization_id', 'name', 'description', 'url', 'status_id', 'custom', 'created_by', 'updated_by', 'date_created', 'date_updated'],
  contacts: ['id', 'organization_id', 'lead_id', 'name', 'title', 'custom', 'created_by', 'updated_by', 'date_created', 'date_updated'],
  contact_emails: ['organization_id', 'contact_id', 'lead_id', 'position', 'email', 'type'],
  contact_phones: ['organization_id', 'contact_id', 'lead_id', 'position', 'phone', 'phone_formatted', 'country', 'type'],
  contact_urls: ['organization_id', 'contact_id', 'lead_id', 'position', 'url', 'type'],
  addresses: ['organization_id', 'lead_id', 'position', 'label', 'address_1', 'address_2', 'city', 'state', 'zipcode', 'country'],
} as const;

export type SeedTable = keyof typeof COPY_COLUMNS;

/** Tables in load order: parents before the rows whose foreign keys point at them. */
export const SEED_TABLES: readonly SeedTable[] = ['leads', 'contacts', 'contact_emails', 'contact_phones', 'contact_urls', 'addresses'];
