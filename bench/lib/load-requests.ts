/**
 * The request kinds `npm run bench:load` and `npm run bench:scale` send, as autocannon requests
 * bound to one organization's data: ids and email addresses sampled from the organization, cycled
 * per request so that no two consecutive requests read the same row.
 */
import type pg from 'pg';
import type { LoadRequest } from './autocannon-run.ts';

export type RequestKind = 'get' | 'search-status-date' | 'search-email' | 'post' | 'put';

export const REQUEST_KINDS: readonly RequestKind[] = ['get', 'search-status-date', 'search-email', 'post', 'put'];

export const KIND_LABELS: Record<RequestKind, string> = {
  get: 'GET /lead/{id}/',
  'search-status-date': 'POST /data/search/ (status in a set + date range)',
  'search-email': 'POST /data/search/ (contact email exact)',
  post: 'POST /lead/',
  put: 'PUT /lead/{id}/',
};

export interface LoadData {
  readonly leadIds: readonly string[];
  readonly emails: readonly string[];
  readonly statusIds: readonly string[];
}

/** Samples `n` lead ids and contact emails (random order) and two statuses of the organization. */
export async function sampleLoadData(pool: pg.Pool, organizationId: string, n = 20_000): Promise<LoadData> {
  // TABLESAMPLE is cheap at any size; the sample is shuffled so that ids are not read in table order.
  const leadIds = (await pool.query<{ id: string }>(
    'SELECT id FROM leads TABLESAMPLE SYSTEM (20) WHERE organization_id = $1 ORDER BY random() LIMIT $2',
    [organizationId, n],
  )).rows.map((r) => r.id);
  const emails = (await pool.query<{ email: string }>(
    'SELECT email FROM contact_emails TABLESAMPLE SYSTEM (20) WHERE organization_id = $1 ORDER BY random() LIMIT $2',
    [organizationId, n],
  )).rows.map((r) => r.email);
  const statusIds = (await pool.query<{ id: string }>(
    `SELECT id FROM lead_statuses WHERE organization_id = $1 AND label IN ('Qualified', 'Customer') ORDER BY label`,
    [organizationId],
  )).rows.map((r) => r.id);
  if (leadIds.length === 0 || emails.length === 0 || statusIds.length !== 2) throw new Error(`organization ${organizationId} has no seeded data to load`);
  return { leadIds, emails, statusIds };
}

function cycle<T>(items: readonly T[]): () => T {
  // A random start per autocannon request object, so that parallel runs do not walk in step.
  let i = Math.floor(Math.random() * items.length);
  return () => items[i++ % items.length]!;
}

const lead = (...queries: Record<string, unknown>[]) => ({ type: 'and', queries: [{ type: 'object_type', object_type: 'lead' }, ...queries] });
const regular = (field_name: string, object_type = 'lead') => ({ type: 'regular_field', object_type, field_name });

function statusDateQuery(statusIds: readonly string[], month: number) {
  const start = `2024-${String(month).padStart(2, '0')}-01`;
  const end = `2024-${String(month).padStart(2, '0')}-28`;
  return lead(
    { type: 'field_condition', field: regular('status_id'), condition: { type: 'reference', reference_type: 'status.lead', object_ids: statusIds } },
    {
      type: 'field_condition',
      field: regular('date_created'),
      condition: {
        type: 'moment_range',
        on_or_after: { type: 'fixed_local_date', value: start, which: 'start' },
        before: { type: 'fixed_local_date', value: end, which: 'end' },
      },
    },
  );
}

function emailQuery(email: string) {
  return lead({
    type: 'has_related',
    this_object_type: 'lead',
    related_object_type: 'contact',
    related_query: {
      type: 'has_related',
      this_object_type: 'contact',
      related_object_type: 'contact_email',
      related_query: { type: 'field_condition', field: regular('email', 'contact_email'), condition: { type: 'text', mode: 'exact_value', value: email } },
    },
  });
}

/** The autocannon request for `kind` under `prefix` ("/api/v1" for Sluice, "" for the bare server). */
export function loadRequest(kind: RequestKind, data: LoadData, apiKey: string | null, prefix = '/api/v1'): LoadRequest {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (apiKey !== null) headers.authorization = `Basic ${Buffer.from(`${apiKey}:`).toString('base64')}`;
  const nextId = cycle(data.leadIds);
  const nextEmail = cycle(data.emails);
  let n = 0;
  const setup = (method: string, path: () => string, body?: () => unknown) => ({
    method,
    headers,
    setupRequest: (request: LoadRequest) => ({ ...request, method, headers, path: path(), ...(body ? { body: JSON.stringify(body()) } : {}) }),
  });
  const fields = { lead: ['id', 'display_name', 'status_label', 'date_created'] };
  switch (kind) {
    case 'get':
      return setup('GET', () => `${prefix}/lead/${nextId()}/`);
    case 'search-status-date':
      // A month of 2024 per request (the seed spreads leads over three years), 25 a page.
      return setup('POST', () => `${prefix}/data/search/`, () => ({ query: statusDateQuery(data.statusIds, (n++ % 12) + 1), _limit: 25, _fields: fields }));
    case 'search-email':
      return setup('POST', () => `${prefix}/data/search/`, () => ({ query: emailQuery(nextEmail()), _limit: 25, _fields: fields }));
    case 'post':
      return setup('POST', () => `${prefix}/lead/`, () => ({
        name: `Load test lead ${n++}`,
        contacts: [{ name: 'Load Tester', emails: [{ type: 'office', email: `load${n}@example.com` }] }],
      }));
    case 'put':
      return setup('PUT', () => `${prefix}/lead/${nextId()}/`, () => ({ description: `load test ${n++}` }));
    default: {
      const never: never = kind;
      throw new Error(`unknown kind ${String(never)}`);
    }
  }
}
