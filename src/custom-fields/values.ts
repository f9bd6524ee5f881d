/**
 * Custom field values as leads and contacts store them: the field definitions of an organization,
 * and the one function that turns a client's value into its stored form (or a 400).
 *
 * Stored forms live in the `custom` jsonb column keyed by field id, so that search, bulk edit and
 * serialisation read one canonical shape: text/hidden strings, JSON numbers, `YYYY-MM-DD` dates,
 * UTC datetimes `YYYY-MM-DDTHH:MM:SS[.ffffff]+00:00` (which sort correctly as text), choice labels,
 * user ids and contact ids; multi-value fields hold JSON arrays of those.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { fieldError } from '../errors.ts';
import { LIST_MAX, NAME_MAX, TEXT_MAX } from '../http/input-limits.ts';

export type CustomFieldType = 'text' | 'number' | 'date' | 'datetime' | 'choices' | 'user' | 'contact' | 'hidden';

export const CUSTOM_FIELD_TYPES: readonly CustomFieldType[] = ['text', 'number', 'date', 'datetime', 'choices', 'user', 'contact', 'hidden'];

/** Types that may accept several values (Close: choices and user since 2019, contact). */
export const MULTI_VALUE_TYPES: readonly CustomFieldType[] = ['choices', 'user', 'contact'];

export interface CustomFieldDef {
  readonly id: string;
  readonly organization_id: string;
  readonly object_type: 'lead' | 'contact';
  readonly name: string;
  readonly type: CustomFieldType;
  readonly choices: readonly string[] | null;
  readonly accepts_multiple_values: boolean;
}

/** All custom fields of one object type of an organization. */
export async function loadCustomFields(
  db: Kysely<Database>,
  organizationId: string,
  objectType: 'lead' | 'contact',
): Promise<CustomFieldDef[]> {
  const rows = await db
    .selectFrom('custom_fields')
    .select(['id', 'organization_id', 'object_type', 'name', 'type', 'choices', 'accepts_multiple_values'])
    .where('organization_id', '=', organizationId)
    .where('object_type', '=', objectType)
    .orderBy('date_created')
    .orderBy('id')
    .execute();
  return rows.map((row) => ({
    id: row.id,
    organization_id: row.organization_id,
    object_type: row.object_type,
    name: row.name,
    type: row.type as CustomFieldType,
    choices: row.choices ?? null,
    accepts_multiple_values: row.accepts_multiple_values,
  }));
}

/** Finds a field by id (`cf_…`) or by exact name (Close accepts both); undefined if none. */
export function findCustomField(fields: readonly CustomFieldDef[], idOrName: string): CustomFieldDef | undefined {
  return fields.find((field) => field.id === idOrName) ?? fields.find((field) => field.name === idOrName);
}

const NUMBER_TEXT = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const DATE_TEXT = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME_TEXT = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

function isCalendarDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function normalizeNumber(value: unknown, path: string): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && NUMBER_TEXT.test(value.trim())) {
    const parsed = Number(value.trim());
    if (Number.isFinite(parsed)) return parsed;
  }
  throw fieldError(path, 'Enter a number.');
}

function normalizeDate(value: unknown, path: string): string {
  const match = typeof value === 'string' ? DATE_TEXT.exec(value.trim()) : null;
  if (!match || !isCalendarDate(Number(match[1]), Number(match[2]), Number(match[3]))) {
    throw fieldError(path, 'Enter a valid date (YYYY-MM-DD).');
  }
  return match[0];
}

/**
 * Parses by hand rather than with `Date`: `Date` keeps milliseconds only, while Close writes
 * microseconds, and it accepts forms (`2024-02-30`) that should be refused.
 */
function normalizeDatetime(value: unknown, path: string): string {
  const bad = () => fieldError(path, 'Enter a valid date and time (ISO 8601, e.g. 2014-06-27T22:00:00-08:00).');
  const match = typeof value === 'string' ? DATETIME_TEXT.exec(value.trim()) : null;
  if (!match) throw bad();
  const [year, month, day, hour, minute] = [1, 2, 3, 4, 5].map((i) => Number(match[i])) as [number, number, number, number, number];
  const second = match[6] === undefined ? 0 : Number(match[6]);
  if (!isCalendarDate(year, month, day) || hour > 23 || minute > 59 || second > 59) throw bad();
  let offsetMinutes = 0;
  const zone = match[8];
  if (zone && zone.toUpperCase() !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
    if (oh > 23 || om > 59) throw bad();
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (oh * 60 + om);
  }
  const utc = new Date(Date.UTC(year, month - 1, day, hour, minute, second) - offsetMinutes * 60_000);
  if (utc.getUTCFullYear() < 1 || utc.getUTCFullYear() > 9999) throw bad();
  const fraction = match[7] === undefined ? '' : `.${match[7].slice(0, 6).padEnd(6, '0')}`;
  return (
    `${pad(utc.getUTCFullYear(), 4)}-${pad(utc.getUTCMonth() + 1)}-${pad(utc.getUTCDate())}` +
    `T${pad(utc.getUTCHours())}:${pad(utc.getUTCMinutes())}:${pad(utc.getUTCSeconds())}${fraction}+00:00`
  );
}

function requireString(value: unknown, path: string, message: string): string {
  if (typeof value !== 'string') throw fieldError(path, message);
  return value;
}

