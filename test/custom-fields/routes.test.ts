import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { ManualClock } from '../../src/time.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';

const KEYS = [
  'accepts_multiple_values', 'choices', 'created_by', 'date_created', 'date_updated', 'description',
  'editable_with_roles', 'id', 'name', 'organization_id', 'type', 'updated_by',
];

describe('/custom_field/{lead,contact}/', () => {
  let t: TestApp;
  const clock = new ManualClock('2026-03-01T10:00:00Z');
  before(async () => {
    t = await createTestApp({ clock });
  });

  const create = async (objectType: string, body: unknown, key?: string) =>
    t.call('POST', `/api/v1/custom_field/${objectType}/`, { body, key });

  test('create answers Close’s custom field object', async () => {
    const res = await create('lead', { name: '# of users', type: 'number', description: 'Seats bought', id: 'cf_forged', organization_id: t.orgB.organization_id });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(Object.keys(res.body).sort(), KEYS);
    assert.match(res.body.id, /^cf_[0-9A-Za-z]{43}$/);
    assert.deepEqual({ ...res.body, id: undefined }, {
      id: undefined,
      name: '# of users',
      description: 'Seats bought',
      type: 'number',
      choices: null,
      accepts_multiple_values: false,
      editable_with_roles: [],
      organization_id: t.orgA.organization_id,
      created_by: t.orgA.user_id,
      updated_by: t.orgA.user_id,
      date_created: '2026-03-01T10:00:00.000000+00:00',
      date_updated: '2026-03-01T10:00:00.000000+00:00',
    });
    const event = await t.db.selectFrom('events').selectAll().where('object_id', '=', res.body.id).executeTakeFirstOrThrow();
    assert.equal(event.object_type, 'custom_field.lead');
    assert.equal(event.action, 'created');
  });

  test('every type can be created; multi-value choices, user and contact fields too', async () => {
    for (const type of ['text', 'number', 'date', 'datetime', 'user', 'contact', 'hidden']) {
      const res = await create('contact', { name: `Contact ${type}`, type });
      assert.equal(res.status, 200, type);
      assert.equal(res.body.type, type);
    }
    const choices = await create('lead', { name: 'Plan', type: 'choices', choices: ['Gold', 'Silver'], accepts_multiple_values: true, editable_with_roles: ['admin'] });
    assert.equal(choices.status, 200);
    assert.deepEqual(choices.body.choices, ['Gold', 'Silver']);
    assert.equal(choices.body.accepts_multiple_values, true);
    assert.deepEqual(choices.body.editable_with_roles, ['admin']);
    for (const type of ['user', 'contact']) {
      const multi = await create('lead', { name: `Many ${type}s`, type, accepts_multiple_values: true });
      assert.equal(multi.status, 200, type);
      assert.equal(multi.body.accepts_multiple_values, true);
    }
  });

  test('create refuses bad input with a 400 on the field, and creates nothing', async () => {
    const before = (await t.call('GET', '/api/v1/custom_field/lead/?_limit=200')).body.data.length;
    const cases: [unknown, string, RegExp][] = [
      [{ type: 'text' }, 'name', /required/],
      [{ name: 'No type' }, 'type', /required/],
      [{ name: '   ', type: 'text' }, 'name', /blank/],
      [{ name: 5, type: 'text' }, 'name', /string/],
      [{ name: 'Bad type', type: 'textarea' }, 'type', /one of/],
      [{ name: 'Bad type', type: 7 }, 'type', /one of/],
      [{ name: 'Multi text', type: 'text', accepts_multiple_values: true }, 'accepts_multiple_values', /cannot accept multiple/],
      [{ name: 'Multi number', type: 'number', accepts_multiple_values: true }, 'accepts_multiple_values', /cannot accept multiple/],
      [{ name: 'Multi flag', type: 'user', accepts_multiple_values: 'yes' }, 'accepts_multiple_values', /boolean/],
      [{ name: 'No choices', type: 'choices' }, 'choices', /non-empty/],
      [{ name: 'Empty choices', type: 'choices', choices: [] }, 'choices', /non-empty/],
      [{ name: 'Null choices', type: 'choices', choices: null }, 'choices', /non-empty/],
      [{ name: 'Number choices', type: 'choices', choices: ['a', 2] }, 'choices[1]', /string/],
      [{ name: 'String choices', type: 'choices', choices: 'a,b' }, 'choices', /array|null/],
      [{ name: 'Blank choice', type: 'choices', choices: ['a', ' '] }, 'choices', /blank/],
      [{ name: 'Twice', type: 'choices', choices: ['a', 'a'] }, 'choices', /only once/],
      [{ name: 'Text choices', type: 'text', choices: ['a'] }, 'choices', /Only fields of type choices/],
      [{ name: 'Long description', type: 'text', description: 'x'.repeat(281) }, 'description', /280/],
      [{ name: 'Roles', type: 'text', editable_with_roles: 'admin' }, 'editable_with_roles', /array/],
      [{ name: 'Plan', type: 'text' }, 'name', /already exists/],
      [{ name: 'plan', type: 'text' }, 'name', /already exists/],
    ];
    for (const [body, path, message] of cases) {
      const res = await create('lead', body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.match(String(res.body['field-errors'][path]), message, `${JSON.stringify(body)} → ${JSON.stringify(res.body)}`);
    }
    assert.equal((await t.call('GET', '/api/v1/custom_field/lead/?_limit=200')).body.data.length, before);
  });

  test('a create racing another create of the same name waits for it and is refused', async () => {
    // Another writer holds the organization lock and has inserted, not yet committed, a field "Raced".
    const client = await t.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT id FROM organizations WHERE id = $1 FOR NO KEY UPDATE', [t.orgA.organization_id]);
      await client.query(
        `INSERT INTO custom_fields (id, organization_id, object_type, name, type) VALUES ('cf_raced', $1, 'lead', 'Raced', 'text')`,
        [t.orgA.organization_id],
      );
      const pending = create('lead', { name: 'raced', type: 'text' });
      await new Promise((resolve) => setTimeout(resolve, 300));
      await client.query('COMMIT');
      const res = await pending;
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.match(res.body['field-errors'].name, /already exists/);
    } finally {
      client.release();
    }
  });

  test('the OpenAPI document lists the custom field and status paths under their tags', async () => {
    const doc = (await t.call('GET', '/api/v1/openapi.json', { key: null })).body;
    for (const path of ['/api/v1/custom_field/lead/', '/api/v1/custom_field/contact/{id}/', '/api/v1/status/lead/{id}/']) {
      assert.ok(doc.paths[path], path);
    }
    assert.deepEqual(doc.paths['/api/v1/custom_field/lead/'].post.tags, ['custom fields']);
    assert.equal(doc.paths['/api/v1/custom_fields/lead/'].get.deprecated, true);
  });

  test('names are unique per object type and per organization only', async () => {
    assert.equal((await create('contact', { name: 'Plan', type: 'text' })).status, 200);
    assert.equal((await create('lead', { name: 'Plan', type: 'text' }, t.orgB.api_key)).status, 200);
  });

  test('choices and null choices on non-choices types are accepted as empty', async () => {
    const res = await create('lead', { name: 'Nullable', type: 'date', choices: null, description: null });
    assert.equal(res.status, 200);
    assert.equal(res.body.choices, null);
    assert.equal(res.body.description, null);
  });

  test('get answers the field on its own object type only, with and without the slash', async () => {
    const field = (await create('lead', { name: 'Region', type: 'text' })).body;
    for (const url of [`/api/v1/custom_field/lead/${field.id}/`, `/api/v1/custom_field/lead/${field.id}`, `/api/v1/custom_fields/lead/${field.id}/`, `/api/v1/custom_fields/lead/${field.id}`]) {
      const res = await t.call('GET', url);
      assert.equal(res.status, 200, url);
      assert.deepEqual(res.body, field);
    }
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const wrongPath = await t.call(method, `/api/v1/custom_field/contact/${field.id}/`, { body: method === 'PUT' ? { name: 'Moved' } : undefined });
      assert.equal(wrongPath.status, 404, method);
      assert.ok(wrongPath.body.error);
    }
    assert.equal((await t.call('GET', `/api/v1/custom_field/lead/${field.id}/`)).body.name, 'Region');
    const picked = await t.call('GET', `/api/v1/custom_field/lead/${field.id}/?_fields=id,type`);
    assert.deepEqual(picked.body, { id: field.id, type: 'text' });
  });

  test('unknown ids are a 404 on get, update and delete', async () => {
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const res = await t.call(method, '/api/v1/custom_field/lead/cf_nope/', { body: method === 'PUT' ? { name: 'x' } : undefined });
      assert.equal(res.status, 404, method);
    }
  });

  test('list: oldest first, pagination, _fields, both paths, with and without the slash', async () => {
    const fresh = await createTestApp({ clock: new ManualClock('2026-01-01T00:00:00Z') });
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      (fresh.clock as ManualClock).advance(1000);
      ids.push((await fresh.call('POST', '/api/v1/custom_field/contact/', { body: { name: `F${i}`, type: 'text' } })).body.id);
    }
    await fresh.call('POST', '/api/v1/custom_field/lead/', { body: { name: 'Lead only', type: 'text' } });
    for (const url of ['/api/v1/custom_field/contact/', '/api/v1/custom_field/contact', '/api/v1/custom_fields/contact/', '/api/v1/custom_fields/contact']) {
      const res = await fresh.call('GET', url);
      assert.equal(res.status, 200, url);
      assert.deepEqual(res.body.data.map((f: { id: string }) => f.id), ids, url);
      assert.equal(res.body.has_more, false);
    }
    const page = await fresh.call('GET', '/api/v1/custom_field/contact/?_skip=1&_limit=2&_fields=id,name');
    assert.deepEqual(page.body, { data: [{ id: ids[1], name: 'F1' }, { id: ids[2], name: 'F2' }], has_more: true });
    const last = await fresh.call('GET', '/api/v1/custom_field/contact/?_skip=3&_limit=2');
    assert.deepEqual(last.body.data.map((f: { id: string }) => f.id), ids.slice(3));
    assert.equal(last.body.has_more, false);
    assert.deepEqual((await fresh.call('GET', '/api/v1/custom_field/contact/?_limit=0')).body, { data: [], has_more: true });
    assert.equal((await fresh.call('GET', '/api/v1/custom_field/contact/?_limit=500')).status, 400);
    assert.equal((await fresh.call('GET', '/api/v1/custom_field/contact/?_skip=-1')).status, 400);
  });

  test('update changes name, description, choices, multiplicity and roles, and stamps updated', async () => {
    const field = (await create('lead', { name: 'Tier', type: 'choices', choices: ['A', 'B'] })).body;
    clock.advance(60_000);
    const res = await t.call('PUT', `/api/v1/custom_fields/lead/${field.id}`, {
      body: { name: 'Tier level', description: 'Support tier', choices: ['A', 'B', 'C'], accepts_multiple_values: true, editable_with_roles: ['admin'], date_created: '2000-01-01' },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body, {
      ...field,
      name: 'Tier level',
      description: 'Support tier',
      choices: ['A', 'B', 'C'],
      accepts_multiple_values: true,
      editable_with_roles: ['admin'],
      date_updated: '2026-03-01T10:01:00.000000+00:00',
    });
    const event = await t.db.selectFrom('events').selectAll().where('object_id', '=', field.id).where('action', '=', 'updated').executeTakeFirstOrThrow();
    assert.deepEqual([...event.changed_fields].sort(), ['accepts_multiple_values', 'choices', 'description', 'editable_with_roles', 'name']);
    const cleared = await t.call('PUT', `/api/v1/custom_field/lead/${field.id}/`, { body: { description: null } });
    assert.equal(cleared.body.description, null);
    assert.equal(cleared.body.name, 'Tier level');
  });

  test('update may change the type; the merged definition must still be valid', async () => {
    const field = (await create('lead', { name: 'Kind', type: 'text' })).body;
    const toChoices = await t.call('PUT', `/api/v1/custom_field/lead/${field.id}/`, { body: { type: 'choices' } });
    assert.equal(toChoices.status, 400);
    assert.match(toChoices.body['field-errors'].choices, /non-empty/);
    const multiText = await t.call('PUT', `/api/v1/custom_field/lead/${field.id}/`, { body: { accepts_multiple_values: true } });
    assert.equal(multiText.status, 400);
    assert.ok(multiText.body['field-errors'].accepts_multiple_values);
    const badType = await t.call('PUT', `/api/v1/custom_field/lead/${field.id}/`, { body: { type: 'picklist' } });
    assert.equal(badType.status, 400);
    assert.ok(badType.body['field-errors'].type);
    assert.equal((await t.call('GET', `/api/v1/custom_field/lead/${field.id}/`)).body.type, 'text', 'a refused update changes nothing');

    const ok = await t.call('PUT', `/api/v1/custom_field/lead/${field.id}/`, { body: { type: 'choices', choices: ['x', 'y'], accepts_multiple_values: true } });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.type, 'choices');
    const back = await t.call('PUT', `/api/v1/custom_field/lead/${field.id}/`, { body: { type: 'number' } });
    assert.equal(back.status, 200, JSON.stringify(back.body));
    assert.deepEqual([back.body.type, back.body.choices, back.body.accepts_multiple_values], ['number', null, false]);
  });

  test('update refuses a blank or taken name', async () => {
    const field = (await create('lead', { name: 'Renamable', type: 'text' })).body;
    for (const [name, message] of [['  ', /blank/], ['PLAN', /already exists/]] as const) {
      const res = await t.call('PUT', `/api/v1/custom_field/lead/${field.id}/`, { body: { name } });
      assert.equal(res.status, 400);
      assert.match(res.body['field-errors'].name, message);
    }
    const recase = await t.call('PUT', `/api/v1/custom_field/lead/${field.id}/`, { body: { name: 'RENAMABLE' } });
    assert.equal(recase.body.name, 'RENAMABLE');
  });

  test('delete answers {} and the field is gone from get and list', async () => {
    const field = (await create('contact', { name: 'Doomed', type: 'text' })).body;
    const res = await t.call('DELETE', `/api/v1/custom_field/contact/${field.id}`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, {});
    assert.equal((await t.call('GET', `/api/v1/custom_field/contact/${field.id}/`)).status, 404);
    const listed = (await t.call('GET', '/api/v1/custom_field/contact/?_limit=200')).body.data;
    assert.ok(!listed.some((f: { id: string }) => f.id === field.id));
    assert.equal((await t.call('DELETE', `/api/v1/custom_fields/contact/${field.id}/`)).status, 404);
  });

  test('organization B can neither see, count, change nor delete A’s fields', async () => {
    const field = (await create('lead', { name: 'Secret', type: 'text' })).body;
    const key = t.orgB.api_key;
    const bList = (await t.call('GET', '/api/v1/custom_field/lead/?_limit=200', { key })).body.data;
    assert.ok(bList.length > 0);
    assert.ok(bList.every((f: { organization_id: string }) => f.organization_id === t.orgB.organization_id));
    assert.equal((await t.call('GET', `/api/v1/custom_field/lead/${field.id}/`, { key })).status, 404);
    assert.equal((await t.call('PUT', `/api/v1/custom_field/lead/${field.id}/`, { key, body: { name: 'Mine now' } })).status, 404);
    assert.equal((await t.call('DELETE', `/api/v1/custom_field/lead/${field.id}/`, { key })).status, 404);
    assert.equal((await t.call('DELETE', `/api/v1/custom_fields/lead/${field.id}/`, { key })).status, 404);
    assert.deepEqual((await t.call('GET', `/api/v1/custom_field/lead/${field.id}/`)).body, field);
  });
});
