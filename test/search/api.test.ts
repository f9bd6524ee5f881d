import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { insertCustomField, insertLead, statusIds } from './fixtures.ts';

const SEARCH = '/api/v1/data/search/';
const allLeads = { type: 'object_type', object_type: 'lead' };
const cfSort = (id: string, direction: string) => ({ direction, field: { type: 'custom_field', custom_field_id: id } });
const lfSort = (name: string, direction: string) => ({ direction, field: { type: 'regular_field', object_type: 'lead', field_name: name } });

describe('POST /data/search/', () => {
  let t: TestApp;
  let cfNum: string;
  let cfText: string;
  let statuses: string[];
  const leadIds: string[] = [];

  before(async () => {
    // Rate limits off: the paging tests send requests back to back.
    t = await createTestApp({ env: { RATE_LIMIT_PER_KEY: '0' } });
    const org = t.orgA.organization_id;
    statuses = await statusIds(t.db, org);
    cfNum = await insertCustomField(t.db, org, 'lead', 'number');
    cfText = await insertCustomField(t.db, org, 'lead', 'text');
    // 23 leads: five creation instants (ties), repeated and missing names and numbers.
    for (let i = 0; i < 23; i++) {
      const { id } = await insertLead(t.db, org, {
        name: i % 4 === 3 ? null : `Lead ${String.fromCharCode(65 + (i % 5))}`,
        status_id: statuses[i % 2],
        date_created: `2026-01-0${1 + (i % 5)}T10:00:00Z`,
        custom: i % 3 === 0 ? { [cfText]: `note ${i}` } : { [cfNum]: i % 6, [cfText]: `note ${i}` },
        contacts: i === 0 ? [{ name: 'Ada Lovelace', title: 'CEO', emails: [{ email: 'ada@example.com' }] }] : [],
      });
      leadIds.push(id);
    }
    await insertLead(t.db, t.orgB.organization_id, { name: 'Lead A', date_created: '2026-01-01T10:00:00Z', custom: { [cfNum]: 1 } });
  });

  const search = (body: unknown, headers?: Record<string, string>, key?: string) => t.call('POST', SEARCH, { body, headers, key });

  async function walk(body: Record<string, unknown>, limit: number): Promise<{ ids: string[]; pages: number }> {
    const ids: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await search({ ...body, _limit: limit, cursor });
      assert.equal(res.status, 200, res.text);
      assert.ok(res.body.data.length <= limit);
      ids.push(...res.body.data.map((d: { id: string }) => d.id));
      cursor = res.body.cursor;
      pages += 1;
      assert.ok(pages < 100);
    } while (cursor !== null);
    return { ids, pages };
  }

  test('items carry __object_type and id only, unless _fields asks for more', async () => {
    const res = await search({ query: { type: 'id', value: leadIds[0] } });
    assert.deepEqual(res.body, { data: [{ __object_type: 'lead', id: leadIds[0] }], cursor: null });
    const withFields = await search({
      query: { type: 'id', value: leadIds[0] },
      _fields: { lead: ['id', 'display_name', 'status_id', 'status_label', `custom.${cfText}`, 'date_created', 'contacts'], contact: ['title'] },
    });
    const [item] = withFields.body.data;
    assert.equal(item.__object_type, 'lead');
    assert.equal(item.display_name, 'Lead A');
    assert.equal(item.status_id, statuses[0]);
    assert.equal(item.status_label, 'Potential');
    assert.equal(item[`custom.${cfText}`], 'note 0');
    assert.equal(item.date_created, '2026-01-01T10:00:00.000000+00:00');
    assert.equal(item.contacts[0].name, 'Ada Lovelace');
    assert.equal(item.title, undefined);
    const contacts = await search({ query: { type: 'and', queries: [{ type: 'object_type', object_type: 'contact' }, { type: 'text', value: 'ceo' }] }, _fields: { contact: ['name', 'title', 'emails', 'lead_id'] } });
    assert.equal(contacts.body.data.length, 1);
    assert.deepEqual({ ...contacts.body.data[0], emails: contacts.body.data[0].emails.map((e: { email: string }) => e.email) }, {
      __object_type: 'contact', id: contacts.body.data[0].id, name: 'Ada Lovelace', title: 'CEO', emails: ['ada@example.com'], lead_id: leadIds[0],
    });
  });

  test('_limit defaults to 100, accepts 200, refuses 201', async () => {
    const res = await search({ query: allLeads });
    assert.equal(res.body.data.length, 23);
    assert.equal((await search({ query: allLeads, _limit: 200 })).status, 200);
    const over = await search({ query: allLeads, _limit: 201 });
    assert.equal(over.status, 400);
    assert.deepEqual(over.body['field-errors'], { _limit: 'Input should be less than or equal to 200' });
  });

  for (const [label, sort] of [
    ['the default order', undefined],
    ['date_created ascending (ties)', [lfSort('date_created', 'asc')]],
    ['name ascending (ties and NULLs)', [lfSort('name', 'asc')]],
    ['a custom number descending (NULLs first)', [cfSort('cfNum', 'desc')]],
    ['name then a custom number, mixed directions', [lfSort('name', 'desc'), cfSort('cfNum', 'asc')]],
    ['a count', [lfSort('num_contacts', 'desc')]],
  ] as const) {
    test(`cursor pages never repeat or skip a row: ${label}`, async () => {
      const realSort = sort?.map((s) => ('custom_field_id' in s.field ? cfSort(cfNum, s.direction) : s));
      const full = await search({ query: allLeads, sort: realSort, _limit: 200 });
      assert.equal(full.body.cursor, null);
      const whole = full.body.data.map((d: { id: string }) => d.id);
      assert.deepEqual([...whole].sort(), [...leadIds].sort());
      for (const limit of [1, 4, 7]) {
        const { ids, pages } = await walk({ query: allLeads, sort: realSort }, limit);
        assert.deepEqual(ids, whole, `limit ${limit}`);
        assert.equal(pages, Math.ceil(23 / limit));
      }
    });
  }

  test('sort orders by the key, NULLs last ascending and first descending, ties by id', async () => {
    const res = await search({ query: allLeads, sort: [cfSort(cfNum, 'asc')], _limit: 200, _fields: { lead: [`custom.${cfNum}`] } });
    const values = res.body.data.map((d: Record<string, unknown>) => d[`custom.${cfNum}`] ?? null);
    const numbers = values.filter((v: unknown) => v !== null);
    assert.deepEqual(numbers, [...numbers].sort((a, b) => a - b));
    assert.ok(values.slice(numbers.length).every((v: unknown) => v === null));
    const desc = await search({ query: allLeads, sort: [cfSort(cfNum, 'desc')], _limit: 200, _fields: { lead: [`custom.${cfNum}`] } });
    assert.equal(desc.body.data[0][`custom.${cfNum}`], undefined);
    const byName = await search({ query: allLeads, sort: [lfSort('name', 'asc')], _limit: 200, _fields: { lead: ['name'] } });
    const groups = byName.body.data.filter((d: { name: string }) => d.name === 'Lead A').map((d: { id: string }) => d.id);
    assert.deepEqual(groups, [...groups].sort((a: string, b: string) => (a < b ? -1 : 1)));
  });

  test('results_limit caps the results across pages', async () => {
    const { ids } = await walk({ query: allLeads, results_limit: 10 }, 4);
    assert.equal(ids.length, 10);
    const first10 = (await search({ query: allLeads, _limit: 200 })).body.data.slice(0, 10).map((d: { id: string }) => d.id);
    assert.deepEqual(ids, first10);
    const exact = await search({ query: allLeads, results_limit: 5, _limit: 5 });
    assert.equal(exact.body.data.length, 5);
    assert.equal(exact.body.cursor, null);
  });

  test('include_counts counts all matches and the results_limit-capped number', async () => {
    const res = await search({ query: allLeads, include_counts: true, results_limit: 0 });
    assert.deepEqual(res.body, { data: [], cursor: null, count: { total: 23, limited: 0 } });
    const some = await search({ query: { type: 'field_condition', field: lfSort('status_id', 'asc').field, condition: { type: 'reference', reference_type: 'status.lead', object_ids: [statuses[0]] } }, include_counts: true, results_limit: 5, _limit: 2 });
    assert.deepEqual(some.body.count, { total: 12, limited: 5 });
    assert.equal(some.body.data.length, 2);
  });

  test('X-TZ-Offset moves the bounds of fixed_local_date', async () => {
    const query = { type: 'field_condition', field: lfSort('date_created', 'asc').field, condition: { type: 'moment_range', on_or_after: { type: 'fixed_local_date', value: '2026-01-05', which: 'start' } } };
    const utc = await search({ query, include_counts: true });
    assert.equal(utc.body.count.total, 4);
    // 11 hours east, Jan 5 starts at 13:00 UTC on Jan 4: the leads created Jan 4 10:00 UTC are still before it.
    const east = await search({ query, include_counts: true }, { 'x-tz-offset': '11' });
    assert.equal(east.body.count.total, 4);
    // 14 hours east it starts at 10:00 UTC on Jan 4, so the Jan 4 10:00 UTC leads are on Jan 5 there.
    const fareast = await search({ query, include_counts: true }, { 'x-tz-offset': '14' });
    assert.equal(fareast.body.count.total, 8);
    const west = await search({ query: { ...query, condition: { type: 'moment_range', before: { type: 'fixed_local_date', value: '2026-01-01', which: 'end' } } }, include_counts: true }, { 'x-tz-offset': '-11' });
    // Jan 1 ends at 11:00 UTC on Jan 2 eleven hours west: the Jan 1 and Jan 2 10:00 UTC leads are before it.
    assert.equal(west.body.count.total, 10);
  });

  test('invalid input is a 400 naming the JSON path of the bad node', async () => {
    const cases: [unknown, string, RegExp][] = [
      [{ query: { type: 'and', queries: [allLeads, { type: 'field_condition', field: lfSort('name', 'asc').field, condition: { type: 'text', mode: 'fuzzy', value: 'x' } }] } }, 'query.queries[1].condition.mode', /full_words/],
      [{}, 'query', /required/],
      [{ query: { type: 'nope' } }, 'query.type', /"and"/],
      [{ query: {} }, 'query.type', /got nothing/],
      [{ query: { type: 'text' } }, 'query.value', /Expected a string, got nothing/],
      [{ query: { type: 'field_condition', field: lfSort('name', 'asc').field, condition: { type: 'number_range', gt: 1 } } }, 'query.condition.type', /"text", "term", "exists"/],
      [{ query: { type: 'field_condition', field: { type: 'custom_field', custom_field_id: 'cf_missing' }, condition: { type: 'exists' } } }, 'query.field.custom_field_id', /Unknown custom field/],
      [{ query: { type: 'field_condition', field: { type: 'regular_field', object_type: 'contact', field_name: 'title' }, condition: { type: 'exists' } } }, 'query.field.object_type', /has_related/],
      [{ query: { type: 'has_related', this_object_type: 'lead', related_object_type: 'contact_email', related_query: { type: 'match_all' } } }, 'query.related_object_type', /"contact"/],
      [{ query: { type: 'or', queries: [allLeads, { type: 'object_type', object_type: 'contact' }] } }, 'query.queries[1].object_type', /one object type/],
      [{ query: allLeads, sort: [lfSort('status_id', 'asc')] }, 'sort[0].field', /number, date and text/],
      [{ query: allLeads, cursor: 'not a cursor!' }, 'cursor', /Invalid cursor/],
      [{ query: allLeads, cursor: Buffer.from('{"f":"x","v":[],"i":"a","n":0}').toString('base64url') }, 'cursor', /different query/],
      [{ query: allLeads, results_limit: -1 }, 'results_limit', /at least 0/],
      [{ query: { type: 'field_condition', field: lfSort('date_created', 'asc').field, condition: { type: 'moment_range', before: { type: 'offset', direction: 'past', offset: { days: 1e9 } } } } }, 'query.condition.before.offset.days', /0 to/],
      [{ query: { type: 'saved_search', saved_search_id: 'save_missing' } }, 'query.saved_search_id', /Unknown saved search/],
    ];
    for (const [body, path, message] of cases) {
      const res = await search(body);
      assert.equal(res.status, 400, `${path}: ${res.text}`);
      assert.deepEqual(Object.keys(res.body['field-errors']), [path], res.text);
      assert.match(res.body['field-errors'][path], message);
    }
  });

  test('a cursor of one query is refused by another, and cursors do not expire', async () => {
    const first = await search({ query: allLeads, _limit: 5 });
    const other = await search({ query: { type: 'match_all' }, _limit: 5, cursor: first.body.cursor });
    assert.equal(other.status, 400);
    const later = await search({ query: allLeads, _limit: 5, cursor: first.body.cursor });
    assert.equal(later.status, 200);
    assert.equal(later.body.data.length, 5);
  });

  test('organization B sees and counts nothing of organization A', async () => {
    const keyB = t.orgB.api_key;
    const res = await search({ query: allLeads, include_counts: true, _fields: { lead: ['name'] } }, undefined, keyB);
    assert.equal(res.body.count.total, 1);
    assert.deepEqual(res.body.data.map((d: { name: string }) => d.name), ['Lead A']);
    const byId = await search({ query: { type: 'id', value: leadIds[0] }, include_counts: true }, undefined, keyB);
    assert.deepEqual(byId.body, { data: [], cursor: null, count: { total: 0, limited: 0 } });
    const text = await search({ query: { type: 'text', value: 'ada' }, include_counts: true }, undefined, keyB);
    assert.equal(text.body.count.total, 0);
    const custom = await search({ query: { type: 'field_condition', field: { type: 'custom_field', custom_field_id: cfNum }, condition: { type: 'exists' } } }, undefined, keyB);
    assert.equal(custom.status, 400, 'A custom field is unknown in B');
  });
});
