/**
 * The filter builder's round trip (web/src/filter/model.ts), by property: random builder trees
 * survive builder → JSON → builder unchanged, and random query JSON, including nodes the builder
 * cannot show, survives JSON → builder → JSON unchanged, the unknown parts kept as raw JSON.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { fromQuery, nodeFromJson, nodeToJson, toQuery, type Condition, type FilterNode, type Group, type Moment } from '../../web/src/filter/model.ts';

const id = fc.stringMatching(/^[a-z]{2,5}_[A-Za-z0-9]{4,8}$/);
const text = fc.string({ maxLength: 12 });
const mode = fc.constantFrom('full_words', 'phrase', 'beginning_of_words', 'exact_value' as const);
const num = fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }));
const bound = fc.option(num, { nil: null });

const moment: fc.Arbitrary<Moment> = fc.oneof(
  fc.constant({ type: 'now' } as const),
  fc.record({ type: fc.constant('fixed_local_date' as const), value: fc.constantFrom('2024-01-31', '2026-12-02'), which: fc.constantFrom('start', 'end' as const) }),
  fc.record({
    type: fc.constant('offset' as const),
    direction: fc.constantFrom('past', 'future' as const),
    unit: fc.constantFrom('hours', 'days', 'weeks', 'months', 'years' as const),
    amount: fc.nat({ max: 400 }),
    which_day_end: fc.constantFrom(null, 'start', 'end' as const),
  }),
);

const condition: fc.Arbitrary<Condition> = fc.oneof(
  fc.record({ type: fc.constant('text' as const), mode, value: text }),
  fc.record({ type: fc.constant('term' as const), values: fc.array(text, { maxLength: 3 }) }),
  fc.record({ type: fc.constant('reference' as const), reference_type: fc.constantFrom('status.lead', 'user'), object_ids: fc.array(id, { maxLength: 3 }) }),
  fc.record({
    type: fc.constant('number_range' as const),
    bounds: fc.record({ gt: bound, gte: bound, lt: bound, lte: bound }, { requiredKeys: [] }),
  }),
  fc.record({ type: fc.constant('moment_range' as const), on_or_after: fc.option(moment, { nil: null }), before: fc.option(moment, { nil: null }) }),
  fc.constant({ type: 'exists' } as const),
  fc.constant({ type: 'current_user' } as const),
  fc.record({ type: fc.constant('boolean' as const), value: fc.boolean() }),
);

/** Anything the builder cannot show: unknown node types, known ones with extra keys or odd values. */
const rawJson = fc.oneof(
  fc.record({ type: fc.constant('id'), value: id }),
  fc.record({ type: fc.constant('match_all') }),
  fc.record({ type: fc.constant('saved_search'), saved_search_id: id }),
  fc.record({ type: fc.constant('slice'), slice: fc.integer({ min: 1, max: 4 }), total_slices: fc.constant(4) }),
  fc.record({ type: fc.constant('text'), value: text }), // no mode
  fc.record({ queries: fc.constant([]) }), // `and` without a type
  fc.record({ type: fc.constant('field_condition'), field: fc.record({ type: fc.constant('regular_field'), object_type: fc.constant('lead'), field_name: fc.constant('name') }), condition: fc.record({ type: fc.constant('text'), mode, value: text, extra: fc.boolean() }) }),
  fc.record({ type: fc.constant('has_related'), this_object_type: fc.constant('lead'), related_object_type: fc.constant('address'), related_query: fc.record({ type: fc.constant('match_all') }) }),
  fc.record({ type: fc.constant('or'), queries: fc.constant([]), negate: fc.constant(false) }),
  // lead → contact_email directly is not a relation the API knows (it goes through contact)
  fc.record({ type: fc.constant('has_related'), this_object_type: fc.constant('lead'), related_object_type: fc.constant('contact_email'), related_query: fc.record({ type: fc.constant('field_condition'), field: fc.record({ type: fc.constant('regular_field'), object_type: fc.constant('contact_email'), field_name: fc.constant('email') }), condition: fc.record({ type: fc.constant('exists') }) }) }),
);

