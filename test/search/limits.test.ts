import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { LIMITS } from '../../src/search/json-input.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { insertCustomField, insertLead } from './fixtures.ts';

const words = (n: number, prefix = 'w') => Array.from({ length: n }, (_, i) => `${prefix}${i}`).join(' ');
const nameText = (value: string, mode = 'full_words') => ({
  type: 'field_condition',
  field: { type: 'regular_field', object_type: 'lead', field_name: 'name' },
  condition: { type: 'text', mode, value },
});

describe('search input limits are 400s that name the limit', () => {
  let t: TestApp;
  let choices: string;

  before(async () => {
    t = await createTestApp();
    const org = t.orgA.organization_id;
    choices = await insertCustomField(t.db, org, 'lead', 'choices');
    await insertLead(t.db, org, { name: 'w0 w1 w2 acme' });
  });

  const search = (query: unknown) => t.call('POST', '/api/v1/data/search/', { body: { query } });

  test('words per text value count after removing repeats (any case)', async () => {
    const repeated = `${words(LIMITS.textWords)} ${words(LIMITS.textWords).toUpperCase()} ${'w0 '.repeat(200)}`;
    const ok = await search({ type: 'text', value: repeated });
    assert.equal(ok.status, 200, ok.text);
    const tooMany = await search({ type: 'and', queries: [{ type: 'match_all' }, nameText(words(LIMITS.textWords + 1))] });
    assert.equal(tooMany.status, 400);
    assert.match(tooMany.body['field-errors']['query.queries[1].condition.value'], /At most 20 different words/);
    const topLevel = await search({ type: 'text', value: words(LIMITS.textWords + 1), mode: 'beginning_of_words' });
    assert.match(topLevel.body['field-errors']['query.value'], /has 21/);
  });

  test('the words of all text values of a query are bounded together', async () => {
    const perNode = 10;
    const nodes = Math.floor(LIMITS.queryWords / perNode) + 1;
    const queries = Array.from({ length: nodes }, (_, i) => nameText(words(perNode, `n${i}x`)));
    const res = await search({ type: 'and', queries });
    assert.equal(res.status, 400, res.text);
    assert.match(res.body['field-errors'].query, new RegExp(`at most ${LIMITS.queryWords} words in all.*has ${nodes * perNode}`));
    const fits = await search({ type: 'or', queries: queries.slice(0, nodes - 1) });
    assert.equal(fits.status, 200, fits.text);
  });

  test('a statement needing more than the parameter limit is a 400, not PostgreSQL’s 65,535 error', async () => {
    const values = Array.from({ length: LIMITS.listItems }, (_, i) => `v${i}`);
    const term = { type: 'field_condition', field: { type: 'custom_field', custom_field_id: choices }, condition: { type: 'term', values } };
    // Each term value costs two containment parameters: 40 such nodes need 80,000.
    const res = await search({ type: 'or', queries: Array.from({ length: 40 }, () => term) });
    assert.equal(res.status, 400, res.text);
    assert.match(res.body['field-errors'].query, /more than 10000 values/);
    const bulk = await t.call('POST', '/api/v1/bulk_action/edit/', {
      body: { type: 'clear_custom_field', custom_field_id: choices, s_query: { type: 'or', queries: Array.from({ length: 40 }, () => term) } },
    });
    assert.equal(bulk.status, 400, bulk.text);
    assert.match(bulk.body['field-errors'].s_query, /more than 10000 values/);
    assert.equal((await t.db.selectFrom('bulk_actions').select('id').execute()).length, 0);
  });
});

describe('stored queries are the validated query, not the request’s JSON', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });

  test('a Smart View keeps known keys only; references to other Smart Views stay references', async () => {
    const inner = await t.call('POST', '/api/v1/saved_search/', {
      body: { name: 'Inner', s_query: { query: { type: 'and', queries: [{ type: 'object_type', object_type: 'lead' }, nameText('acme')] } } },
    });
    assert.equal(inner.status, 200, inner.text);
    const junk = { nested: { deeper: ['x'.repeat(10_000)] } };
    const outer = await t.call('POST', '/api/v1/saved_search/', {
      body: {
        name: 'Outer',
        s_query: {
          query: { type: 'and', junk, queries: [{ type: 'object_type', object_type: 'lead', junk }, { type: 'saved_search', saved_search_id: inner.body.id, negate: false }] },
          sort: [{ direction: 'desc', junk, field: { type: 'regular_field', object_type: 'lead', field_name: 'date_created', junk } }],
        },
      },
    });
    assert.equal(outer.status, 200, outer.text);
    const expected = {
      query: { type: 'and', queries: [{ type: 'object_type', object_type: 'lead' }, { type: 'saved_search', saved_search_id: inner.body.id }] },
      sort: [{ direction: 'desc', field: { type: 'regular_field', object_type: 'lead', field_name: 'date_created' } }],
    };
    assert.deepEqual(outer.body.s_query, expected);
    const row = await t.db.selectFrom('saved_searches').select('s_query').where('id', '=', outer.body.id).executeTakeFirstOrThrow();
    assert.doesNotMatch(JSON.stringify(row.s_query), /junk|xxxx/);
  });

  test('a bulk action stores its validated s_query and sort', async () => {
    const field = await t.call('POST', '/api/v1/custom_field/lead/', { body: { name: 'Tier', type: 'text' } });
    const res = await t.call('POST', '/api/v1/bulk_action/edit/', {
      body: {
        type: 'clear_custom_field',
        custom_field_id: field.body.id,
        s_query: { type: 'or', junk: 'x'.repeat(5000), queries: [{ type: 'match_all', extra: [1, 2, 3] }, { ...nameText('acme'), negate: true }] },
        sort: [{ field: { type: 'regular_field', object_type: 'lead', field_name: 'name' } }],
      },
    });
    assert.equal(res.status, 200, res.text);
    const row = await t.db.selectFrom('bulk_actions').select(['s_query', 'sort']).where('id', '=', res.body.id).executeTakeFirstOrThrow();
    assert.deepEqual(row.s_query, { type: 'or', queries: [{ type: 'match_all' }, { ...nameText('acme'), negate: true }] });
    assert.deepEqual(row.sort, [{ direction: 'asc', field: { type: 'regular_field', object_type: 'lead', field_name: 'name' } }]);
  });
});
