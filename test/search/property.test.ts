import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import fc from 'fast-check';
import { parseQuery, resultTypeOf } from '../../src/search/parse.ts';
import { loadCatalog } from '../../src/search/catalog.ts';
import { ordinalStatement } from '../../src/search/statements.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { evaluate } from './evaluator.ts';
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
});
