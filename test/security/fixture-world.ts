/**
 * A small world of real objects in both organizations, made through the API, and every id the API
 * then shows (read back from the list endpoints of the OpenAPI document), so that generated
 * requests can name existing objects: their own organization's, the neighbour's, and wrong kinds.
 */
import assert from 'node:assert/strict';
import type { CreatedOrganization } from '../../src/orgs/create-organization.ts';
import { newId } from '../../src/ids.ts';
import type { HostileApp } from './hostile-app.ts';
import type { Operation } from './openapi-operations.ts';

export type Org = 'a' | 'b';

export interface WorldCustomField {
  readonly id: string;
  readonly name: string;
  readonly type: string;
  readonly object: 'lead' | 'contact';
  readonly multiple: boolean;
}

export interface World {
  readonly orgs: Record<Org, CreatedOrganization>;
  /** Ids listed by (or created at) a collection path such as `/api/v1/lead/`. */
  idsOf(org: Org, collection: string): string[];
  /** Ids of a type, by their prefix (`lead`, `cont`, `stat` …). */
  idsWithPrefix(org: Org, prefix: string): string[];
  prefixes(): string[];
  /** Values a list shows under `key` (for `{email}`-style path parameters). */
  valuesOf(org: Org, collection: string, key: string): string[];
  readonly emails: Record<Org, string[]>;
  /** Bodies organization A's objects were created with at `collection` (all accepted). */
  goodBodies(collection: string): unknown[];
  readonly statusLabels: readonly string[];
  /** Takes in what a request made: the ids in an accepted response become part of the world. */
  learn(org: Org, collection: string, response: unknown): void;
  readonly customFields: readonly WorldCustomField[];
  readonly words: readonly string[];
}

const ID = /^([a-z]+)_[0-9A-Za-z]{20,}$/;

const CUSTOM_TYPES = ['text', 'number', 'date', 'datetime', 'choices', 'user', 'contact', 'hidden'] as const;

function ok(res: { status: number; text: string }, what: string): void {
  assert.ok(res.status === 200 || res.status === 201, `fixture ${what}: ${res.status} ${res.text.slice(0, 500)}`);
}

const query = (word: string) => ({
  type: 'and',
  queries: [
    { type: 'object_type', object_type: 'lead' },
    { type: 'field_condition', field: { type: 'regular_field', object_type: 'lead', field_name: 'name' }, condition: { type: 'text', mode: 'full_words', value: word } },
  ],
});

