import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { translateLegacyQuery } from '../../../src/search/legacy/index.ts';
import { ManualClock } from '../../../src/time.ts';
import { createTestApp, type TestApp } from '../../helpers/app.ts';
import { CONTACT_CASES, LEAD_CASES, type LegacyCase } from './cases.ts';
import { insertActivities, NOW, seedLegacyWorld, type LegacyWorld } from './fixtures.ts';

describe('legacy search strings select exactly what their s_query selects', () => {
  let t: TestApp;
  let w: LegacyWorld;
  let b: LegacyWorld;

  before(async () => {
    t = await createTestApp({ clock: new ManualClock(NOW), env: { RATE_LIMIT_PER_KEY: '0' } });
    w = await seedLegacyWorld(t.db, t.orgA.organization_id, t.orgA.user_id);
    // Organization B: the same names, words, labels and custom field and sequence names, its own ids.
    b = await seedLegacyWorld(t.db, t.orgB.organization_id, t.orgB.user_id);
    // And an activity row of B naming A's lead (no API makes one): A's count must not see it.
    await insertActivities(t.db, t.orgB.organization_id, w.lead.holdings!, 1);
  });

  const withUser = <T>(value: T): T =>
    JSON.parse(
      JSON.stringify(value)
        .replaceAll('USER', t.orgA.user_id)
        .replaceAll('SEQ_Welcome', w.sequence.Welcome!)
        .replaceAll('SEQ_Renewal', w.sequence.Renewal!),
    );

  async function check(c: LegacyCase, resultType: 'lead' | 'contact'): Promise<void> {
    const q = withUser(c.q);
    const headers = c.tz === undefined ? undefined : { 'x-tz-offset': c.tz };
    const expectedQuery = withUser(c.query(w));
    const query = resultType === 'contact' ? withContacts(expectedQuery) : expectedQuery;
    const sort = c.sort?.(w) ?? [{ direction: 'asc', field: { type: 'regular_field', object_type: resultType, field_name: 'date_created' } }];
    assert.deepEqual(await translateLegacyQuery(t.db, t.orgA.organization_id, q, resultType), { query, sort }, 'translation');

    const list = await t.call('GET', `/api/v1/${resultType}/?query=${encodeURIComponent(q)}&_limit=200`, { headers });
    assert.equal(list.status, 200, list.text);
    const got = list.body.data.map((o: { id: string }) => o.id);
    const found = await t.call('POST', '/api/v1/data/search/', { body: { query, sort, _limit: 200, include_counts: true }, headers });
    assert.equal(found.status, 200, found.text);
    assert.deepEqual(got, found.body.data.map((o: { id: string }) => o.id), 'the same objects in the same order');
    assert.equal(list.body.has_more, false);
    if (resultType === 'lead') assert.equal(list.body.total_results, found.body.count.total);

    const keys = resultType === 'lead' ? w.lead : w.contact;
    const others = new Set(Object.values(resultType === 'lead' ? b.lead : b.contact));
    assert.ok(got.every((id: string) => !others.has(id)), 'nothing of organization B');
    if (c.expect) {
      const byId = new Map(Object.entries(keys).map(([k, id]) => [id, k]));
      const named = got.map((id: string) => byId.get(id));
      // The order was compared with /data/search/ above; ties (tie1, tie2) go by their random ids.
      assert.deepEqual(c.ordered ? named : [...named].sort(), c.ordered ? c.expect : [...c.expect].sort(), 'the expected objects');
    }
  }

  for (const c of LEAD_CASES) {
    test(`GET /lead/?query=${c.q}${c.tz ? ` (X-TZ-Offset ${c.tz})` : ''}`, () => check(c, 'lead'));
  }
  for (const c of CONTACT_CASES) {
    test(`GET /contact/?query=${c.q}`, () => check(c, 'contact'));
  }
});

/** A contact query names its object type (the JSON the translation produces). */
function withContacts(q: Record<string, unknown>): Record<string, unknown> {
  const objectType = { type: 'object_type', object_type: 'contact' };
  if (q.type === 'and' && q.negate !== true) return { type: 'and', queries: [objectType, ...(q.queries as unknown[])] };
  return { type: 'and', queries: [objectType, q] };
}
