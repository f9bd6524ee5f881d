import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { newId } from '../../src/ids.ts';
import { DEFAULT_LEAD_STATUSES } from '../../src/orgs/create-organization.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';

describe('/status/lead/', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });

  const list = async (key?: string) => (await t.call('GET', '/api/v1/status/lead/?_limit=200', { key })).body.data as { id: string; label: string; organization_id: string }[];

  async function insertLead(orgId: string, statusId: string): Promise<string> {
    const id = newId('lead');
    await t.db.insertInto('leads').values({ id, organization_id: orgId, name: 'Acme', status_id: statusId, custom: '{}' }).execute();
    return id;
  }

  test('lists the organization’s statuses in order with Close’s shape', async () => {
    const res = await t.call('GET', '/api/v1/status/lead/');
    assert.equal(res.status, 200);
    assert.equal(res.body.has_more, false);
    assert.deepEqual(res.body.data.map((s: { label: string }) => s.label), [...DEFAULT_LEAD_STATUSES]);
    for (const status of res.body.data) {
      assert.deepEqual(Object.keys(status).sort(), ['id', 'label', 'organization_id']);
      assert.match(status.id, /^stat_/);
      assert.equal(status.organization_id, t.orgA.organization_id);
    }
  });

  test('create places the new status last, here and in the organization’s order', async () => {
    const res = await t.call('POST', '/api/v1/status/lead/', { body: { label: '  Negotiating ' } });
    assert.equal(res.status, 200);
    assert.match(res.body.id, /^stat_/);
    assert.deepEqual(res.body, { id: res.body.id, label: 'Negotiating', organization_id: t.orgA.organization_id });
    const labels = (await list()).map((s) => s.label);
    assert.equal(labels.at(-1), 'Negotiating');
    const org = await t.call('GET', `/api/v1/organization/${t.orgA.organization_id}/`);
    assert.equal(org.body.lead_statuses.at(-1).id, res.body.id);
    const event = await t.db.selectFrom('events').selectAll().where('object_id', '=', res.body.id).executeTakeFirstOrThrow();
    assert.equal(event.object_type, 'status.lead');
    assert.equal(event.action, 'created');
    assert.equal(event.organization_id, t.orgA.organization_id);
    // B's list is unchanged by A's create.
    assert.deepEqual((await list(t.orgB.api_key)).map((s) => s.label), [...DEFAULT_LEAD_STATUSES]);
  });

  test('after a reorder through the organization, a new status still goes last', async () => {
    const before = await list();
    const reversed = [...before].reverse();
    const put = await t.call('PUT', `/api/v1/organization/${t.orgA.organization_id}/`, { body: { lead_statuses: reversed.map((s) => ({ id: s.id })) } });
    assert.equal(put.status, 200);
    const created = await t.call('POST', '/api/v1/status/lead/', { body: { label: 'Reordered tail' } });
    assert.deepEqual((await list()).map((s) => s.id), [...reversed.map((s) => s.id), created.body.id]);
  });

  test('create refuses a missing, blank, non-string or duplicate label, and creates nothing', async () => {
    const count = (await list()).length;
    const cases: [unknown, RegExp][] = [
      [{}, /required/],
      [{ label: '   ' }, /blank/],
      [{ label: 12 }, /string/],
      [{ label: null }, /string/],
      [{ label: 'potential' }, /already exists/],
    ];
    for (const [body, message] of cases) {
      const res = await t.call('POST', '/api/v1/status/lead/', { body });
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.match(res.body['field-errors'].label, message, JSON.stringify(res.body));
    }
    assert.equal((await list()).length, count);
  });

  test('concurrent creates all succeed with distinct positions', async () => {
    const labels = ['Race 1', 'Race 2', 'Race 3', 'Race 4'];
    const results = await Promise.all(labels.map((label) => t.call('POST', '/api/v1/status/lead/', { body: { label } })));
    assert.deepEqual(results.map((r) => r.status), [200, 200, 200, 200]);
    const rows = await t.db.selectFrom('lead_statuses').select('position').where('organization_id', '=', t.orgA.organization_id).execute();
    assert.equal(new Set(rows.map((r) => r.position)).size, rows.length, 'positions are distinct');
  });

  test('a create racing another create of the same label waits for it and is refused', async () => {
    const client = await t.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT id FROM organizations WHERE id = $1 FOR NO KEY UPDATE', [t.orgA.organization_id]);
      await client.query(`INSERT INTO lead_statuses (id, organization_id, label, position) VALUES ('stat_raced', $1, 'Raced', 999)`, [t.orgA.organization_id]);
      const pending = t.call('POST', '/api/v1/status/lead/', { body: { label: 'RACED' } });
      await new Promise((resolve) => setTimeout(resolve, 300));
      await client.query('COMMIT');
      const res = await pending;
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.match(res.body['field-errors'].label, /already exists/);
    } finally {
      client.release();
    }
    await t.db.deleteFrom('lead_statuses').where('id', '=', 'stat_raced').execute();
  });

  test('the same label may exist in another organization', async () => {
    const res = await t.call('POST', '/api/v1/status/lead/', { body: { label: 'Only In B' }, key: t.orgB.api_key });
    assert.equal(res.status, 200);
    const mine = await t.call('POST', '/api/v1/status/lead/', { body: { label: 'only in b' } });
    assert.equal(mine.status, 200);
  });

  test('get answers one status, with and without the trailing slash, and honours _fields', async () => {
    const [first] = await list();
    for (const url of [`/api/v1/status/lead/${first!.id}/`, `/api/v1/status/lead/${first!.id}`]) {
      const res = await t.call('GET', url);
      assert.equal(res.status, 200, url);
      assert.deepEqual(res.body, first);
    }
    const picked = await t.call('GET', `/api/v1/status/lead/${first!.id}/?_fields=label`);
    assert.deepEqual(picked.body, { label: first!.label });
    const listPicked = await t.call('GET', '/api/v1/status/lead?_fields=id&_limit=1');
    assert.deepEqual(listPicked.body, { data: [{ id: first!.id }], has_more: true });
  });

  test('pagination: _limit, _skip and has_more', async () => {
    const all = await list();
    const page = await t.call('GET', '/api/v1/status/lead/?_limit=2&_skip=1');
    assert.deepEqual(page.body.data, all.slice(1, 3));
    assert.equal(page.body.has_more, true);
    const tail = await t.call('GET', `/api/v1/status/lead/?_limit=2&_skip=${all.length - 2}`);
    assert.deepEqual(tail.body.data, all.slice(-2));
    assert.equal(tail.body.has_more, false);
    const none = await t.call('GET', '/api/v1/status/lead/?_limit=0');
    assert.deepEqual(none.body, { data: [], has_more: true });
    const bad = await t.call('GET', '/api/v1/status/lead/?_limit=201');
    assert.equal(bad.status, 400);
    assert.ok(bad.body['field-errors']._limit);
  });

  test('update renames; blank, wrong-type or taken labels are a 400 and change nothing', async () => {
    const created = (await t.call('POST', '/api/v1/status/lead/', { body: { label: 'Renamable' } })).body;
    const res = await t.call('PUT', `/api/v1/status/lead/${created.id}`, { body: { label: 'Renamed', color: 'red', id: 'stat_forged' } });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { id: created.id, label: 'Renamed', organization_id: t.orgA.organization_id });
    const recase = await t.call('PUT', `/api/v1/status/lead/${created.id}/`, { body: { label: 'RENAMED' } });
    assert.equal(recase.body.label, 'RENAMED', 'a status may change the case of its own label');
    for (const [body, message] of [[{ label: '' }, /blank/], [{ label: 5 }, /string/], [{ label: 'Customer' }, /already exists/]] as const) {
      const bad = await t.call('PUT', `/api/v1/status/lead/${created.id}/`, { body });
      assert.equal(bad.status, 400, JSON.stringify(body));
      assert.match(bad.body['field-errors'].label, message);
    }
    assert.equal((await t.call('GET', `/api/v1/status/lead/${created.id}/`)).body.label, 'RENAMED');
    const noop = await t.call('PUT', `/api/v1/status/lead/${created.id}/`, { body: {} });
    assert.equal(noop.body.label, 'RENAMED');
  });

  test('delete answers {} and removes the status', async () => {
    const created = (await t.call('POST', '/api/v1/status/lead/', { body: { label: 'Doomed' } })).body;
    const res = await t.call('DELETE', `/api/v1/status/lead/${created.id}`, { headers: { 'content-type': 'application/json' } });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, {});
    assert.equal((await t.call('GET', `/api/v1/status/lead/${created.id}/`)).status, 404);
    assert.ok(!(await list()).some((s) => s.id === created.id));
    const event = await t.db.selectFrom('events').selectAll().where('object_id', '=', created.id).where('action', '=', 'deleted').executeTakeFirst();
    assert.ok(event);
  });

  test('delete is a 400 with a clear message while a lead uses the status, and keeps it', async () => {
    const created = (await t.call('POST', '/api/v1/status/lead/', { body: { label: 'In use' } })).body;
    const leadId = await insertLead(t.orgA.organization_id, created.id);
    const res = await t.call('DELETE', `/api/v1/status/lead/${created.id}/`);
    assert.equal(res.status, 400);
    assert.match(res.body.errors[0], /"In use" is used by 1 lead/);
    assert.equal((await t.call('GET', `/api/v1/status/lead/${created.id}/`)).status, 200);
    await t.db.deleteFrom('leads').where('id', '=', leadId).execute();
    assert.equal((await t.call('DELETE', `/api/v1/status/lead/${created.id}/`)).status, 200);
  });

  test('the last status of an organization cannot be deleted', async () => {
    const solo = await createTestApp();
    const statuses = (await solo.call('GET', '/api/v1/status/lead/')).body.data as { id: string }[];
    for (const status of statuses.slice(1)) assert.equal((await solo.call('DELETE', `/api/v1/status/lead/${status.id}/`)).status, 200);
    const res = await solo.call('DELETE', `/api/v1/status/lead/${statuses[0]!.id}/`);
    assert.equal(res.status, 400);
    assert.match(res.body.errors[0], /at least one lead status/);
  });

  test('unknown ids are a 404 on get, update and delete', async () => {
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const res = await t.call(method, '/api/v1/status/lead/stat_doesnotexist/', { body: method === 'PUT' ? { label: 'x' } : undefined });
      assert.equal(res.status, 404, method);
      assert.ok(res.body.error);
    }
  });

  test('organization B can neither see, count, change nor delete A’s statuses', async () => {
    const target = (await t.call('POST', '/api/v1/status/lead/', { body: { label: 'A private' } })).body;
    const bList = await list(t.orgB.api_key);
    assert.ok(bList.every((s) => s.organization_id === t.orgB.organization_id));
    assert.ok(!bList.some((s) => s.id === target.id));
    const key = t.orgB.api_key;
    assert.equal((await t.call('GET', `/api/v1/status/lead/${target.id}/`, { key })).status, 404);
    assert.equal((await t.call('PUT', `/api/v1/status/lead/${target.id}/`, { key, body: { label: 'Hijacked' } })).status, 404);
    assert.equal((await t.call('DELETE', `/api/v1/status/lead/${target.id}/`, { key })).status, 404);
    assert.deepEqual((await t.call('GET', `/api/v1/status/lead/${target.id}/`)).body, target);
    // A lead of B on B's status does not stop A from deleting A's own status, and vice versa.
    const bStatus = bList[0]!;
    await insertLead(t.orgB.organization_id, bStatus.id);
    assert.equal((await t.call('DELETE', `/api/v1/status/lead/${target.id}/`)).status, 200);
    assert.equal((await t.call('GET', `/api/v1/status/lead/${bStatus.id}/`, { key })).status, 200);
  });
});