const fieldFor = (via: string) =>
  via === 'lead' || via === 'contact'
    ? fc.oneof(fc.record({ type: fc.constant('regular_field' as const), field_name: fc.constantFrom('name', 'title', 'date_created') }), fc.record({ type: fc.constant('custom_field' as const), custom_field_id: id }))
    : fc.record({ type: fc.constant('regular_field' as const), field_name: fc.constantFrom('email', 'phone') });

const leaf: fc.Arbitrary<FilterNode> = fc.oneof(
  fc.record({ kind: fc.constant('text' as const), negate: fc.boolean(), mode, value: text }),
  fc.constantFrom('lead', 'contact', 'contact_email', 'contact_phone' as const).chain((via) =>
    fc.record({ kind: fc.constant('condition' as const), negate: fc.boolean(), via: fc.constant(via), field: fieldFor(via), condition }),
  ),
  rawJson.map((json) => ({ kind: 'raw' as const, json })),
);

const { node } = fc.letrec<{ node: FilterNode; group: FilterNode }>((tie) => ({
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('group')),
  group: fc.record({
    kind: fc.constant('group' as const),
    op: fc.constantFrom('and', 'or' as const),
    negate: fc.boolean(),
    children: fc.array(tie('node'), { maxLength: 4 }),
  }),
}));

const root: fc.Arbitrary<Group> = fc.array(node, { maxLength: 5 }).map((children) => ({ kind: 'group', op: 'and', negate: false, children }));

/** JSON compare that sees key order too (what is sent is what was given). */
const same = (a: unknown, b: unknown) => assert.equal(JSON.stringify(a), JSON.stringify(b));

describe('filter builder model', () => {
  test('builder → JSON → builder gives back the same tree', () => {
    fc.assert(
      fc.property(root, (tree) => {
        const json = JSON.parse(JSON.stringify(toQuery(tree)));
        // (via JSON: fast-check builds null-prototype objects, which deepEqual tells apart)
        assert.deepEqual(fromQuery(json), JSON.parse(JSON.stringify(tree)));
      }),
      { numRuns: 500 },
    );
  });

  test('JSON → builder → JSON gives back the same JSON; what the builder cannot show stays raw, untouched', () => {
    fc.assert(
      fc.property(root, (tree) => {
        const json = JSON.parse(JSON.stringify(toQuery(tree)));
        same(toQuery(fromQuery(json)), json);
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(rawJson, (json) => {
        const parsed = nodeFromJson(json);
        assert.equal(parsed.kind, 'raw');
        same(nodeToJson(parsed), json);
      }),
    );
  });

  test('a query without the lead object_type clause becomes the root group’s one clause', () => {
    const q = { type: 'text', mode: 'phrase', value: 'acme' };
    const tree = fromQuery(q);
    assert.equal(tree.children.length, 1);
    assert.equal(tree.children[0]!.kind, 'text');
    same(toQuery(tree), { type: 'and', queries: [{ type: 'object_type', object_type: 'lead' }, q] });
  });

  test('contact email conditions are has_related clauses through the contact; a negated one carries negate on the outer node', () => {
    const node: FilterNode = {
      kind: 'condition',
      negate: true,
      via: 'contact_email',
      field: { type: 'regular_field', field_name: 'email' },
      condition: { type: 'text', mode: 'phrase', value: 'example.com' },
    };
    same(nodeToJson(node), {
      type: 'has_related',
      this_object_type: 'lead',
      related_object_type: 'contact',
      related_query: {
        type: 'has_related',
        this_object_type: 'contact',
        related_object_type: 'contact_email',
        related_query: { type: 'field_condition', field: { type: 'regular_field', object_type: 'contact_email', field_name: 'email' }, condition: { type: 'text', mode: 'phrase', value: 'example.com' } },
      },
      negate: true,
    });
  });
});
