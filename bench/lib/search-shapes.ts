/**
 * The query shapes `npm run bench:search` measures, each as a `/data/search/` query and as the SQL a
 * person would write by hand for its first page (same rows, same order: newest first, ties by id,
 * the search API's default; the id and the sort key, as a keyset page needs). Values are looked up in the seeded organization so that every shape has
 * realistic hits: statuses by label, seed custom fields by name, an email that exists.
 */
import type pg from 'pg';
import { INDUSTRIES } from '../../src/seed/seed-fields.ts';

export interface Shape {
  readonly name: string;
  readonly query: Record<string, unknown>;
  /** Hand-written first page: `$1` is the organization, `$2…` the values; `LIMIT` is appended. */
  readonly handSql: string;
  readonly handValues: readonly unknown[];
  /** Hand-written count (same predicate). */
  readonly handCountSql: string;
}

const lead = (...queries: Record<string, unknown>[]) => ({ type: 'and', queries: [{ type: 'object_type', object_type: 'lead' }, ...queries] });
const regular = (field_name: string, object_type = 'lead') => ({ type: 'regular_field', object_type, field_name });
const custom = (custom_field_id: string) => ({ type: 'custom_field', custom_field_id });

function shape(name: string, query: Record<string, unknown>, where: string, handValues: readonly unknown[]): Shape {
  return {
    name,
    query,
    handSql: `SELECT l.id, l.date_created FROM leads l WHERE l.organization_id = $1 AND ${where} ORDER BY l.date_created DESC, l.id DESC`,
    handValues,
    handCountSql: `SELECT count(*) FROM leads l WHERE l.organization_id = $1 AND ${where}`,
  };
}

/** The eight shapes of issue 3, bound to the data of `organizationId`. */
export async function searchShapes(pool: pg.Pool, organizationId: string): Promise<Shape[]> {
  const one = async (text: string, values: unknown[]) => (await pool.query(text, values)).rows[0] as Record<string, string>;
  const status = async (label: string) => (await one('SELECT id FROM lead_statuses WHERE organization_id = $1 AND label = $2', [organizationId, label])).id!;
  const field = async (name: string) => (await one('SELECT id FROM custom_fields WHERE organization_id = $1 AND name = $2', [organizationId, name])).id!;
  const [qualified, customer] = [await status('Qualified'), await status('Customer')];
  const [industry, revenue] = [await field('Industry'), await field('Annual Revenue')];
  // An address that exists, from the middle of the table (not the newest leads, which any scan meets first).
  const email = (await one(
    `SELECT email FROM contact_emails WHERE organization_id = $1 ORDER BY id OFFSET (SELECT count(*) / 3 FROM contact_emails WHERE organization_id = $1) LIMIT 1`,
    [organizationId],
  )).email!;
  const industries = [INDUSTRIES[2], INDUSTRIES[8]];

  return [
    shape(
      'status in a set',
      lead({ type: 'field_condition', field: regular('status_id'), condition: { type: 'reference', reference_type: 'status.lead', object_ids: [qualified, customer] } }),
      'l.status_id = ANY($2)',
      [[qualified, customer]],
    ),
    shape(
      'custom choices term',
      lead({ type: 'field_condition', field: custom(industry), condition: { type: 'term', values: industries } }),
      'l.custom ->> $2 = ANY($3)',
      [industry, industries],
    ),
    shape(
      'number range',
      lead({ type: 'field_condition', field: custom(revenue), condition: { type: 'number_range', gte: 1_000_000, lte: 5_000_000 } }),
      '(l.custom -> $2)::numeric BETWEEN $3 AND $4',
      [revenue, 1_000_000, 5_000_000],
    ),
    shape(
      'date moment_range',
      lead({
        type: 'field_condition',
        field: regular('date_created'),
        condition: {
          type: 'moment_range',
          on_or_after: { type: 'fixed_local_date', value: '2024-03-01', which: 'start' },
          before: { type: 'fixed_local_date', value: '2024-03-31', which: 'end' },
        },
      }),
      'l.date_created >= $2 AND l.date_created < $3',
      ['2024-03-01T00:00:00Z', '2024-04-01T00:00:00Z'],
    ),
    shape(
      'contact title full_words',
      lead({
        type: 'has_related',
        this_object_type: 'lead',
        related_object_type: 'contact',
        related_query: { type: 'field_condition', field: regular('title', 'contact'), condition: { type: 'text', mode: 'full_words', value: 'sales manager' } },
      }),
      `l.id IN (SELECT c.lead_id FROM contacts c WHERE c.organization_id = $1 AND c.title ~* '\\msales\\M' AND c.title ~* '\\mmanager\\M')`,
      [],
    ),
    shape(
      'lead→contact→email exact_value',
      lead({
        type: 'has_related',
        this_object_type: 'lead',
        related_object_type: 'contact',
        related_query: {
          type: 'has_related',
          this_object_type: 'contact',
          related_object_type: 'contact_email',
          related_query: { type: 'field_condition', field: regular('email', 'contact_email'), condition: { type: 'text', mode: 'exact_value', value: email.toUpperCase() } },
        },
      }),
      'l.id IN (SELECT e.lead_id FROM contact_emails e WHERE e.organization_id = $1 AND lower(e.email) = lower($2))',
      [email.toUpperCase()],
    ),
    shape(
      'or with a negation',
      lead({
        type: 'or',
        queries: [
          { type: 'field_condition', field: regular('status_id'), condition: { type: 'reference', reference_type: 'status.lead', object_ids: [customer] } },
          { type: 'field_condition', field: custom(revenue), condition: { type: 'number_range', gte: 100_000 }, negate: true },
        ],
      }),
      `(l.status_id = $2 OR NOT coalesce(jsonb_typeof(l.custom -> $3) = 'number' AND (l.custom -> $3)::numeric >= $4, false))`,
      [customer, revenue, 100_000],
    ),
    shape(
      'top-level text',
      lead({ type: 'text', mode: 'full_words', value: 'harbor logistics' }),
      // By hand against 0008's word sets: the leads holding both words, each word then checked as a
      // whole word in one of the lead's or its contacts' fields (the set is keyed, not the text).
      `l.id IN (SELECT w.lead_id FROM lead_words w WHERE w.organization_id = $1 AND w.words @> ARRAY['harbor', 'logistics'])
      AND ${['harbor', 'logistics']
        .map(
          (word) => `(l.name ~* '\\m${word}\\M' OR l.description ~* '\\m${word}\\M' OR l.url ~* '\\m${word}\\M'
            OR EXISTS (SELECT 1 FROM contacts c LEFT JOIN contact_emails e ON e.contact_id = c.id LEFT JOIN contact_phones p ON p.contact_id = c.id
              WHERE c.organization_id = $1 AND c.lead_id = l.id
              AND (c.name ~* '\\m${word}\\M' OR c.title ~* '\\m${word}\\M' OR e.email ~* '\\m${word}\\M' OR p.phone ~* '\\m${word}\\M')))`,
        )
        .join(' AND ')}`,
      [],
    ),
  ];
}
