/**
 * Random worlds (leads, contacts, channels, addresses, custom values) and random queries over them,
 * for the property test. Values come from a small vocabulary so that queries often match.
 */
import fc from 'fast-check';
import { formatPhone } from '../../src/contacts/channels.ts';
import type { Db } from '../../src/db/database.ts';
import { objectTypeDef } from '../../src/search/fields.ts';
import { relatedTypesOf } from '../../src/search/related.ts';
import type { MContact, MLead, World } from './evaluator.ts';

export const WORDS = ['acme', 'corp', 'Blue', 'whale', 'CEO', 'chief', 'road', 'runner', 'wayne', 'x1', 'a_b', 'müller', 'café'];
export const CHOICES = ['Red', 'Green', 'Blue'];
export const DATES = ['2026-01-03', '2026-01-04', '2026-01-05', '2026-01-06'];
export const INSTANTS = ['2026-01-04T23:30:00.000Z', '2026-01-05T00:00:00.000Z', '2026-01-05T10:00:00.000Z', '2026-01-05T11:59:00.000Z', '2026-01-06T03:00:00.000Z'];
export const SUBSCRIPTION_STATUSES = ['active', 'paused', 'finished', 'goal', 'error'] as const;
/** The sequences of the world with ids `${prefix}…`. */
export const sequenceIds = (prefix: string) => [`seq_${prefix}0`, `seq_${prefix}1`];
/** Sequence ids queries name: organization A's two and one of B's, which A's objects never match. */
export const QUERY_SEQUENCE_IDS = [...sequenceIds('a'), 'seq_b0'];

export interface Universe {
  readonly userIds: readonly string[];
  readonly statusIds: readonly string[];
  /** Custom field ids by object type and stored type. */
  readonly customFields: readonly { id: string; object_type: 'lead' | 'contact'; type: string }[];
}

const word = fc.constantFrom(...WORDS);
const text = fc
  .tuple(fc.array(word, { minLength: 1, maxLength: 3 }), fc.constantFrom(' ', '-', '. ', '@', ', ', ' (', '/'))
  .map(([ws, sep]) => ws.join(sep));
const nullableText = fc.oneof(text, fc.constant(null), fc.constant(''));

function customValue(type: string, u: Universe): fc.Arbitrary<unknown> {
  switch (type) {
    case 'number':
      return fc.oneof(fc.constantFrom(0, 1, 2.5, 10, -3, 100), fc.constant('10'));
    case 'date':
      return fc.constantFrom(...DATES);
    case 'datetime':
      return fc.constantFrom(...INSTANTS.map((i) => i.replace('.000Z', '+00:00')));
    case 'choices':
      return fc.oneof(fc.constantFrom(...CHOICES), fc.subarray(CHOICES), fc.constant(null));
    case 'user':
      return fc.oneof(fc.constantFrom(...u.userIds), fc.subarray([...u.userIds]));
    default:
      return fc.oneof(text, fc.constant(''), fc.constant(7));
  }
}

function customs(objectType: 'lead' | 'contact', u: Universe): fc.Arbitrary<Record<string, unknown>> {
  const fields = u.customFields.filter((f) => f.object_type === objectType);
  return fc
    .tuple(...fields.map((f) => fc.option(customValue(f.type, u), { nil: undefined, freq: 2 })))
    .map((values) => Object.fromEntries(fields.flatMap((f, i) => (values[i] === undefined ? [] : [[f.id, values[i]]]))));
}

const email = fc.tuple(fc.constantFrom('acme', 'wayne', 'road', 'x1'), fc.constantFrom('corp', 'example'), fc.constantFrom('office', 'home')).map(([a, b, type]) => ({ email: `${a}@${b}.example`, type }));
const phone = fc.record({ phone: fc.constantFrom('+15550001', '+15550002', '555 0100'), type: fc.constantFrom('office', 'mobile'), country: fc.constantFrom('US', null) });
const url = fc.record({ url: fc.constantFrom('https://acme.example', 'http://road.example/runner'), type: fc.constantFrom('url', 'blog') });
const address = fc.record({
  label: fc.constantFrom('business', 'mailing', null),
  address_1: fc.option(text, { nil: null }),
  address_2: fc.constant(null),
  city: fc.constantFrom('Phoenix', 'Gotham', null),
  state: fc.constantFrom('AZ', 'NJ', null),
  zipcode: fc.constantFrom('85001', null),
  country: fc.constantFrom('US', 'DE', null),
});

