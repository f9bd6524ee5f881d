import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import fc from 'fast-check';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { insertCustomField, insertLead } from './fixtures.ts';

/** Strings that would break a query built by concatenation, a regex, LIKE, JSON or PostgreSQL text. */
const NASTY = [
  "'; DROP TABLE leads; --", "' OR '1'='1", '"', '\\', '$1', '$$', '%', '_', '\\m', '.*', '(?:', '[', ')', '{1,}', '\u0000', 'a\u0000b',
  '\ud800', '🙂', 'cf_', 'lead', 'contact', 'custom', '__proto__', 'constructor', 'null', '', ' ', 'x'.repeat(5000), '9999-99-99', '2026-02-30',
];
const HUGE = [1e308, -1e308, 2 ** 53 + 1, -0, 0.1, 1e-320, 1.2345678901234568e29, -1, 0, 200, 201];
const TYPES = ['and', 'or', 'object_type', 'id', 'text', 'field_condition', 'has_related', 'match_all', 'saved_search', 'not', 'AND'];
const COND_TYPES = ['text', 'term', 'reference', 'number_range', 'boolean', 'exists', 'current_user', 'moment_range', 'local_time', 'regex'];
const FIELD_NAMES = ['name', 'display_name', 'description', 'status_id', 'date_created', 'num_contacts', 'title', 'email', 'is_unsubscribed', 'location', 'id', 'organization_id', 'custom'];
const OBJECT_TYPES = ['lead', 'contact', 'contact_email', 'contact_phone', 'contact_url', 'address', 'activity.email', 'opportunity', 'user'];