/** Makes one organization's objects; returns where each was created. */
async function populate(
  t: HostileApp,
  org: CreatedOrganization,
  tag: string,
  record: (collection: string, id: string) => void,
  accepted: (collection: string, body: unknown) => void,
) {
  const key = org.api_key;
  const post = async (collection: string, body: unknown): Promise<any> => {
    const res = await t.call('POST', collection, { key, body });
    ok(res, `POST ${collection}`);
    accepted(collection, body);
    if (typeof res.body?.id === 'string') record(collection, res.body.id);
    return res.body;
  };
  const status = await post('/api/v1/status/lead/', { label: `Hostile ${tag}` });
  const fields: WorldCustomField[] = [];
  for (const object of ['lead', 'contact'] as const) {
    for (const type of CUSTOM_TYPES) {
      for (const multiple of type === 'choices' || type === 'user' ? [false, true] : [false]) {
        const name = `hf ${object} ${type}${multiple ? ' multi' : ''}`;
        const body: Record<string, unknown> = { name, type, accepts_multiple_values: multiple };
        if (type === 'choices') body.choices = ['alpha', 'beta', "o'neil"];
        const created = await post(`/api/v1/custom_field/${object}/`, body);
        fields.push({ id: created.id, name, type, object, multiple });
      }
    }
  }
  const field = (object: string, type: string) => fields.find((f) => f.object === object && f.type === type && !f.multiple)!.id;
  const lead = await post('/api/v1/lead/', {
    name: `Target ${tag} Acme`,
    description: 'fixture lead',
    url: 'https://acme.example',
    status_id: status.id,
    addresses: [{ label: 'business', address_1: '1 Main St', city: 'Springfield', country: 'US' }],
    [`custom.${field('lead', 'text')}`]: 'plain',
    [`custom.${field('lead', 'number')}`]: 42,
    [`custom.${field('lead', 'choices')}`]: 'alpha',
    contacts: [
      {
        name: `Ann ${tag}`,
        title: 'Buyer',
        emails: [{ email: `ann@${tag}.example`, type: 'office' }, { email: `ann.two@${tag}.example`, type: 'home' }],
        phones: [{ phone: '+14155550100', type: 'office' }],
        urls: [{ url: 'https://ann.example', type: 'url' }],
        [`custom.${field('contact', 'text')}`]: 'contact text',
      },
      { name: `Ben ${tag}`, emails: [{ email: `ben@${tag}.example`, type: 'office' }] },
    ],
  });
  for (const contact of lead.contacts ?? []) record('/api/v1/contact/', contact.id);
  await post('/api/v1/lead/', { name: `Other ${tag} Beta`, contacts: [{ name: 'Cy', emails: [{ email: `cy@${tag}.example` }] }] });
  const contact = await post('/api/v1/contact/', { lead_id: lead.id, name: `Dee ${tag}`, emails: [{ email: `dee@${tag}.example` }], phones: [{ phone: '+14155550101' }] });
  const template = await post('/api/v1/email_template/', { name: `Hostile ${tag}`, subject: 'Hi {{ contact.first_name }}', body: 'Hello {{ lead.display_name }}' });
  const account = await post('/api/v1/connected_account/', {
    _type: 'custom_email',
    email: `sam@${tag}.example`,
    identities: [{ email: `sam@${tag}.example`, name: 'Sam Sender' }],
  });
  const sequence = await post('/api/v1/sequence/', { name: `Hostile ${tag}`, steps: [{ step_type: 'email', delay: 3600, email_template_id: template.id }] });
  const sender = { sender_account_id: account.id, sender_name: 'Sam', sender_email: `sam@${tag}.example` };
  // A contact can be subscribed once: one more valid subscription, left for the suite to make.
  accepted('/api/v1/sequence_subscription/', { sequence_id: sequence.id, contact_id: lead.contacts[1].id, contact_email: `ben@${tag}.example`, ...sender });
  await post('/api/v1/sequence_subscription/', { sequence_id: sequence.id, contact_id: contact.id, contact_email: `dee@${tag}.example`, ...sender });
  await post('/api/v1/saved_search/', { name: `Hostile ${tag}`, s_query: { query: query('Target') } });
  await post('/api/v1/unsubscribe/email/', { email: `gone@${tag}.example` });
  const s_query = query('Target');
  await post('/api/v1/data/search/', { query: s_query, _limit: 10, include_counts: true, sort: [{ direction: 'asc', field: { type: 'regular_field', object_type: 'lead', field_name: 'name' } }] });
  await post('/api/v1/bulk_action/edit/', { s_query, type: 'set_lead_status', lead_status_id: status.id, send_done_email: false });
  await post('/api/v1/bulk_action/delete/', { s_query: query('Nothingmatches'), send_done_email: false });
  await post('/api/v1/bulk_action/email/', { s_query, template_id: template.id, contact_preference: 'lead', email_account_id: account.id, send_done_email: false });
  await post('/api/v1/bulk_action/sequence_subscription/', { s_query, action_type: 'pause', sequence_id: sequence.id, send_done_email: false });
  await post('/api/v1/export/lead/', { s_query, format: 'json', type: 'leads', fields: ['id', 'name'], send_done_email: false });

  // No endpoint creates an email activity (the delivery worker does), so one is inserted as it would.
  const activity = newId('acti');
  await t.db
    .insertInto('email_activities')
    .values({
      id: activity, organization_id: org.organization_id, lead_id: lead.id, contact_id: lead.contacts[0].id, user_id: org.user_id, status: 'sent',
      subject: 'Hi', body_html: '<p>Hi</p>', body_text: 'Hi', sender: `sam@${tag}.example`, recipient_email: `ann@${tag}.example`,
      to_emails: JSON.stringify([`ann@${tag}.example`]), template_id: template.id, email_account_id: account.id, thread_id: activity,
      message_id: `<${activity}@${tag}.example>`, next_attempt_at: new Date(), date_sent: new Date(),
    })
    .execute();
  record('/api/v1/activity/email/', activity);
  return fields;
}

