import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import fc from 'fast-check';
import { newId } from '../../../src/ids.ts';
import { loadCatalog } from '../../../src/search/catalog.ts';
import { translateLegacyQuery } from '../../../src/search/legacy/index.ts';
import { parseQuery, parseSort } from '../../../src/search/parse.ts';
import { ManualClock } from '../../../src/time.ts';
import { createTestApp, type TestApp } from '../../helpers/app.ts';
import { evaluateSorted } from '../evaluator.ts';
import { statusIds } from '../fixtures.ts';
import { loadWorld, worldArb, type Universe } from '../world.ts';
import { queryStringArb } from './query-strings.ts';

const NOW = '2026-01-05T12:00:00.000Z';
const FIELDS = [
  ['lead', 'Lead Source', 'text'],
  ['lead', 'Score', 'number'],
  ['lead', 'Renewal', 'date'],
  ['lead', 'Signed At', 'datetime'],
  ['lead', 'Tier', 'choices'],
  ['lead', 'Owner', 'user'],
  ['contact', 'Nickname', 'text'],
  ['contact', 'Level', 'choices'],
] as const;

describe('random legacy query strings: a 400 naming `query`, or exactly the objects of the s_query they translate to', () => {
  let t: TestApp;
  let universe: Universe;

  before(async () => {
    t = await createTestApp({ clock: new ManualClock(NOW), env: { RATE_LIMIT_PER_KEY: '0' } });
    const customFields = [];
    for (const org of [t.orgA.organization_id, t.orgB.organization_id]) {
      for (const [objectType, name, type] of FIELDS) {
        const id = newId('cf');
        await t.db
          .insertInto('custom_fields')
          .values({ id, organization_id: org, object_type: objectType, name, type, accepts_multiple_values: type === 'choices', editable_with_roles: '[]', choices: null })
          .execute();
        if (org === t.orgA.organization_id) customFields.push({ id, object_type: objectType, type });
      }
    }
    universe = { userIds: [t.orgA.user_id, 'user_someoneelse'], statusIds: await statusIds(t.db, t.orgA.organization_id), customFields };
    // Organization B: look-alike rows under the same custom field names; never to be returned.
    const bFields = await t.db.selectFrom('custom_fields').select(['id', 'object_type', 'type']).where('organization_id', '=', t.orgB.organization_id).execute();
    const bUniverse = { ...universe, statusIds: await statusIds(t.db, t.orgB.organization_id), customFields: bFields };
    const [bWorld] = fc.sample(worldArb(bUniverse, 'b').filter((w) => w.leads.length >= 5), { numRuns: 1, seed: 11 });
    await loadWorld(t.db, t.orgB.organization_id, bWorld!);
  });

  for (const resultType of ['lead', 'contact'] as const) {
    test(`GET /${resultType}/?query=`, async () => {
      const tally = { ok: 0, refused: 0, matched: 0 };
      const names = FIELDS.filter(([o]) => resultType === 'contact' || o === 'lead').map(([, name, type]) => ({ name, type }));
      const strings = queryStringArb(resultType, { userIds: universe.userIds, customNames: names });
      await fc.assert(
        fc.asyncProperty(worldArb(universe, 'a'), fc.array(strings, { minLength: 4, maxLength: 4 }), fc.constantFrom(0, -5, 5.5, 10), async (world, queries, tz) => {
          await loadWorld(t.db, t.orgA.organization_id, world);
          const headers = { 'x-tz-offset': String(tz) };
          for (const q of queries) {
            const res = await t.call('GET', `/api/v1/${resultType}/?query=${encodeURIComponent(q)}&_limit=200`, { headers });
            assert.ok(res.status === 200 || res.status === 400, `${q}: ${res.status} ${res.text}`);
            if (res.status === 400) {
              tally.refused += 1;
              assert.deepEqual(Object.keys(res.body['field-errors']), ['query'], `${q}: ${res.text}`);
              continue;
            }
            tally.ok += 1;
            const got = res.body.data.map((o: { id: string }) => o.id);
            const translation = await translateLegacyQuery(t.db, t.orgA.organization_id, q, resultType);
            const found = await t.call('POST', '/api/v1/data/search/', { body: { ...translation, _limit: 200 }, headers });
            assert.equal(found.status, 200, `${q}: ${JSON.stringify(translation)} ${found.text}`);
            assert.deepEqual(got, found.body.data.map((o: { id: string }) => o.id), `${q}\n${JSON.stringify(translation)}`);
            // And what the in-memory evaluator makes of the same JSON.
            const catalog = await loadCatalog(t.db, t.orgA.organization_id, []);
            const query = parseQuery(translation.query, 'query', resultType, catalog);
            const sort = parseSort(translation.sort, 'sort', resultType, catalog);
            const want = evaluateSorted(query, resultType, sort, { world, userId: t.orgA.user_id, clock: { now: new Date(NOW), tzOffsetMinutes: Math.round(tz * 60) } });
            assert.deepEqual(got, want, `${q}\n${JSON.stringify(translation)}`);
            if (resultType === 'lead') assert.equal(res.body.total_results, want.length);
            if (want.length > 0) tally.matched += 1;
          }
        }),
        { numRuns: Number(process.env.LEGACY_PROPERTY_RUNS ?? 60), seed: process.env.LEGACY_PROPERTY_SEED ? Number(process.env.LEGACY_PROPERTY_SEED) : undefined },
      );
      // The generator is meant to produce mostly valid queries; a test of 400s alone proves little.
      assert.ok(tally.ok > tally.refused, `accepted ${tally.ok}, refused ${tally.refused}`);
      if (process.env.LEGACY_PROPERTY_STATS) console.log(resultType, tally);
    });
  }
});
