import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import fc from 'fast-check';
import { parseQuery, resultTypeOf } from '../../src/search/parse.ts';
import { loadCatalog } from '../../src/search/catalog.ts';
import { ordinalStatement } from '../../src/search/statements.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { search } from '../../src/search/index.ts';
import { objectTypeDef, SORTABLE_KINDS } from '../../src/search/fields.ts';
import { evaluate, evaluateSorted } from './evaluator.ts';
import { insertCustomField, statusIds } from './fixtures.ts';
import { loadWorld, queryArb, worldArb, type Universe } from './world.ts';

const NOW = new Date('2026-01-05T12:00:00.000Z');
const CUSTOM_TYPES = ['text', 'number', 'date', 'datetime', 'choices', 'user'] as const;

describe('compiled SQL selects exactly what the in-memory evaluator selects', () => {
  let t: TestApp;
  let universe: Universe;
  let otherUser: string;

  before(async () => {
    t = await createTestApp();
    const org = t.orgA.organization_id;
    otherUser = 'user_someoneelse';
    const customFields = [];
    for (const type of CUSTOM_TYPES) customFields.push({ id: await insertCustomField(t.db, org, 'lead', type, type === 'choices' || type === 'user'), object_type: 'lead' as const, type });
    for (const type of ['text', 'number', 'choices'] as const) customFields.push({ id: await insertCustomField(t.db, org, 'contact', type, type === 'choices'), object_type: 'contact' as const, type });
    universe = { userIds: [t.orgA.user_id, otherUser], statusIds: await statusIds(t.db, org), customFields };
    // Organization B holds look-alike rows (same custom field keys, same words): never to be returned.
    const bUniverse = { ...universe, statusIds: await statusIds(t.db, t.orgB.organization_id) };
    const [bWorld] = fc.sample(worldArb(bUniverse, 'b').filter((w) => w.leads.length >= 5), { numRuns: 1, seed: 7 });
    await loadWorld(t.db, t.orgB.organization_id, bWorld!);
  });

  test('random data, random query trees (leads and contacts)', async () => {
    const leadIds = Array.from({ length: 8 }, (_, i) => `lead_a${i}`);
    const contactIds = Array.from({ length: 8 }, (_, i) => `cont_a${i}_0`);
    const ids = { leads: leadIds, contacts: contactIds };
    const top = fc.oneof(
      queryArb('lead', universe, ids, 3, true),
      queryArb('contact', universe, ids, 3, true).map((q) => ({ type: 'and', queries: [{ type: 'object_type', object_type: 'contact' }, q] })),
    );
    await fc.assert(
      fc.asyncProperty(worldArb(universe, 'a'), fc.array(top, { minLength: 4, maxLength: 4 }), fc.constantFrom(0, -300, 330, 600), async (world, queries, tz) => {
        await loadWorld(t.db, t.orgA.organization_id, world);
        const catalog = await loadCatalog(t.db, t.orgA.organization_id, []);
        for (const raw of queries) {
          const resultType = resultTypeOf(raw, 'query');
          const query = parseQuery(raw, 'query', resultType, catalog);
          const clock = { now: NOW, tzOffsetMinutes: tz };
          const stmt = ordinalStatement({ resultType, query, sort: [] }, { organizationId: t.orgA.organization_id, userId: t.orgA.user_id, clock }, null);
          const { rows } = await t.pool.query<{ id: string; ordinal: number }>(stmt.text, stmt.values);
          const got = rows.map((r) => r.id).sort();
          const want = evaluate(query, resultType, { world, userId: t.orgA.user_id, clock });
          assert.deepEqual(got, want, `query ${JSON.stringify(raw)}\nSQL ${stmt.text}\nvalues ${JSON.stringify(stmt.values)}`);
          assert.deepEqual(rows.map((r) => Number(r.ordinal)), rows.map((_, i) => i + 1));
          if (process.env.SEARCH_PROPERTY_STATS) console.log(`${resultType} ${want.length}/${resultType === "lead" ? world.leads.length : world.leads.flatMap((l) => l.contacts).length}`);
        }
      }),
      { numRuns: Number(process.env.SEARCH_PROPERTY_RUNS ?? 120), seed: process.env.SEARCH_PROPERTY_SEED ? Number(process.env.SEARCH_PROPERTY_SEED) : undefined },
    );
  });

  test('random sorts and page sizes: cursor pages concatenate to the evaluator’s order, capped by results_limit', async () => {
    const ids = { leads: Array.from({ length: 8 }, (_, i) => `lead_a${i}`), contacts: Array.from({ length: 8 }, (_, i) => `cont_a${i}_0`) };
    const sortKeys = (type: 'lead' | 'contact') => {
      const regular = [...objectTypeDef(type)!.fields.values()].filter((f) => SORTABLE_KINDS.includes(f.kind)).map((f) => ({ type: 'regular_field', object_type: type, field_name: f.name }));
      const custom = universe.customFields.filter((f) => f.object_type === type && ['text', 'number', 'date', 'datetime'].includes(f.type)).map((f) => ({ type: 'custom_field', custom_field_id: f.id }));
      return fc.array(fc.record({ direction: fc.constantFrom('asc', 'desc'), field: fc.constantFrom(...regular, ...custom) }), { maxLength: 2 });
    };
    const request = fc.oneof(
      fc.record({ type: fc.constant('lead' as const), query: queryArb('lead', universe, ids, 2, true), sort: sortKeys('lead') }),
      fc.record({ type: fc.constant('contact' as const), query: queryArb('contact', universe, ids, 2, true).map((q) => ({ type: 'and', queries: [{ type: 'object_type', object_type: 'contact' }, q] })), sort: sortKeys('contact') }),
    );
    await fc.assert(
      fc.asyncProperty(worldArb(universe, 'a'), request, fc.integer({ min: 1, max: 6 }), fc.option(fc.integer({ min: 0, max: 12 }), { nil: null }), async (world, req, limit, resultsLimit) => {
        await loadWorld(t.db, t.orgA.organization_id, world);
        const scope = { db: t.db, organizationId: t.orgA.organization_id, userId: t.orgA.user_id, tzOffsetMinutes: 0, now: NOW };
        const got: string[] = [];
        let cursor: string | null = null;
        let pages = 0;
        do {
          const res = await search(scope, { query: req.query, sort: req.sort, _limit: limit, cursor, results_limit: resultsLimit });
          assert.ok(res.data.length <= limit);
          got.push(...res.data.map((d) => String(d.id)));
          cursor = res.cursor;
          pages += 1;
          assert.ok(pages <= 40, 'too many pages');
        } while (cursor !== null);
        const resultType = resultTypeOf(req.query, 'query');
        const catalog = await loadCatalog(t.db, t.orgA.organization_id, []);
        const query = parseQuery(req.query, 'query', resultType, catalog);
        const sort = req.sort.map((k) => ({ direction: k.direction, field: k.field.type === 'custom_field' ? { ...k.field, object_type: resultType, value_type: catalog.customFields.get((k.field as { custom_field_id: string }).custom_field_id)!.type } : k.field })) as never;
        const want = evaluateSorted(query, resultType, sort, { world, userId: t.orgA.user_id, clock: { now: NOW, tzOffsetMinutes: 0 } });
        assert.deepEqual(got, resultsLimit === null ? want : want.slice(0, resultsLimit), JSON.stringify({ sort: req.sort, limit, resultsLimit }));
      }),
      { numRuns: Number(process.env.SEARCH_PROPERTY_RUNS ?? 120) },
    );
  });
});
