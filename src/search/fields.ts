/**
 * The allow-list of searchable objects and their fields. Only identifiers written here ever reach
 * SQL text. Each field has a kind, and the kind decides which conditions it accepts (CONDITIONS_BY_KIND):
 * a condition on a field of another kind is a 400 naming the condition's path.
 *
 * Later related types (email activities, sequence subscriptions) add themselves with
 * `registerObjectType`, next to a relation in `related.ts`; the compiler core does not change.
 */
import type { ConditionType, FieldKind, ResultObjectType } from './ast.ts';
import type { SqlBuilder } from './sql-builder.ts';

export interface RegularFieldDef {
  readonly name: string;
  readonly kind: FieldKind;
  /** For `reference` fields: the `reference_type`s a condition may name. */
  readonly referenceTypes?: readonly string[];
  /** False when the expression can never be NULL (keysets then use a row comparison). */
  readonly nullable: boolean;
  /** SQL expression of the value on the row aliased `alias`. */
  readonly sql: (alias: string, b: SqlBuilder) => string;
}

export interface ObjectTypeDef {
  readonly name: string;
  /** Table holding the objects; it has `organization_id` and `id` columns. */
  readonly table: string;
  readonly fields: ReadonlyMap<string, RegularFieldDef>;
}

export const CONDITIONS_BY_KIND: Readonly<Record<FieldKind, readonly ConditionType[]>> = {
  text: ['text', 'term', 'exists'],
  number: ['number_range', 'exists'],
  count: ['number_range', 'exists'],
  date: ['moment_range', 'exists'],
  datetime: ['moment_range', 'exists'],
  choices: ['term', 'exists'],
  reference: ['reference', 'exists'],
  boolean: ['boolean'],
};

/** Conditions `kind` accepts; `current_user` only on user references. */
export function conditionsFor(kind: FieldKind, referenceTypes: readonly string[] = []): readonly ConditionType[] {
  const base = CONDITIONS_BY_KIND[kind];
  return referenceTypes.includes('user') ? [...base, 'current_user'] : base;
}

/** Kinds that `sort` accepts: numbers, dates and text of the returned object. */
export const SORTABLE_KINDS: readonly FieldKind[] = ['text', 'number', 'count', 'date', 'datetime'];

const USER_REFS = ['user', 'user_or_group'] as const;

function column(name: string, kind: FieldKind, nullable: boolean, referenceTypes?: readonly string[]): RegularFieldDef {
  return { name, kind, nullable, referenceTypes, sql: (alias) => `${alias}.${name}` };
}

function derived(name: string, kind: FieldKind, sql: RegularFieldDef['sql'], nullable = false): RegularFieldDef {
  return { name, kind, nullable, sql };
}

/** `count(*)` of rows of `table` whose `key` column points at the row. */
function countOf(name: string, table: string, key: string): RegularFieldDef {
  return derived(name, 'count', (alias, b) => {
    const x = b.alias('n');
    return `(SELECT count(*) FROM ${table} ${x} WHERE ${x}.organization_id = ${b.org} AND ${x}.${key} = ${alias}.id)`;
  });
}

function byName(defs: readonly RegularFieldDef[]): ReadonlyMap<string, RegularFieldDef> {
  return new Map(defs.map((d) => [d.name, d]));
}

const common = (): RegularFieldDef[] => [
  column('created_by', 'reference', true, USER_REFS),
  column('updated_by', 'reference', true, USER_REFS),
  column('date_created', 'datetime', false),
  column('date_updated', 'datetime', false),
];

const lead: ObjectTypeDef = {
  name: 'lead',
  table: 'leads',
  fields: byName([
    column('name', 'text', true),
    // As src/leads/serialize.ts shows it: the name, else the first named contact's name, else ''.
    derived('display_name', 'text', (alias, b) => {
      const c = b.alias('d');
      return `COALESCE(NULLIF(${alias}.name, ''), (SELECT ${c}.name FROM contacts ${c} WHERE ${c}.organization_id = ${b.org} AND ${c}.lead_id = ${alias}.id AND ${c}.name <> '' ORDER BY ${c}.date_created, ${c}.id LIMIT 1), '')`;
    }),
    column('description', 'text', true),
    column('url', 'text', true),
    column('status_id', 'reference', false, ['status.lead']),
    ...common(),
    countOf('num_contacts', 'contacts', 'lead_id'),
    countOf('addresses_count', 'addresses', 'lead_id'),
    countOf('num_emails', 'contact_emails', 'lead_id'),
    countOf('num_phones', 'contact_phones', 'lead_id'),
    // The activities Sluice keeps are email activities (every status, outbox to error); the
    // (organization_id, lead_id, date_created, id) index of 0006_email.sql answers the count.
    countOf('num_activities', 'email_activities', 'lead_id'),
    // The lead's own url counts as one of its urls, as in Close.
    derived('all_urls_count', 'count', (alias, b) => {
      const x = b.alias('n');
      return `((CASE WHEN ${alias}.url IS NOT NULL AND ${alias}.url <> '' THEN 1 ELSE 0 END) + (SELECT count(*) FROM contact_urls ${x} WHERE ${x}.organization_id = ${b.org} AND ${x}.lead_id = ${alias}.id))`;
    }),
  ]),
};

