import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { matchesFilter, parseExtraFilter, type ExtraFilter } from '../../src/webhooks/extra-filter.ts';
import { SluiceError } from '../../src/errors.ts';

const event = {
  object_type: 'lead',
  action: 'updated',
  changed_fields: ['name', 'status_id'],
  data: { id: 'lead_1', display_name: 'Acme Corp', status_label: 'Won', custom: { tier: null }, tags: [{ k: 'a' }, { k: 'b' }] },
  previous_data: { status_label: 'Potential' },
  meta: {},
  user_id: null,
};

const f = (filter: unknown): ExtraFilter => parseExtraFilter(filter, 'extra_filter');
const at = (field: string, filter: unknown) => ({ type: 'field_accessor', field, filter });

describe('extra_filter (Close\'s webhook filter language)', () => {
  const cases: [string, unknown, boolean][] = [
    ['equals a string', at('action', { type: 'equals', value: 'updated' }), true],
    ['equals is the whole value', at('action', { type: 'equals', value: 'update' }), false],
    ['equals an array, in order', at('changed_fields', { type: 'equals', value: ['name', 'status_id'] }), true],
    ['equals an object, keys in any order', at('previous_data', { type: 'equals', value: { status_label: 'Potential' } }), true],
    ['not_equals', at('action', { type: 'not_equals', value: 'created' }), true],
    ['not_equals the same', at('action', { type: 'not_equals', value: 'updated' }), false],
    ['is_null on null', at('user_id', { type: 'is_null' }), true],
    ['is_null on a missing field', at('nope', { type: 'is_null' }), true],
    ['is_null on a value', at('action', { type: 'is_null' }), false],
    ['non_null', at('action', { type: 'non_null' }), true],
    ['non_null on a nested null', at('data', at('custom', at('tier', { type: 'non_null' }))), false],
    ['contains: array membership', at('changed_fields', { type: 'contains', value: 'name' }), true],
    ['contains: not a member', at('changed_fields', { type: 'contains', value: 'description' }), false],
    ['contains: substring', at('data', at('display_name', { type: 'contains', value: 'Acme' })), true],
    ['contains: on a number is false', at('meta', { type: 'contains', value: 'x' }), false],
    ['nested field_accessor', at('data', at('status_label', { type: 'equals', value: 'Won' })), true],
    ['field_accessor on a non-object is null', at('action', at('x', { type: 'is_null' })), true],
    ['and', { type: 'and', filters: [at('action', { type: 'equals', value: 'updated' }), at('object_type', { type: 'equals', value: 'lead' })] }, true],
    ['and with one false', { type: 'and', filters: [at('action', { type: 'equals', value: 'updated' }), at('object_type', { type: 'equals', value: 'contact' })] }, false],
    ['or', { type: 'or', filters: [at('action', { type: 'equals', value: 'created' }), at('object_type', { type: 'equals', value: 'lead' })] }, true],
    ['or with none true', { type: 'or', filters: [at('action', { type: 'equals', value: 'created' })] }, false],
    ['not', { type: 'not', filter: at('action', { type: 'equals', value: 'created' }) }, true],
    ['any_array_value', at('data', at('tags', { type: 'any_array_value', filter: at('k', { type: 'equals', value: 'b' }) })), true],
    ['any_array_value with no match', at('data', at('tags', { type: 'any_array_value', filter: at('k', { type: 'equals', value: 'c' }) })), false],
    ['any_array_value on a non-array', at('action', { type: 'any_array_value', filter: { type: 'non_null' } }), false],
  ];
  for (const [name, filter, expected] of cases) {
    test(`${name}: ${expected ? 'matches' : 'does not match'}`, () => {
      assert.equal(matchesFilter(f(filter), event), expected);
    });
  }

  test('an invalid filter is a 400 naming the node', () => {
    const bad: [unknown, string][] = [
      [null, 'extra_filter'],
      [{ type: 'equal', value: 1 }, 'extra_filter.type'],
      [{ type: 'equals' }, 'extra_filter.value'],
      [{ type: 'and', filters: {} }, 'extra_filter.filters'],
      [{ type: 'or', filters: [{ type: 'is_null' }, 'x'] }, 'extra_filter.filters[1]'],
      [{ type: 'field_accessor', field: '', filter: { type: 'is_null' } }, 'extra_filter.field'],
      [{ type: 'field_accessor', field: 'a' }, 'extra_filter.filter'],
    ];
    for (const [input, path] of bad) {
      assert.throws(() => parseExtraFilter(input, 'extra_filter'), (error: unknown) => error instanceof SluiceError && error.status === 400 && path in error.fieldErrors, JSON.stringify(input));
    }
    let deep: unknown = { type: 'is_null' };
    for (let i = 0; i < 40; i++) deep = { type: 'not', filter: deep };
    assert.throws(() => parseExtraFilter(deep, 'extra_filter'), /nested at most/);
    // Wide instead of deep: the node count bounds what one event's evaluation can cost.
    const wide = { type: 'or', filters: Array.from({ length: 250 }, () => ({ type: 'is_null' })) };
    assert.throws(() => parseExtraFilter(wide, 'extra_filter'), /at most 200 nodes/);
    assert.doesNotThrow(() => parseExtraFilter({ type: 'or', filters: Array.from({ length: 150 }, () => ({ type: 'is_null' })) }, 'extra_filter'));
  });
});
