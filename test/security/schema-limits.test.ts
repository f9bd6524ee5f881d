/**
 * Every input is bounded. The served OpenAPI document is generated from the route schemas, so
 * walking it holds every endpoint, present and future, to the rule: each string of a request body
 * or parameter has a maxLength, each list a maxItems, each integer a maximum and each map with free
 * keys a maxProperties. Inputs read by hand (custom field values, `_skip` of filtered items) are
 * checked by the requests below: an over-limit input is a 400 naming the field, never a 413 under
 * BODY_LIMIT_BYTES nor a 500, and changes nothing.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { FILTERED_ITEMS_SKIP_MAX, INT4_MAX, NESTED_CONTACTS_MAX, SKIP_MAX, TEXT_MAX } from '../../src/http/input-limits.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';

type Schema = Record<string, unknown>;

/** Appends to `out` the JSON path of every unbounded value `schema` admits. */
function unbounded(schema: unknown, path: string, out: string[]): number {
  if (schema === null || typeof schema !== 'object') return 0;
  const s = schema as Schema;
  let checked = 0;
  for (const key of ['anyOf', 'oneOf', 'allOf']) {
    for (const branch of (s[key] as unknown[] | undefined) ?? []) checked += unbounded(branch, path, out);
  }
  const types = Array.isArray(s.type) ? (s.type as string[]) : [s.type as string | undefined];
  const closed = 'enum' in s || 'const' in s;
  if (types.includes('string')) {
    checked += 1;
    if (s.maxLength === undefined && !closed) out.push(`${path}: string without maxLength`);
  }
  if (types.includes('integer') || types.includes('number')) {
    checked += 1;
    if (s.maximum === undefined && !closed) out.push(`${path}: ${String(s.type)} without maximum`);
  }
  if (types.includes('array')) {
    checked += 1;
    if (s.maxItems === undefined) out.push(`${path}: array without maxItems`);
    checked += unbounded(s.items, `${path}[]`, out);
  }
  if (types.includes('object') || s.properties !== undefined) {
    for (const [key, value] of Object.entries((s.properties as Schema | undefined) ?? {})) {
      checked += unbounded(value, path === '' ? key : `${path}.${key}`, out);
    }
    const free = s.additionalProperties;
    if ((typeof free === 'object' && free !== null) || s.patternProperties !== undefined) {
      checked += 1;
      if (s.maxProperties === undefined) out.push(`${path || '(body)'}: free keys without maxProperties`);
      checked += unbounded(free, `${path}.*`, out);
    }
  }
  return checked;
}