function collectIds(value: unknown, out: Set<string>, depth = 0): void {
  if (depth > 8) return;
  if (typeof value === 'string') {
    if (ID.test(value)) out.add(value);
  } else if (Array.isArray(value)) {
    for (const v of value) collectIds(v, out, depth + 1);
  } else if (value && typeof value === 'object') {
    for (const v of Object.values(value)) collectIds(v, out, depth + 1);
  }
}

export async function buildWorld(t: HostileApp, operations: readonly Operation[]): Promise<World> {
  const orgs: Record<Org, CreatedOrganization> = { a: t.orgA, b: t.orgB };
  const byCollection: Record<Org, Map<string, Set<string>>> = { a: new Map(), b: new Map() };
  const values: Record<Org, Map<string, unknown[]>> = { a: new Map(), b: new Map() };
  const every: Record<Org, Set<string>> = { a: new Set(), b: new Set() };
  const add = (org: Org) => (collection: string, id: string) => {
    if (!byCollection[org].has(collection)) byCollection[org].set(collection, new Set());
    byCollection[org].get(collection)!.add(id);
    every[org].add(id);
  };
  const good = new Map<string, unknown[]>();
  const fields = await populate(t, t.orgA, 'hostile-a', add('a'), (collection, body) => good.set(collection, [...(good.get(collection) ?? []), body]));
  await populate(t, t.orgB, 'hostile-b', add('b'), () => {});

  // Every list in the document, read with each key: whatever ids a client can see are fair game.
  for (const op of operations) {
    if (op.method !== 'GET' || op.pathParams.length > 0) continue;
    for (const org of ['a', 'b'] as const) {
      let res = await t.call('GET', `${op.path}?_limit=200`, { key: orgs[org].api_key });
      // Lists capped lower than 200 (the event log's 50, as Close) refuse the larger page.
      if (res.status === 400) res = await t.call('GET', `${op.path}?_limit=50`, { key: orgs[org].api_key });
      if (res.status !== 200) continue;
      collectIds(res.body, every[org]);
      const data: unknown[] = Array.isArray(res.body?.data) ? res.body.data : [];
      values[org].set(op.path, data);
      for (const item of data) {
        const id = (item as { id?: unknown })?.id;
        if (typeof id === 'string') add(org)(op.path, id);
      }
    }
  }
  for (const org of ['a', 'b'] as const) {
    every[org].add(orgs[org].organization_id);
    every[org].add(orgs[org].user_id);
  }
  const prefixOf = (id: string) => ID.exec(id)?.[1] ?? '';
  const emails = (org: Org) => {
    const out = new Set<string>();
    const walk = (v: unknown): void => {
      if (typeof v === 'string') {
        if (v.includes('@') && v.endsWith('.example') && !/\s/.test(v)) out.add(v);
      } else if (v && typeof v === 'object') for (const x of Object.values(v)) walk(x);
    };
    walk([...values[org].values()]);
    return [...out];
  };
  return {
    orgs,
    idsOf: (org, collection) => [...(byCollection[org].get(collection) ?? [])],
    idsWithPrefix: (org, prefix) => [...every[org]].filter((id) => prefixOf(id) === prefix),
    prefixes: () => [...new Set([...every.a, ...every.b].map(prefixOf))].filter(Boolean),
    valuesOf: (org, collection, key) =>
      (values[org].get(collection) ?? []).map((item) => (item as Record<string, unknown>)?.[key]).filter((v): v is string => typeof v === 'string'),
    emails: { a: emails('a'), b: emails('b') },
    goodBodies: (collection) => good.get(collection) ?? [],
    learn: (org, collection, response) => {
      collectIds(response, every[org]);
      const id = (response as { id?: unknown } | undefined)?.id;
      if (typeof id === 'string' && ID.test(id)) add(org)(collection, id);
      for (const contact of (response as { contacts?: { id?: unknown }[] } | undefined)?.contacts ?? []) {
        if (typeof contact?.id === 'string') add(org)('/api/v1/contact/', contact.id);
      }
    },
    statusLabels: (values.a.get('/api/v1/status/lead/') ?? []).map((s) => (s as { label: string }).label),
    customFields: fields,
    words: ['Target', 'Acme', 'Ann', 'Other', 'Beta', 'hostile'],
  };
}