describe('hostile /data/search/ input only ever yields 200 or 400', () => {
  let t: TestApp;
  let cfIds: string[];

  before(async () => {
    // Rate limits off: hundreds of requests back to back would otherwise meet a (correct) 429.
    t = await createTestApp({ env: { RATE_LIMIT_PER_KEY: '0' } });
    const org = t.orgA.organization_id;
    cfIds = [];
    for (const type of ['text', 'number', 'date', 'datetime', 'choices', 'user', 'contact']) cfIds.push(await insertCustomField(t.db, org, 'lead', type));
    cfIds.push(await insertCustomField(t.db, org, 'contact', 'text'));
    await insertLead(t.db, org, { name: "O'Brien \\m $1 %_", custom: { [cfIds[0]!]: "'; --", [cfIds[1]!]: 5 }, contacts: [{ name: 'x', emails: [{ email: 'a@b.c' }] }] });
  });

  test('random trees with SQL metacharacters, wrong types, deep nesting and huge numbers', async () => {
    const nasty = fc.oneof(fc.constantFrom(...NASTY), fc.string({ unit: 'binary', maxLength: 20 }));
    const scalar = fc.oneof(nasty, fc.constantFrom(...HUGE), fc.boolean(), fc.constant(null), fc.integer(), fc.double());
    const anyJson = fc.oneof(scalar, fc.array(scalar, { maxLength: 3 }), fc.dictionary(nasty, scalar, { maxKeys: 3 }));
    const maybe = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ weight: 4, arbitrary: arb }, { weight: 1, arbitrary: anyJson });
    const momentAt = (d: number): fc.Arbitrary<unknown> =>
      maybe(
        fc.record(
          {
            type: maybe(fc.constantFrom('now', 'fixed_local_date', 'offset')),
            value: maybe(fc.constantFrom('2026-01-05', '0001-01-01', '9999-12-31', '2026-13-01')),
            which: maybe(fc.constantFrom('start', 'end')),
            direction: maybe(fc.constantFrom('past', 'future')),
            moment: d > 0 ? momentAt(d - 1) : fc.constant({ type: 'now' }),
            offset: maybe(fc.dictionary(fc.constantFrom('years', 'months', 'weeks', 'days', 'hours', 'minutes', 'seconds'), fc.oneof(fc.constantFrom(...HUGE), fc.integer({ min: 0, max: 100 })))),
            which_day_end: maybe(fc.constantFrom('start', 'end')),
          },
          { requiredKeys: ['type'] },
        ),
      );
    const moment = momentAt(2);
    const field = maybe(
      fc.record({
        type: maybe(fc.constantFrom('regular_field', 'custom_field')),
        object_type: maybe(fc.constantFrom(...OBJECT_TYPES)),
        field_name: maybe(fc.constantFrom(...FIELD_NAMES)),
        custom_field_id: maybe(fc.oneof(fc.constantFrom(...cfIds), nasty)),
      }),
    );
    const condition = maybe(
      fc.record({
        type: maybe(fc.constantFrom(...COND_TYPES)),
        mode: maybe(fc.constantFrom('full_words', 'phrase', 'beginning_of_words', 'exact_value')),
        value: anyJson,
        values: maybe(fc.array(nasty, { maxLength: 4 })),
        object_ids: maybe(fc.array(nasty, { maxLength: 4 })),
        reference_type: maybe(fc.constantFrom('user', 'user_or_group', 'status.lead', 'contact', 'lead')),
        gt: maybe(fc.constantFrom(...HUGE)),
        lte: maybe(fc.constantFrom(...HUGE)),
        on_or_after: moment,
        before: moment,
      }),
    );
    const queryAt = (d: number): fc.Arbitrary<unknown> =>
      maybe(
        fc.record({
          type: maybe(fc.constantFrom(...TYPES)),
          negate: maybe(fc.boolean()),
          queries: d > 0 ? maybe(fc.array(queryAt(d - 1), { maxLength: 3 })) : fc.constant([]),
          object_type: maybe(fc.constantFrom(...OBJECT_TYPES)),
          value: anyJson,
          mode: maybe(fc.constantFrom('full_words', 'phrase', 'beginning_of_words', 'exact_value')),
          field,
          condition,
          this_object_type: maybe(fc.constantFrom(...OBJECT_TYPES)),
          related_object_type: maybe(fc.constantFrom(...OBJECT_TYPES)),
          related_query: d > 0 ? queryAt(d - 1) : fc.constant({ type: 'match_all' }),
          saved_search_id: maybe(nasty),
        }),
      );
    const query = queryAt(3);
    // Well-formed queries whose every string is hostile: these must run (200), matching literally.
    const mode = fc.constantFrom('full_words', 'phrase', 'beginning_of_words', 'exact_value');
    const leadField = (name: string) => ({ type: 'regular_field', object_type: 'lead', field_name: name });
    const wellFormedLeaf = fc.oneof(
      fc.record({ type: fc.constant('text'), mode: fc.constant('exact_value'), value: nasty }),
      fc.record({ type: fc.constant('text'), mode, value: nasty.map((v) => `${v} word`) }),
      fc.record({ type: fc.constant('id'), value: nasty.filter((v) => v !== '') }),
      fc.record({ type: fc.constant('field_condition'), field: fc.constant(leadField('name')), condition: fc.record({ type: fc.constant('text'), mode, value: nasty.map((v) => `x ${v}`) }) }),
      fc.record({ type: fc.constant('field_condition'), field: fc.constant(leadField('status_id')), condition: fc.record({ type: fc.constant('reference'), reference_type: fc.constant('status.lead'), object_ids: fc.array(nasty) }) }),
      fc.record({ type: fc.constant('field_condition'), field: fc.constant({ type: 'custom_field', custom_field_id: cfIds[4] }), condition: fc.record({ type: fc.constant('term'), values: fc.array(nasty) }) }),
      fc.record({ type: fc.constant('field_condition'), field: fc.constant({ type: 'custom_field', custom_field_id: cfIds[1] }), condition: fc.record({ type: fc.constant('number_range'), gt: fc.constantFrom(...HUGE), lte: fc.constantFrom(...HUGE) }) }),
      fc.record({
        type: fc.constant('has_related'), this_object_type: fc.constant('lead'), related_object_type: fc.constant('contact'),
        related_query: fc.record({ type: fc.constant('has_related'), this_object_type: fc.constant('contact'), related_object_type: fc.constant('contact_email'),
          related_query: fc.record({ type: fc.constant('field_condition'), field: fc.constant({ type: 'regular_field', object_type: 'contact_email', field_name: 'email' }), condition: fc.record({ type: fc.constant('text'), mode: fc.constant('exact_value'), value: nasty }) }) }),
      }),
    );
    const wellFormed = fc.record({ type: fc.constantFrom('and', 'or'), negate: fc.boolean(), queries: fc.array(wellFormedLeaf, { maxLength: 4 }) });
    const deep = fc.integer({ min: 30, max: 300 }).map((n) => {
      let q: unknown = { type: 'match_all' };
      for (let i = 0; i < n; i++) q = { type: 'and', queries: [q] };
      return q;
    });
    const body = fc.record(
      {
        query: fc.oneof({ weight: 4, arbitrary: query }, { weight: 3, arbitrary: wellFormed }, { weight: 1, arbitrary: deep }),
        _limit: maybe(fc.constantFrom(...HUGE)),
        results_limit: maybe(fc.constantFrom(...HUGE)),
        include_counts: maybe(fc.boolean()),
        cursor: maybe(fc.oneof(nasty, anyJson.map((j) => Buffer.from(JSON.stringify(j) ?? 'x').toString('base64url')))),
        sort: maybe(fc.array(fc.record({ direction: maybe(fc.constantFrom('asc', 'desc')), field }), { maxLength: 3 })),
        _fields: maybe(fc.dictionary(fc.constantFrom('lead', 'contact', '__proto__'), fc.array(nasty, { maxLength: 3 }))),
      },
      { requiredKeys: [] },
    );
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(fc.oneof(body, fc.record({ query: wellFormed, include_counts: fc.boolean() })), async (b) => {
        const res = await t.call('POST', '/api/v1/data/search/', { body: b });
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        assert.ok(res.status === 200 || res.status === 400, `status ${res.status} for ${JSON.stringify(b).slice(0, 2000)}: ${res.text.slice(0, 500)}`);
        if (res.status === 400) assert.ok(res.body['field-errors'] || res.body.errors || res.body.error, res.text);
        else assert.ok(Array.isArray(res.body.data), res.text);
      }),
      { numRuns: Number(process.env.SEARCH_HOSTILE_RUNS ?? 200) },
    );
    // Both outcomes occur, so the property is not passing vacuously.
    assert.ok((statuses.get(200) ?? 0) > 0 && (statuses.get(400) ?? 0) > 0, JSON.stringify([...statuses]));
  });

  test('valid queries carrying metacharacters in every string run and match literally', async () => {
    const res = await t.call('POST', '/api/v1/data/search/', {
      body: {
        query: {
          type: 'or',
          queries: [
            { type: 'text', mode: 'exact_value', value: "O'Brien \\m $1 %_" },
            { type: 'field_condition', field: { type: 'custom_field', custom_field_id: cfIds[0] }, condition: { type: 'text', mode: 'exact_value', value: "'; --" } },
          ],
        },
      },
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.data.length, 1);
    const none = await t.call('POST', '/api/v1/data/search/', {
      body: { query: { type: 'field_condition', field: { type: 'regular_field', object_type: 'lead', field_name: 'name' }, condition: { type: 'text', mode: 'exact_value', value: "' OR '1'='1" } } },
    });
    assert.equal(none.status, 200);
    assert.deepEqual(none.body.data, []);
  });
});
