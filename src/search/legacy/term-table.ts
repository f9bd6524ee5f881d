/**
 * What each key of the legacy syntax means, per object a query is evaluated on (the result type of
 * `GET /lead/` or `GET /contact/`, or the related object of a `contact(…)` or
 * `sequence_subscription(…)` clause): the field it reads (possibly on a related object, reached with
 * `has_related`), the `has:` words, the related clauses, and the `sort:` keys. Keys are matched
 * ignoring case. Everything not listed here is a 400.
 */
import type { ResultObjectType } from '../ast.ts';
import { SUBSCRIPTION_STATUSES } from '../../sequences/sequence-repository.ts';

/** The objects a legacy query or clause is evaluated on. */
export type LegacyObjectType = ResultObjectType | 'sequence_subscription';

/** A field of the result object or of an object related to it, as Advanced Filtering JSON. */
export interface FieldPlace {
  /** Object types walked through from the result object (`has_related` hops), in order. */
  readonly path: readonly string[];
  readonly field: Readonly<Record<string, unknown>>;
}

/** How a key's value is read and compared. */
export type FieldTerm =
  /** Words (`:`), a phrase (`:"…"`) or the whole value (`=`). */
  | { readonly kind: 'text'; readonly place: FieldPlace }
  /** As text, except that an address (`a@b.example`) matches the whole address. */
  | { readonly kind: 'email'; readonly place: FieldPlace }
  /** As text, except that a phone number matches the stored E.164 form. */
  | { readonly kind: 'phone'; readonly place: FieldPlace }
  /** A lead status label. */
  | { readonly kind: 'status'; readonly place: FieldPlace }
  /** A number: `:`/`=` equal, or a comparison. */
  | { readonly kind: 'number'; readonly place: FieldPlace }
  /** A date: see dates.ts. */
  | { readonly kind: 'date'; readonly place: FieldPlace }
  /** One of fixed lower-case `values` (`:` or `=`, ignoring case), as a `term` condition. */
  | { readonly kind: 'choice'; readonly place: FieldPlace; readonly values: readonly string[] }
  /** A sequence by its id, as a `reference` condition of type `sequence`. */
  | { readonly kind: 'sequence'; readonly place: FieldPlace };

const regular = (objectType: string, fieldName: string, path: readonly string[] = []): FieldPlace => ({
  path,
  field: { type: 'regular_field', object_type: objectType, field_name: fieldName },
});

type Entry = readonly [readonly string[], FieldTerm];

function table(entries: readonly Entry[]): ReadonlyMap<string, FieldTerm> {
  return new Map(entries.flatMap(([keys, term]) => keys.map((key) => [key, term] as const)));
}

const dates = (objectType: string): Entry[] => [
  [['created', 'date_created'], { kind: 'date', place: regular(objectType, 'date_created') }],
  [['updated', 'date_updated'], { kind: 'date', place: regular(objectType, 'date_updated') }],
];

/** The count fields of each result type (from fields.ts) and the short names scripts use for them. */
const COUNTS: Readonly<Record<ResultObjectType, readonly (readonly [readonly string[], string])[]>> = {
  lead: [
    [['contacts', 'num_contacts'], 'num_contacts'],
    [['addresses', 'num_addresses', 'addresses_count'], 'addresses_count'],
    [['emails', 'num_emails'], 'num_emails'],
    [['phones', 'num_phones'], 'num_phones'],
    [['urls', 'num_urls', 'all_urls_count'], 'all_urls_count'],
    // Close's scripts sort by it (`addresses > 1 sort:activities`); Sluice's activities are emails.
    [['activities', 'num_activities'], 'num_activities'],
  ],
  contact: [
    [['emails', 'num_emails', 'emails_count'], 'emails_count'],
    [['phones', 'num_phones', 'phones_count'], 'phones_count'],
    [['urls', 'num_urls', 'urls_count'], 'urls_count'],
  ],
};

const counts = (objectType: ResultObjectType): Entry[] =>
  COUNTS[objectType].map(([keys, field]) => [keys, { kind: 'number', place: regular(objectType, field) }]);