/** A world for one organization; ids are `${prefix}…`. */
export function worldArb(u: Universe, prefix: string): fc.Arbitrary<World> {
  const contact = fc.record({
    name: nullableText,
    title: nullableText,
    custom: customs('contact', u),
    created_by: fc.constantFrom(...u.userIds, null),
    updated_by: fc.constantFrom(...u.userIds, null),
    date_updated: fc.constantFrom(...INSTANTS),
    emails: fc.array(email, { maxLength: 2 }),
    phones: fc.array(phone, { maxLength: 2 }),
    urls: fc.array(url, { maxLength: 1 }),
    // At most one subscription per sequence and contact, as the unique index keeps it.
    subscriptions: fc.subarray(sequenceIds(prefix)).chain((seqs) =>
      fc.tuple(...seqs.map((sequence_id) => fc.record({ sequence_id: fc.constant(sequence_id), status: fc.constantFrom(...SUBSCRIPTION_STATUSES), date_created: fc.constantFrom(...INSTANTS), deleted: fc.boolean() }))),
    ),
  });
  const lead = fc.record({
    name: nullableText,
    description: nullableText,
    url: fc.constantFrom('https://acme.example', 'wayne.example', null),
    status_id: fc.constantFrom(...u.statusIds),
    custom: customs('lead', u),
    created_by: fc.constantFrom(...u.userIds, null),
    updated_by: fc.constantFrom(...u.userIds, null),
    date_created: fc.constantFrom(...INSTANTS),
    date_updated: fc.constantFrom(...INSTANTS),
    contacts: fc.array(contact, { maxLength: 3 }),
    addresses: fc.array(address, { maxLength: 2 }),
    activities: fc.constantFrom(0, 0, 1, 2, 3),
  });
  return fc.record({ leads: fc.array(lead, { minLength: 2, maxLength: 7 }), unsubscribed: fc.subarray(['acme@corp.example', 'wayne@example.example', 'x1@corp.example']) }).map(({ leads, unsubscribed }) => ({
    unsubscribed: new Set(unsubscribed),
    sequences: sequenceIds(prefix),
    leads: leads.map((l, i): MLead => {
      const id = `lead_${prefix}${i}`;
      return {
        ...l,
        id,
        date_created: new Date(l.date_created),
        date_updated: new Date(l.date_updated),
        contacts: l.contacts.map((c, j): MContact => {
          const contactId = `cont_${prefix}${i}_${j}`;
          const subscriptions = c.subscriptions.map((sub, k) => ({ ...sub, id: `sub_${contactId}_${k}`, date_created: new Date(sub.date_created) }));
          return { ...c, id: contactId, lead_id: id, date_created: new Date(Date.parse('2026-01-01T00:00:00Z') + j * 1000), date_updated: new Date(c.date_updated), subscriptions };
        }),
      };
    }),
  }));
}

