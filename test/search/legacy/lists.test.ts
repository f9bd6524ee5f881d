import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { ManualClock } from '../../../src/time.ts';
import { createTestApp, type TestApp } from '../../helpers/app.ts';
import { NOW, seedLegacyWorld, type LegacyWorld } from './fixtures.ts';

describe('GET /lead/ and /contact/ with a legacy query: paging, _fields, other filters', () => {
  let t: TestApp;
  let w: LegacyWorld;
  let b: LegacyWorld;

  before(async () => {
    t = await createTestApp({ clock: new ManualClock(NOW), env: { RATE_LIMIT_PER_KEY: '0' } });
    w = await seedLegacyWorld(t.db, t.orgA.organization_id, t.orgA.user_id);
    b = await seedLegacyWorld(t.db, t.orgB.organization_id, t.orgB.user_id);
  });

  const list = (path: string, params: Record<string, string | number>, key?: string) =>
    t.call('GET', `/api/v1/${path}/?${new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]))}`, { key });
  const ids = (res: { body: { data: { id: string }[] } }) => res.body.data.map((o) => o.id);

  test('_skip and _limit page through the matches in order; total_results counts them all', async () => {
    const whole = await list('lead', { query: 'name:* sort:-created' });
    assert.equal(whole.body.total_results, 7);
    const all = ids(whole);
    assert.equal(all.length, 7);
    const pages: string[] = [];
    for (let skip = 0; skip < 7; skip += 3) {
      const page = await list('lead', { query: 'name:* sort:-created', _skip: skip, _limit: 3 });
      assert.equal(page.status, 200, page.text);
      assert.equal(page.body.total_results, 7);
      assert.equal(page.body.has_more, skip + 3 < 7);
      pages.push(...ids(page));
    }
    assert.deepEqual(pages, all);
    // Close's scripts ask `_limit=0` for the count alone.
    const count = await list('lead', { query: 'name:* sort:-created', _limit: 0 });
    assert.deepEqual(count.body, { data: [], has_more: true, total_results: 7 });
    const past = await list('lead', { query: 'name:*', _skip: 50 });
    assert.deepEqual(past.body, { data: [], has_more: false, total_results: 7 });
    const none = await list('lead', { query: 'name:nothing-like-it' });
    assert.deepEqual(none.body, { data: [], has_more: false, total_results: 0 });
  });

  test('_fields narrows the objects of a query as it does the plain list', async () => {
    const res = await list('lead', { query: 'name:acme', _fields: 'id,display_name,status_label' });
    assert.deepEqual(res.body.data, [
      { id: w.lead.acme, display_name: 'Acme Corp', status_label: 'Potential' },
      { id: w.lead.holdings, display_name: 'acme holdings', status_label: 'Potential' },
    ]);
    assert.equal(res.body.total_results, 2);
    const contacts = await list('contact', { query: 'title:ceo', _fields: 'id,name' });
    assert.deepEqual(contacts.body.data, [{ id: w.contact.bruce, name: 'Bruce Wayne' }, { id: w.contact.beep, name: 'Beep Beep' }]);
  });

  test('without query the lists are unchanged: every object, oldest first', async () => {
    const leads = await list('lead', {});
    assert.equal(leads.body.total_results, 8);
    const withStar = await list('lead', { query: '*' });
    assert.deepEqual(ids(withStar), ids(leads));
    const contacts = await list('contact', {});
    assert.deepEqual(ids(await list('contact', { query: '' })), ids(contacts));
  });

  test('lead_id on /contact/ joins the query with "and"', async () => {
    const road = await list('contact', { lead_id: w.lead.road!, query: 'has:email' });
    assert.deepEqual(ids(road), [w.contact.beep]);
    const none = await list('contact', { lead_id: w.lead.road!, query: 'company:acme' });
    assert.deepEqual(ids(none), []);
    // Another organization's lead: nothing, as without a query.
    assert.deepEqual(ids(await list('contact', { lead_id: b.lead.road!, query: '*' })), []);
    assert.deepEqual(ids(await list('contact', { lead_id: b.lead.road! })), []);
    const paged = await list('contact', { lead_id: w.lead.road!, query: 'sort:-name', _limit: 1 });
    assert.deepEqual(paged.body, { data: [{ ...paged.body.data[0], id: w.contact.other }], has_more: true });
  });

  test('slice:N/M splits a result into M disjoint parts that together hold all of it, the same every time', async () => {
    const all = ids(await list('lead', { query: 'sort:created' }));
    for (const m of [1, 2, 3, 5]) {
      const parts: string[][] = [];
      for (let n = 1; n <= m; n += 1) {
        const part = await list('lead', { query: `sort:created slice:${n}/${m}` });
        assert.equal(part.status, 200, part.text);
        assert.equal(part.body.total_results, part.body.data.length);
        parts.push(ids(part));
        assert.deepEqual(ids(await list('lead', { query: `(*) slice:${n}/${m} sort:created` })), ids(part), 'stable');
      }
      const union = parts.flat();
      assert.equal(new Set(union).size, union.length, `disjoint (${m})`);
      assert.deepEqual([...union].sort(), [...all].sort(), `complete (${m})`);
    }
    // Organization B's slices hold only B's leads.
    const bAll = new Set(Object.values(b.lead));
    const bPart = await list('lead', { query: 'slice:1/2' }, t.orgB.api_key);
    assert.ok(ids(bPart).every((id) => bAll.has(id)));
  });

  test('a query is confined to the caller’s organization', async () => {
    const res = await list('lead', { query: 'name:acme' }, t.orgB.api_key);
    assert.deepEqual(ids(res), [b.lead.acme, b.lead.holdings]);
    const status = await list('lead', { query: 'status:potential' }, t.orgB.api_key);
    assert.equal(status.body.total_results, 3);
  });
});