const contact: ObjectTypeDef = {
  name: 'contact',
  table: 'contacts',
  fields: byName([
    column('name', 'text', true),
    // As src/contacts/serialize.ts shows it: the name, else the first email, else ''.
    derived('display_name', 'text', (alias, b) => {
      const e = b.alias('d');
      return `COALESCE(NULLIF(${alias}.name, ''), (SELECT ${e}.email FROM contact_emails ${e} WHERE ${e}.organization_id = ${b.org} AND ${e}.contact_id = ${alias}.id ORDER BY ${e}.position LIMIT 1), '')`;
    }),
    column('title', 'text', true),
    column('lead_id', 'reference', false, ['lead']),
    ...common(),
    countOf('emails_count', 'contact_emails', 'contact_id'),
    countOf('phones_count', 'contact_phones', 'contact_id'),
    countOf('urls_count', 'contact_urls', 'contact_id'),
  ]),
};

const contactEmail: ObjectTypeDef = {
  name: 'contact_email',
  table: 'contact_emails',
  fields: byName([
    column('email', 'text', false),
    column('type', 'text', false),
    // Unsubscribed addresses are stored lower-cased (0001_core.sql).
    derived('is_unsubscribed', 'boolean', (alias, b) => {
      const u = b.alias('u');
      return `EXISTS (SELECT 1 FROM unsubscribed_emails ${u} WHERE ${u}.organization_id = ${b.org} AND ${u}.email = lower(${alias}.email))`;
    }),
  ]),
};

const contactPhone: ObjectTypeDef = {
  name: 'contact_phone',
  table: 'contact_phones',
  fields: byName([column('phone', 'text', false), column('type', 'text', false), column('country', 'text', true)]),
};

const contactUrl: ObjectTypeDef = {
  name: 'contact_url',
  table: 'contact_urls',
  fields: byName([column('url', 'text', false), column('type', 'text', false)]),
};

const ADDRESS_PARTS = ['address_1', 'address_2', 'city', 'state', 'zipcode', 'country'] as const;
const address: ObjectTypeDef = {
  name: 'address',
  table: 'addresses',
  fields: byName([
    ...ADDRESS_PARTS.map((p) => column(p, 'text', true)),
    column('label', 'text', true),
    // The whole address as one line, for "anywhere in the address" conditions.
    derived('location', 'text', (alias) => `concat_ws(', ', ${ADDRESS_PARTS.map((p) => `${alias}.${p}`).join(', ')})`),
  ]),
};

/**
 * A contact's subscriptions to sequences, as Close's `sequence_subscription` related type: the
 * sequence (reference type `sequence`) and the status (Close's `term` values `active`, `paused`,
 * `finished`, `goal`, `error`). Deleted subscriptions are left out by the relation (related.ts).
 */
const sequenceSubscription: ObjectTypeDef = {
  name: 'sequence_subscription',
  table: 'sequence_subscriptions',
  fields: byName([
    column('sequence_id', 'reference', false, ['sequence']),
    column('status', 'choices', false),
    column('date_created', 'datetime', false),
  ]),
};

const registry = new Map<string, ObjectTypeDef>();

/** Adds a searchable object type (used by domains that add related types). */
export function registerObjectType(def: ObjectTypeDef): void {
  // Table names reach SQL text: keep them plain identifiers.
  if (!/^[a-z_]+$/.test(def.table)) throw new Error(`invalid table name ${def.table}`);
  registry.set(def.name, def);
}

for (const def of [lead, contact, contactEmail, contactPhone, contactUrl, address, sequenceSubscription]) registerObjectType(def);

/** The definition of object type `name`, if searchable. */
export function objectTypeDef(name: string): ObjectTypeDef | undefined {
  return registry.get(name);
}

/** Every registered object type name. */
export function objectTypeNames(): string[] {
  return [...registry.keys()];
}

/** True for the object types a query can return. */
export function isResultType(name: string): name is ResultObjectType {
  return name === 'lead' || name === 'contact';
}

/** How a custom field's stored type maps to a field kind. */
export function customFieldKind(valueType: string): { kind: FieldKind; referenceTypes?: readonly string[] } {
  switch (valueType) {
    case 'number':
      return { kind: 'number' };
    case 'date':
      return { kind: 'date' };
    case 'datetime':
      return { kind: 'datetime' };
    case 'choices':
      return { kind: 'choices' };
    case 'user':
      return { kind: 'reference', referenceTypes: USER_REFS };
    case 'contact':
      return { kind: 'reference', referenceTypes: ['contact'] };
    default:
      return { kind: 'text' };
  }
}

/** Kind and reference types of a parsed field. */
export function describeField(field: import('./ast.ts').Field): { kind: FieldKind; referenceTypes: readonly string[]; nullable: boolean } {
  if (field.type === 'custom_field') {
    const { kind, referenceTypes = [] } = customFieldKind(field.value_type);
    return { kind, referenceTypes, nullable: true };
  }
  const def = registry.get(field.object_type)?.fields.get(field.field_name);
  if (!def) throw new Error(`unknown field ${field.object_type}.${field.field_name}`);
  return { kind: def.kind, referenceTypes: def.referenceTypes ?? [], nullable: def.nullable };
}