async function normalizeUsers(db: Kysely<Database>, organizationId: string, values: readonly unknown[], path: string): Promise<string[]> {
  const wanted = values.map((v) => requireString(v, path, 'Enter a user id, full name or email.').trim());
  const users = await db
    .selectFrom('users')
    .select(['id', 'email', 'first_name', 'last_name'])
    .where('organization_id', '=', organizationId)
    .execute();
  return wanted.map((input) => {
    const byId = users.find((u) => u.id === input);
    if (byId) return byId.id;
    const lower = input.toLowerCase();
    const matches = users.filter(
      (u) => u.email.toLowerCase() === lower || [u.first_name, u.last_name].filter(Boolean).join(' ') === input,
    );
    if (matches.length === 1) return matches[0]!.id;
    if (matches.length > 1) throw fieldError(path, `More than one user matches "${input}"; use the user id.`);
    throw fieldError(path, `Unknown user: "${input}".`);
  });
}

async function normalizeContacts(
  db: Kysely<Database>,
  organizationId: string,
  values: readonly unknown[],
  path: string,
  leadId: string | undefined,
): Promise<string[]> {
  const ids = values.map((v) => requireString(v, path, 'Enter a contact id.'));
  if (ids.length === 0) return ids;
  let query = db.selectFrom('contacts').select('id').where('organization_id', '=', organizationId).where('id', 'in', ids);
  if (leadId !== undefined) query = query.where('lead_id', '=', leadId);
  const found = new Set((await query.execute()).map((row) => row.id));
  const missing = ids.find((id) => !found.has(id));
  if (missing !== undefined) {
    throw fieldError(path, leadId === undefined ? `Unknown contact: "${missing}".` : `Contact "${missing}" is not a contact of this lead.`);
  }
  return ids;
}

function normalizeScalar(field: CustomFieldDef, value: unknown, path: string): unknown {
  switch (field.type) {
    case 'text':
    case 'hidden':
      return requireString(value, path, 'Enter text.');
    case 'number':
      return normalizeNumber(value, path);
    case 'date':
      return normalizeDate(value, path);
    case 'datetime':
      return normalizeDatetime(value, path);
    case 'choices': {
      const text = requireString(value, path, 'Enter one of the choices.');
      if (!(field.choices ?? []).includes(text)) throw fieldError(path, `"${text}" is not one of the choices of ${field.name}.`);
      return text;
    }
    case 'user':
    case 'contact':
      throw new Error('references are normalised in bulk');
    default: {
      const never: never = field.type;
      throw new Error(`unknown custom field type ${String(never)}`);
    }
  }
}

/**
 * Refuses a value too large to be worth reading, before any parsing or lookup: custom values are
 * read by hand, so this is their maxItems and maxLength. Text and hidden values may be long notes;
 * any other string (a number, date, choice, user or contact) fits NAME_MAX.
 */
export function checkCustomValueSize(field: CustomFieldDef, value: unknown, path: string): void {
  const items = Array.isArray(value) ? value : [value];
  if (items.length > LIST_MAX) throw fieldError(path, `Input should have at most ${LIST_MAX} items.`);
  const maxLength = field.type === 'text' || field.type === 'hidden' ? TEXT_MAX : NAME_MAX;
  if (items.some((item) => typeof item === 'string' && item.length > maxLength)) {
    throw fieldError(path, `Input should have at most ${maxLength} characters.`);
  }
}

/**
 * Validates and normalises one value for `field`, throwing fieldError(path, message) (src/errors.ts) on a bad value.
 * null clears (returns null); so do an empty list and, for every type but text/hidden, an empty string.
 * Multi-value fields take a list (a single value is wrapped; duplicates dropped); single-value fields reject lists.
 * Stored forms (the custom jsonb column of leads/contacts, keyed by field id): text/hidden → string; number → JSON number
 * (numeric strings accepted); date → 'YYYY-MM-DD'; datetime → ISO 8601 normalised to UTC 'YYYY-MM-DDTHH:MM:SS+00:00'
 * (fractional seconds kept as .ffffff if present; no offset means UTC); choices → one of field.choices (exact);
 * user → a user id of the org (exact full name or email also accepted on input, stored as the id); contact → a contact
 * id on the same lead (opts.leadId; without it any contact of the org). Multi-value stored as JSON arrays of those.
 *
 * @example await normalizeCustomValue(db, orgId, dateField, '2014-06-12', 'custom.cf_x') // '2014-06-12'
 */
export async function normalizeCustomValue(
  db: Kysely<Database>,
  organizationId: string,
  field: CustomFieldDef,
  value: unknown,
  path: string,
  opts: { leadId?: string } = {},
): Promise<unknown> {
  if (value === null || value === undefined) return null;
  checkCustomValueSize(field, value, path);
  const clearsOnEmpty = field.type !== 'text' && field.type !== 'hidden';
  if (clearsOnEmpty && typeof value === 'string' && value.trim() === '') return null;

  let items: unknown[];
  if (Array.isArray(value)) {
    if (!field.accepts_multiple_values) throw fieldError(path, `${field.name} accepts a single value, not a list.`);
    items = value;
    if (items.some((item) => item === null || item === undefined || Array.isArray(item))) {
      throw fieldError(path, 'A list of values may not contain null or nested lists.');
    }
  } else {
    items = [value];
  }

  let normalized: unknown[];
  if (field.type === 'user') normalized = await normalizeUsers(db, organizationId, items, path);
  else if (field.type === 'contact') normalized = await normalizeContacts(db, organizationId, items, path, opts.leadId);
  else normalized = items.map((item) => normalizeScalar(field, item, path));

  if (!field.accepts_multiple_values) return normalized[0];
  const unique = [...new Set(normalized)];
  return unique.length === 0 ? null : unique;
}
