import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { compileLeadSelection, type SearchScope } from '../../src/search/index.ts';
import { SluiceError } from '../../src/errors.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { insertCustomField, insertLead } from './fixtures.ts';

describe('compileLeadSelection (the bulk-action engine’s entry point)', () => {
  let t: TestApp;
  let scope: SearchScope;
  let cfNum: string;
  const ids: string[] = [];

  before(async () => {
    t = await createTestApp();
    const org = t.orgA.organization_id;
    cfNum = await insertCustomField(t.db, org, 'lead', 'number');
    for (let i = 0; i < 6; i++) {
      ids.push((await insertLead(t.db, org, { name: `L${i}`, date_created: `2026-01-0${1 + (i % 3)}T00:00:00Z`, custom: { [cfNum]: 10 - i } })).id);
    }
    await insertLead(t.db, t.orgB.organization_id, { name: 'L0', custom: { [cfNum]: 100 } });
    scope = { db: t.db, organizationId: org, userId: t.orgA.user_id, tzOffsetMinutes: 0, now: new Date('2026-01-05T12:00:00Z') };
  });

  test('one statement of (id, ordinal) in sort order, capped by resultsLimit, only the organization’s leads', async () => {
    const stmt = await compileLeadSelection(scope, {
      query: { type: 'field_condition', field: { type: 'regular_field', object_type: 'lead', field_name: 'name' }, condition: { type: 'text', mode: 'beginning_of_words', value: 'l' } },
      sort: [{ direction: 'asc', field: { type: 'custom_field', custom_field_id: cfNum } }],
      resultsLimit: 4,
    });
    const { rows, fields } = await t.pool.query(stmt.text, stmt.values);
    assert.deepEqual(fields.map((f) => f.name), ['id', 'ordinal']);
    assert.deepEqual(rows.map((r) => r.id), [ids[5], ids[4], ids[3], ids[2]]);
    assert.deepEqual(rows.map((r) => Number(r.ordinal)), [1, 2, 3, 4]);
    const all = await compileLeadSelection(scope, { query: { type: 'match_all' } });
    assert.equal((await t.pool.query(all.text, all.values)).rows.length, 6);
  });

  test('ordinal ties are broken by id, so the same selection always numbers leads alike', async () => {
    const stmt = await compileLeadSelection(scope, { query: { type: 'match_all' }, sort: [{ direction: 'asc', field: { type: 'regular_field', object_type: 'lead', field_name: 'date_created' } }] });
    const first = (await t.pool.query(stmt.text, stmt.values)).rows.map((r) => `${r.ordinal}:${r.id}`);
    const again = (await t.pool.query(stmt.text, stmt.values)).rows.map((r) => `${r.ordinal}:${r.id}`);
    assert.deepEqual(first, again);
    const byDay = (await t.pool.query(stmt.text, stmt.values)).rows.map((r) => r.id);
    for (let day = 0; day < 3; day++) {
      const group = byDay.slice(day * 2, day * 2 + 2);
      assert.deepEqual(group, [...group].sort());
    }
  });

  test('errors name the caller’s paths; a contact query is refused', async () => {
    const fail = async (input: Parameters<typeof compileLeadSelection>[1]) => {
      try {
        await compileLeadSelection(scope, input, { query: 's_query', sort: 'sort' });
      } catch (error) {
        assert.ok(error instanceof SluiceError);
        assert.equal(error.status, 400);
        return error.fieldErrors;
      }
      assert.fail('expected a 400');
    };
    assert.deepEqual(Object.keys(await fail({ query: { type: 'text', mode: 'x', value: 'a' } })), ['s_query.mode']);
    assert.deepEqual(Object.keys(await fail({ query: { type: 'match_all' }, sort: [{ field: { type: 'regular_field', object_type: 'lead', field_name: 'status_id' } }] })), ['sort[0].field']);
    assert.deepEqual(Object.keys(await fail({ query: { type: 'object_type', object_type: 'contact' } })), ['s_query']);
    assert.deepEqual(Object.keys(await fail({ query: { type: 'match_all' }, resultsLimit: -1 })), ['results_limit']);
    assert.deepEqual(Object.keys(await fail({ query: { type: 'match_all' }, resultsLimit: 1.5 })), ['results_limit']);
  });
});