describe('input limits', () => {
  let t: TestApp;
  const countLeads = async () =>
    (await t.db.selectFrom('leads').select((eb) => eb.fn.countAll<string>().as('n')).where('organization_id', '=', t.orgA.organization_id).executeTakeFirstOrThrow()).n;

  before(async () => {
    t = await createTestApp();
  });

  test('the walk reports an unbounded string, list, integer and map by operation and path', () => {
    const out: string[] = [];
    unbounded(
      {
        type: 'object',
        properties: {
          ok: { type: 'string', maxLength: 5 },
          kind: { type: 'string', enum: ['a'] },
          name: { type: 'string', nullable: true },
          list: { type: 'array', maxItems: 3, items: { type: 'object', properties: { n: { type: 'integer', minimum: 0 } } } },
          tags: { type: 'array', items: { type: 'string', maxLength: 1 } },
          either: { anyOf: [{ type: 'string', maxLength: 1 }, { type: 'string' }] },
          custom: { type: 'object', additionalProperties: {} },
        },
      },
      'body',
      out,
    );
    assert.deepEqual(out, [
      'body.name: string without maxLength',
      'body.list[].n: integer without maximum',
      'body.tags: array without maxItems',
      'body.either: string without maxLength',
      'body.custom: free keys without maxProperties',
    ]);
  });

  test('every string, list, integer and map of every request body and parameter has an upper bound', async () => {
    const spec = await t.call('GET', '/api/v1/openapi.json', { key: null });
    assert.equal(spec.status, 200);
    const failures: string[] = [];
    let operations = 0;
    let checked = 0;
    for (const [path, item] of Object.entries(spec.body.paths as Record<string, Record<string, Schema>>)) {
      for (const [method, operation] of Object.entries(item)) {
        operations += 1;
        const out: string[] = [];
        for (const parameter of (operation.parameters as Schema[] | undefined) ?? []) {
          checked += unbounded(parameter.schema, `${String(parameter.in)}.${String(parameter.name)}`, out);
        }
        const content = ((operation.requestBody as Schema | undefined)?.content ?? {}) as Record<string, Schema>;
        for (const media of Object.values(content)) checked += unbounded(media.schema, 'body', out);
        failures.push(...out.map((line) => `${method.toUpperCase()} ${path} ${line}`));
      }
    }
    // Guards the walk itself: a document it could not read would pass with nothing checked.
    assert.ok(operations > 50 && checked > 300, `walked ${operations} operations, ${checked} values`);
    assert.deepEqual(failures, [], `unbounded inputs:\n${failures.join('\n')}`);
  });

  test('a 1,000,001-character lead name is a 400 on name, not a 413, and creates nothing', async () => {
    const before = await countLeads();
    const res = await t.call('POST', '/api/v1/lead/', { body: { name: 'x'.repeat(1_000_001) } });
    assert.equal(res.status, 400, JSON.stringify(res.body).slice(0, 300));
    assert.deepEqual(Object.keys(res.body['field-errors']), ['name']);
    assert.equal(await countLeads(), before);
  });

  // Lists are 10,000 items long here: a body of more than MAX_JSON_VALUES (100,000) values is
  // refused before it is parsed, by a 400 naming that limit instead of the field (cost.test.ts).
  test('10,000 contacts in a new lead are a 400 on contacts, and create nothing', async () => {
    const before = await countLeads();
    const contacts = Array.from({ length: 10_000 }, () => ({ name: 'c' }));
    const res = await t.call('POST', '/api/v1/lead/', { body: { name: 'Many', contacts } });
    assert.equal(res.status, 400, JSON.stringify(res.body).slice(0, 300));
    assert.match(res.body['field-errors'].contacts, new RegExp(`at most ${NESTED_CONTACTS_MAX} items`));
    assert.equal(await countLeads(), before);
  });

  test('custom field values read by hand: too many values, too long a text, too long a key are 400s naming the field; the lead keeps its values', async () => {
    const multi = await t.call('POST', '/api/v1/custom_field/lead/', {
      body: { name: 'Tags', type: 'choices', choices: ['a', 'b'], accepts_multiple_values: true },
    });
    const text = await t.call('POST', '/api/v1/custom_field/lead/', { body: { name: 'Notes', type: 'text' } });
    assert.equal(multi.status, 200);
    assert.equal(text.status, 200);
    const tags = `custom.${multi.body.id}`;
    const notes = `custom.${text.body.id}`;
    const lead = await t.call('POST', '/api/v1/lead/', { body: { name: 'Kept', [tags]: ['a'], [notes]: 'short' } });
    assert.equal(lead.status, 200);
    const many = Array.from({ length: 10_000 }, () => 'a');
    const attempts: [Record<string, unknown>, string][] = [
      [{ [tags]: many }, tags],
      [{ [`${tags}.remove`]: many }, `${tags}.remove`],
      [{ custom: { Tags: many } }, 'custom.Tags'],
      [{ [notes]: 'x'.repeat(TEXT_MAX + 1) }, notes],
    ];
    for (const [body, path] of attempts) {
      const res = await t.call('PUT', `/api/v1/lead/${lead.body.id}/`, { body });
      assert.equal(res.status, 400, path);
      assert.deepEqual(Object.keys(res.body['field-errors']), [path]);
    }
    const longKey = await t.call('PUT', `/api/v1/lead/${lead.body.id}/`, { body: { [`custom.${'k'.repeat(100_000)}`]: 'v' } });
    assert.equal(longKey.status, 400);
    const [path] = Object.keys(longKey.body['field-errors']);
    assert.ok(path!.startsWith('custom.kkk') && path!.length < 100, path);
    const after = await t.call('GET', `/api/v1/lead/${lead.body.id}/`);
    assert.deepEqual(after.body[tags], ['a']);
    assert.equal(after.body[notes], 'short');
  });

  test('a bulk edit with 10,000 values is a 400 on custom_field_values and no action is created', async () => {
    const field = await t.call('POST', '/api/v1/custom_field/lead/', {
      body: { name: 'Bulk tags', type: 'choices', choices: ['a'], accepts_multiple_values: true },
    });
    const res = await t.call('POST', '/api/v1/bulk_action/edit/', {
      body: {
        s_query: { type: 'match_all' },
        type: 'set_custom_field',
        custom_field_id: field.body.id,
        custom_field_values: Array.from({ length: 10_000 }, () => 'a'),
        custom_field_operation: 'add',
      },
    });
    assert.equal(res.status, 400);
    assert.deepEqual(Object.keys(res.body['field-errors']), ['custom_field_values']);
    const tooMany = await t.call('POST', '/api/v1/bulk_action/delete/', { body: { s_query: { type: 'match_all' }, results_limit: INT4_MAX + 1 } });
    assert.equal(tooMany.status, 400);
    assert.deepEqual(Object.keys(tooMany.body['field-errors']), ['results_limit']);
    const actions = await t.db.selectFrom('bulk_actions').select('id').where('organization_id', '=', t.orgA.organization_id).execute();
    assert.deepEqual(actions, []);
  });

  test('_skip above its bound is a 400 naming _skip (1e20 once reached PostgreSQL as a 500)', async () => {
    for (const url of ['/api/v1/lead/?_skip=100000000000000000000', `/api/v1/lead/?_skip=${SKIP_MAX + 1}`, `/api/v1/contact/?_skip=${SKIP_MAX + 1}`]) {
      const res = await t.call('GET', url);
      assert.equal(res.status, 400, url);
      assert.deepEqual(Object.keys(res.body['field-errors']), ['_skip'], url);
    }
    const last = await t.call('GET', `/api/v1/lead/?_skip=${SKIP_MAX}`);
    assert.equal(last.status, 200);
    assert.deepEqual(last.body.data, []);
  });

  test('bulk action items: unfiltered pages seek by position at any _skip; filtered pages stop at their bound', async () => {
    const created = await t.call('POST', '/api/v1/bulk_action/delete/', { body: { s_query: { type: 'match_all' } } });
    assert.equal(created.status, 200);
    const other = await t.call('POST', '/api/v1/bulk_action/delete/', { body: { s_query: { type: 'match_all' } } });
    // Items set by hand, as loading would: positions 0…9, every other one done; another action's items interleave.
    await t.db.updateTable('bulk_actions').set({ status: 'cancelled' }).where('id', 'in', [created.body.id, other.body.id]).execute();
    const rows = [created.body.id, other.body.id].flatMap((actionId) =>
      Array.from({ length: 10 }, (_, position) => ({
        organization_id: t.orgA.organization_id,
        action_id: actionId,
        position,
        lead_id: `lead_${actionId.slice(-6)}${position}`,
        status: position % 2 === 0 ? ('done' as const) : ('skipped' as const),
      })),
    );
    await t.db.insertInto('bulk_action_items').values(rows).execute();
    const items = (query: string) => t.call('GET', `/api/v1/bulk_action/delete/${created.body.id}/items/?${query}`);

    const page = await items('_skip=3&_limit=2');
    assert.deepEqual(page.body.data.map((i: { position: number }) => i.position), [3, 4]);
    assert.equal(page.body.has_more, true);
    assert.ok(page.body.data.every((i: { lead_id: string }) => i.lead_id.includes(created.body.id.slice(-6))));
    const tail = await items('_skip=8&_limit=5');
    assert.deepEqual(tail.body.data.map((i: { position: number }) => i.position), [8, 9]);
    assert.equal(tail.body.has_more, false);
    const done = await items('status=done&_skip=2&_limit=2');
    assert.deepEqual(done.body.data.map((i: { position: number }) => i.position), [4, 6]);

    const far = await items(`_skip=${INT4_MAX}`);
    assert.equal(far.status, 200);
    assert.deepEqual(far.body.data, []);
    for (const query of [`_skip=${INT4_MAX + 1}`, `status=done&_skip=${FILTERED_ITEMS_SKIP_MAX + 1}`]) {
      const res = await items(query);
      assert.equal(res.status, 400, query);
      assert.deepEqual(Object.keys(res.body['field-errors']), ['_skip'], query);
    }
  });
});