export const FIELD_TERMS: Readonly<Record<LegacyObjectType, ReadonlyMap<string, FieldTerm>>> = {
  lead: table([
    [['name', 'company', 'lead_name'], { kind: 'text', place: regular('lead', 'name') }],
    [['description'], { kind: 'text', place: regular('lead', 'description') }],
    [['url'], { kind: 'text', place: regular('lead', 'url') }],
    [['status', 'lead_status'], { kind: 'status', place: regular('lead', 'status_id') }],
    [['email', 'email_address'], { kind: 'email', place: regular('contact_email', 'email', ['contact', 'contact_email']) }],
    [['phone', 'phone_number'], { kind: 'phone', place: regular('contact_phone', 'phone', ['contact', 'contact_phone']) }],
    [['title'], { kind: 'text', place: regular('contact', 'title', ['contact']) }],
    ...dates('lead'),
    ...counts('lead'),
  ]),
  contact: table([
    [['name'], { kind: 'text', place: regular('contact', 'name') }],
    [['title'], { kind: 'text', place: regular('contact', 'title') }],
    [['company', 'lead_name'], { kind: 'text', place: regular('lead', 'name', ['lead']) }],
    [['description'], { kind: 'text', place: regular('lead', 'description', ['lead']) }],
    [['status', 'lead_status'], { kind: 'status', place: regular('lead', 'status_id', ['lead']) }],
    [['email', 'email_address'], { kind: 'email', place: regular('contact_email', 'email', ['contact_email']) }],
    [['phone', 'phone_number'], { kind: 'phone', place: regular('contact_phone', 'phone', ['contact_phone']) }],
    [['url'], { kind: 'text', place: regular('contact_url', 'url', ['contact_url']) }],
    ...dates('contact'),
    ...counts('contact'),
  ]),
  sequence_subscription: table([
    [['sequence', 'sequence_id'], { kind: 'sequence', place: regular('sequence_subscription', 'sequence_id') }],
    [['status'], { kind: 'choice', place: regular('sequence_subscription', 'status'), values: SUBSCRIPTION_STATUSES }],
    [['created', 'date_created'], { kind: 'date', place: regular('sequence_subscription', 'date_created') }],
  ]),
};

/** `has:WORD`: the query, on the result object, of objects that have one. */
export interface HasTerm {
  readonly path: readonly string[];
  /** The query at the end of the path (`match_all`: any related object will do). */
  readonly query: Readonly<Record<string, unknown>>;
}

const ANY = { type: 'match_all' } as const;

function hasTable(entries: readonly (readonly [readonly string[], HasTerm])[]): ReadonlyMap<string, HasTerm> {
  return new Map(entries.flatMap(([words, term]) => words.map((word) => [word, term] as const)));
}

export const HAS_TERMS: Readonly<Record<LegacyObjectType, ReadonlyMap<string, HasTerm>>> = {
  lead: hasTable([
    [['email', 'emails'], { path: ['contact', 'contact_email'], query: ANY }],
    [['phone', 'phones'], { path: ['contact', 'contact_phone'], query: ANY }],
    [['address', 'addresses'], { path: ['address'], query: ANY }],
    [['contact', 'contacts'], { path: ['contact'], query: ANY }],
    // The lead's own url counts, as in Close's url count.
    [['url', 'urls'], { path: [], query: { type: 'field_condition', field: regular('lead', 'all_urls_count').field, condition: { type: 'exists' } } }],
  ]),
  contact: hasTable([
    [['email', 'emails'], { path: ['contact_email'], query: ANY }],
    [['phone', 'phones'], { path: ['contact_phone'], query: ANY }],
    [['url', 'urls'], { path: ['contact_url'], query: ANY }],
  ]),
  sequence_subscription: new Map(),
};

/**
 * `NAME(…)`: the clauses on related objects, by lower-cased name, and the object their inner query
 * is evaluated on (one `has_related` hop). Close's others (`call(…)`, `sms(…)`, `opportunity(…)`)
 * name objects Sluice does not keep.
 */
export const RELATED_CLAUSES: Readonly<Record<LegacyObjectType, ReadonlyMap<string, LegacyObjectType>>> = {
  lead: new Map([['contact', 'contact']]),
  contact: new Map([['sequence_subscription', 'sequence_subscription']]),
  sequence_subscription: new Map(),
};

/** `sort:KEY` / `sort:-KEY` → a sortable field of the result object (custom fields aside). */
export const SORT_KEYS: Readonly<Record<ResultObjectType, ReadonlyMap<string, string>>> = {
  lead: new Map([
    ['created', 'date_created'],
    ['date_created', 'date_created'],
    ['updated', 'date_updated'],
    ['date_updated', 'date_updated'],
    ['name', 'name'],
    ['company', 'name'],
    ['display_name', 'display_name'],
    ['description', 'description'],
    ['url', 'url'],
    ...COUNTS.lead.flatMap(([keys, field]) => keys.map((key) => [key, field] as const)),
  ]),
  contact: new Map([
    ['created', 'date_created'],
    ['date_created', 'date_created'],
    ['updated', 'date_updated'],
    ['date_updated', 'date_updated'],
    ['name', 'name'],
    ['display_name', 'display_name'],
    ['title', 'title'],
    ...COUNTS.contact.flatMap(([keys, field]) => keys.map((key) => [key, field] as const)),
  ]),
};