/** Replaces organization `organizationId`'s leads with `world` (a few multi-row inserts). */
export async function loadWorld(db: Db, organizationId: string, world: World): Promise<void> {
  // Leads take their contacts, activities and subscriptions with them (ON DELETE CASCADE).
  await db.deleteFrom('leads').where('organization_id', '=', organizationId).execute();
  await db.deleteFrom('sequences').where('organization_id', '=', organizationId).execute();
  await db.deleteFrom('unsubscribed_emails').where('organization_id', '=', organizationId).execute();
  const org = { organization_id: organizationId };
  if (world.unsubscribed.size > 0) await db.insertInto('unsubscribed_emails').values([...world.unsubscribed].map((email) => ({ ...org, email }))).execute();
  if (world.sequences.length > 0) await db.insertInto('sequences').values(world.sequences.map((id) => ({ ...org, id, name: id, status: 'active', timezone: 'UTC' }))).execute();
  if (world.leads.length === 0) return;
  await db
    .insertInto('leads')
    .values(world.leads.map(({ contacts: _c, addresses: _a, activities: _n, custom, ...l }) => ({ ...org, ...l, custom: JSON.stringify(custom) })))
    .execute();
  const activities = world.leads.flatMap((l) => Array.from({ length: l.activities }, (_, k) => emailActivityRow(organizationId, l.id, `acti_${l.id}_${k}`)));
  if (activities.length > 0) await db.insertInto('email_activities').values(activities).execute();
  const contacts = world.leads.flatMap((l) => l.contacts);
  if (contacts.length > 0) {
    await db.insertInto('contacts').values(contacts.map(({ emails: _e, phones: _p, urls: _u, subscriptions: _s, custom, ...c }) => ({ ...org, ...c, custom: JSON.stringify(custom) }))).execute();
  }
  const subscriptions = contacts.flatMap((c) =>
    c.subscriptions.map(({ deleted, ...sub }) => ({
      ...org, ...sub, contact_id: c.id, lead_id: c.lead_id, contact_email: 'x1@corp.example', sender_account_id: 'emailacct_x', sender_name: 'Sam', sender_email: 'sam@corp.example',
      start_date: sub.date_created, date_deleted: deleted ? sub.date_created : null,
    })),
  );
  if (subscriptions.length > 0) await db.insertInto('sequence_subscriptions').values(subscriptions).execute();
  const children = <T>(pick: (c: MContact) => T[]) => contacts.flatMap((c) => pick(c).map((item, position) => ({ ...org, contact_id: c.id, lead_id: c.lead_id, position, ...item })));
  const emails = children((c) => c.emails);
  if (emails.length > 0) await db.insertInto('contact_emails').values(emails).execute();
  const phones = children((c) => c.phones).map((p) => ({ ...p, phone_formatted: formatPhone(p.phone) }));
  if (phones.length > 0) await db.insertInto('contact_phones').values(phones).execute();
  const urls = children((c) => c.urls);
  if (urls.length > 0) await db.insertInto('contact_urls').values(urls).execute();
  const addresses = world.leads.flatMap((l) => l.addresses.map((a, position) => ({ ...org, lead_id: l.id, position, ...a })));
  if (addresses.length > 0) await db.insertInto('addresses').values(addresses).execute();
}

/** An email activity row of lead `leadId` as the bulk email enqueues one (what it says matters to no query). */
export function emailActivityRow(organizationId: string, leadId: string, id: string) {
  return {
    id, organization_id: organizationId, lead_id: leadId, status: 'sent' as const, subject: 'Hi', body_html: '<p>Hi</p>', body_text: 'Hi', sender: 'sam@corp.example',
    recipient_email: 'x1@corp.example', to_emails: JSON.stringify(['x1@corp.example']), email_account_id: 'emailacct_x', thread_id: id, message_id: `<${id}@corp.example>`, next_attempt_at: new Date(),
  };
}

const moment: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant({ type: 'now' }),
  fc.record({ type: fc.constant('fixed_local_date'), value: fc.constantFrom(...DATES), which: fc.constantFrom('start', 'end') }),
  fc.record({
    type: fc.constant('offset'),
    direction: fc.constantFrom('past', 'future'),
    moment: fc.constant({ type: 'now' }),
    offset: fc.record({ years: fc.constant(0), months: fc.constantFrom(0, 1), weeks: fc.constant(0), days: fc.constantFrom(0, 1, 2), hours: fc.constantFrom(0, 0, 3), minutes: fc.constant(0), seconds: fc.constantFrom(0, 30) }),
    which_day_end: fc.constantFrom('start', 'end', null),
  }),
);

function conditionArb(kind: string, referenceTypes: readonly string[], u: Universe, leadIds: readonly string[]): fc.Arbitrary<unknown> {
  const textCond = fc.record({ type: fc.constant('text'), mode: fc.constantFrom('full_words', 'phrase', 'beginning_of_words', 'exact_value'), value: fc.oneof(text, word.map((w) => w.slice(0, 3))) });
  const termCond = fc.record({ type: fc.constant('term'), values: fc.subarray([...CHOICES, ...WORDS.slice(0, 3), 'office', 'home', 'US', 'Phoenix', 'active', 'paused', 'finished']) });
  const exists = fc.constant({ type: 'exists' });
  switch (kind) {
    case 'text':
      return fc.oneof(textCond, termCond, exists);
    case 'choices':
      return fc.oneof(termCond, exists);
    case 'number':
    case 'count': {
      const bound = fc.option(fc.constantFrom(-1, 0, 1, 2, 2.5, 10, 50), { nil: undefined });
      return fc.oneof(fc.record({ type: fc.constant('number_range'), gt: bound, gte: bound, lt: bound, lte: bound }), exists);
    }
    case 'date':
    case 'datetime':
      return fc.oneof(fc.record({ type: fc.constant('moment_range'), on_or_after: fc.option(moment, { nil: null }), before: fc.option(moment, { nil: null }) }), exists);
    case 'boolean':
      return fc.record({ type: fc.constant('boolean'), value: fc.boolean() });
    default: {
      const pool = referenceTypes.includes('status.lead') ? u.statusIds : referenceTypes.includes('lead') ? leadIds : referenceTypes.includes('sequence') ? QUERY_SEQUENCE_IDS : u.userIds;
      const ref = fc.record({ type: fc.constant('reference'), reference_type: fc.constantFrom(...referenceTypes), object_ids: fc.subarray([...pool, 'user_nobody']) });
      return referenceTypes.includes('user') ? fc.oneof(ref, exists, fc.constant({ type: 'current_user' })) : fc.oneof(ref, exists);
    }
  }
}

