import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import { before, describe, test } from 'node:test';
import { loadCatalog } from '../../src/search/catalog.ts';
import { compileQuery } from '../../src/search/compile.ts';
import { objectTypeNames, objectTypeDef, conditionsFor } from '../../src/search/fields.ts';
import { parseQuery, resultTypeOf } from '../../src/search/parse.ts';
import { SqlBuilder } from '../../src/search/sql-builder.ts';
import { ordinalStatement } from '../../src/search/statements.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { CASES } from './compile-cases.ts';
import { buildCompileWorld } from './compile-world.ts';

const NOW = new Date('2026-01-05T12:00:00.000Z');

describe('the compiler: SQL shape and meaning per query type, field kind and condition', () => {
  let t: TestApp;
  let statuses: string[];
  const names = (): [string, string][] => [
    [t.orgA.organization_id, 'ORG'],
    [t.orgA.user_id, 'USER'],
    ...statuses.map((s, i): [string, string] => [s, `S${i}`]),
  ];
  const denormalize = (v: unknown): unknown =>
    typeof v === 'string' ? (names().find(([, n]) => n === v)?.[0] ?? v) : Array.isArray(v) ? v.map(denormalize) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, denormalize(x)])) : v;
  const normalize = (v: unknown): unknown =>
    typeof v === 'string' ? names().reduce((s, [id, n]) => s.split(id).join(n), v) : Array.isArray(v) ? v.map(normalize) : v;

  before(async () => {
    t = await createTestApp();
    ({ statuses } = await buildCompileWorld(t));
  });

  async function compile(raw: unknown, tz = 0) {
    const query = denormalize(raw);
    const resultType = resultTypeOf(query, 'query');
    const ast = parseQuery(query, 'query', resultType, await loadCatalog(t.db, t.orgA.organization_id, [query]));
    const clock = { now: NOW, tzOffsetMinutes: tz };
    const b = new SqlBuilder(t.orgA.organization_id);
    const sql = compileQuery(ast, resultType, 'a', { b, userId: t.orgA.user_id, clock });
    const stmt = ordinalStatement({ resultType, query: ast, sort: [] }, { organizationId: t.orgA.organization_id, userId: t.orgA.user_id, clock }, null);
    const { rows } = await t.pool.query<{ id: string }>(stmt.text, stmt.values);
    return { sql, values: normalize(b.values.slice(1)), ids: rows.map((r) => r.id).sort(), stmt };
  }

  for (const c of CASES) {
    test(c.name, async () => {
      const got = await compile(c.query, c.tz);
      if (process.env.SEARCH_PRINT_SQL) appendFileSync(process.env.SEARCH_PRINT_SQL, `${JSON.stringify({ name: c.name, sql: got.sql, values: got.values })}\n`);
      assert.deepEqual(got.ids, [...c.ids].sort(), 'selected ids');
      assert.equal(got.sql, c.sql);
      assert.deepEqual(got.values, c.values);
    });
  }

  test('the statement is confined to the organization and selects id and ordinal', async () => {
    const { stmt } = await compile({ type: 'match_all' });
    assert.equal(stmt.text, 'SELECT a.id AS id, row_number() OVER (ORDER BY a.date_created DESC NULLS FIRST, a.id DESC) AS ordinal FROM leads a WHERE a.organization_id = $1 AND TRUE ORDER BY a.date_created DESC NULLS FIRST, a.id DESC');
    assert.deepEqual(stmt.values, [t.orgA.organization_id]);
  });

  test('every field of every object type, under every condition it accepts, compiles and runs without touching organization B', async () => {
    const samples: Record<string, unknown> = {
      text: { type: 'text', mode: 'full_words', value: 'acme' },
      term: { type: 'term', values: ['acme'] },
      reference: null,
      number_range: { type: 'number_range', gte: 0 },
      boolean: { type: 'boolean', value: false },
      exists: { type: 'exists' },
      current_user: { type: 'current_user' },
      moment_range: { type: 'moment_range', on_or_after: { type: 'fixed_local_date', value: '2000-01-01', which: 'start' }, before: { type: 'now' } },
    };
    const pathTo: Record<string, (q: unknown) => unknown> = {
      lead: (q) => q,
      contact: (q) => ({ type: 'and', queries: [{ type: 'object_type', object_type: 'contact' }, q] }),
      address: (q) => ({ type: 'has_related', this_object_type: 'lead', related_object_type: 'address', related_query: q }),
    };
    for (const child of ['contact_email', 'contact_phone', 'contact_url', 'sequence_subscription']) {
      pathTo[child] = (q) => ({ type: 'has_related', this_object_type: 'lead', related_object_type: 'contact', related_query: { type: 'has_related', this_object_type: 'contact', related_object_type: child, related_query: q } });
    }
    let ran = 0;
    for (const objectType of objectTypeNames()) {
      const wrap = pathTo[objectType];
      if (!wrap) continue;
      for (const field of objectTypeDef(objectType)!.fields.values()) {
        for (const conditionType of conditionsFor(field.kind, field.referenceTypes)) {
          const condition = samples[conditionType] ?? { type: 'reference', reference_type: field.referenceTypes![0], object_ids: ['USER', 'S1', 'lead_b_acme'] };
          for (const negate of [false, true]) {
            const { ids } = await compile(wrap({ type: 'field_condition', field: { type: 'regular_field', object_type: objectType, field_name: field.name }, condition, negate }));
            assert.ok(ids.every((id) => !id.includes('_b_')), `${objectType}.${field.name} ${conditionType}: ${ids.join(',')}`);
            ran += 1;
          }
        }
      }
    }
    assert.ok(ran > 100, String(ran));
  });
});