function fieldConditionArb(objectType: string, u: Universe, leadIds: readonly string[]): fc.Arbitrary<unknown> {
  const def = objectTypeDef(objectType)!;
  const regular = [...def.fields.values()].map((f) =>
    conditionArb(f.kind, f.referenceTypes ?? [], u, leadIds).map((condition) => ({ type: 'field_condition', field: { type: 'regular_field', object_type: objectType, field_name: f.name }, condition })),
  );
  const custom = u.customFields
    .filter((f) => f.object_type === objectType)
    .map((f) => {
      const kind = { number: 'number', date: 'date', datetime: 'datetime', choices: 'choices', user: 'reference' }[f.type] ?? 'text';
      return conditionArb(kind, f.type === 'user' ? ['user', 'user_or_group'] : [], u, leadIds).map((condition) => ({ type: 'field_condition', field: { type: 'custom_field', custom_field_id: f.id }, condition }));
    });
  return fc.oneof(...regular, ...custom);
}

/** A random valid query evaluated on `objectType`; `top` marks nodes the result-type scan reaches. */
export function queryArb(objectType: string, u: Universe, ids: { leads: readonly string[]; contacts: readonly string[] }, depth: number, top: boolean): fc.Arbitrary<unknown> {
  const negate = fc.boolean();
  const primary = objectType === 'lead' || objectType === 'contact';
  const leaves: fc.Arbitrary<unknown>[] = [
    fc.record({ type: fc.constant('match_all'), negate }),
    fieldConditionArb(objectType, u, ids.leads).chain((q) => negate.map((n) => ({ ...(q as object), negate: n }))),
    top
      ? fc.constantFrom({ type: 'object_type', object_type: objectType, negate: false }, { type: 'object_type', object_type: objectType === 'lead' ? 'contact' : 'lead', negate: true })
      : fc.record({ type: fc.constant('object_type'), object_type: fc.constantFrom('lead', 'contact'), negate }),
  ];
  if (primary) {
    leaves.push(fc.record({ type: fc.constant('text'), mode: fc.constantFrom('full_words', 'phrase', 'beginning_of_words', 'exact_value'), value: text, negate }));
    leaves.push(fc.record({ type: fc.constant('id'), value: fc.constantFrom(...(objectType === 'lead' ? ids.leads : ids.contacts)), negate }));
    leaves.push(fc.integer({ min: 1, max: 4 }).chain((total) => fc.record({ type: fc.constant('slice'), slice: fc.integer({ min: 1, max: total }), total_slices: fc.constant(total), negate })));
  }
  if (depth <= 0) return fc.oneof(...leaves);
  const branches: fc.Arbitrary<unknown>[] = [
    fc.record({ type: fc.constantFrom('and', 'or'), queries: fc.array(queryArb(objectType, u, ids, depth - 1, top), { maxLength: 3 }), negate }),
  ];
  for (const related of relatedTypesOf(objectType)) {
    branches.push(
      fc.record({ type: fc.constant('has_related'), this_object_type: fc.constant(objectType), related_object_type: fc.constant(related), related_query: queryArb(related, u, ids, depth - 1, false), negate }),
    );
  }
  return fc.oneof({ weight: 3, arbitrary: fc.oneof(...leaves) }, { weight: 2, arbitrary: fc.oneof(...branches) });
}
