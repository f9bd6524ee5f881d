import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { newId } from '../../src/ids.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';

const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/;

describe('/me/, /user/, /user/{id}/', () => {
  let t: TestApp;
  const extra: Record<string, string> = {};

  before(async () => {
    t = await createTestApp();
    // Three more people in A, named so the two sort orders differ; none in B.
    for (const [first, last] of [['Zed', 'Adams'], ['Amy', 'Zimmer'], ['Bob', 'Adams']] as const) {
      const id = newId('user');
      extra[first] = id;
      await t.db
        .insertInto('users')
        .values({ id, organization_id: t.orgA.organization_id, email: `${first.toLowerCase()}@a.example`, first_name: first, last_name: last })
        .execute();
    }
  });

  test('/me/ answers the calling user with memberships and full organizations', async () => {
    const res = await t.call('GET', '/api/v1/me/');
    assert.equal(res.status, 200);
    const me = res.body;
    assert.equal(me.id, t.orgA.user_id);
    assert.equal(me.email, 'alice@a.example');
    assert.equal(me.first_name, 'Alice');
    assert.equal(me.image, null);
    assert.ok('last_used_timezone' in me);
    assert.match(me.date_created, TIMESTAMP);
    assert.match(me.date_updated, TIMESTAMP);
    assert.ok(Array.isArray(me.email_accounts));
    assert.ok(Array.isArray(me.phone_numbers));
    assert.equal(me.memberships.length, 1);
    const [membership] = me.memberships;
    assert.match(membership.id, /^memb_/);
    assert.equal(membership.organization_id, t.orgA.organization_id);
    assert.equal(membership.user_id, t.orgA.user_id);
    assert.ok(Array.isArray(membership.permissions_granted));
    assert.equal(me.organizations.length, 1);
    const [org] = me.organizations;
    assert.equal(org.id, t.orgA.organization_id);
    assert.equal(org.name, 'Org A');
    assert.equal(org.lead_statuses.length, 4);
    assert.equal(org.memberships.length, 4, 'the organization’s people, not only the caller');
    const viaOrg = await t.call('GET', `/api/v1/organization/${t.orgA.organization_id}/`);
    assert.deepEqual(org, viaOrg.body, '/me/ embeds the same object /organization/{id}/ answers');
  });

  test('/me/ is the key’s own user: B’s key sees B only', async () => {
    const res = await t.call('GET', '/api/v1/me', { key: t.orgB.api_key });
    assert.equal(res.body.id, t.orgB.user_id);
    assert.deepEqual(res.body.organizations.map((o: { id: string }) => o.id), [t.orgB.organization_id]);
    assert.equal(res.body.organizations[0].memberships.length, 1);
  });

  test('/me/ honours _fields', async () => {
    const res = await t.call('GET', '/api/v1/me/?_fields=id,organizations');
    assert.deepEqual(Object.keys(res.body).sort(), ['id', 'organizations']);
  });

  test('/user/ lists the organization’s users, by last then first name by default', async () => {
    const res = await t.call('GET', '/api/v1/user/');
    assert.equal(res.status, 200);
    assert.equal(res.body.has_more, false);
    assert.deepEqual(
      res.body.data.map((u: { first_name: string; last_name: string }) => `${u.first_name} ${u.last_name}`),
      // Alice has no last name (her email gave only a first name), which sorts first.
      ['Alice ', 'Bob Adams', 'Zed Adams', 'Amy Zimmer'],
    );
    for (const u of res.body.data) {
      assert.deepEqual(Object.keys(u).sort(), ['date_created', 'date_updated', 'email', 'first_name', 'id', 'image', 'last_name', 'organizations']);
      assert.deepEqual(u.organizations, [t.orgA.organization_id]);
    }
  });

  test('/user/?_order_by=first_name,last_name sorts by first name; another value is a 400', async () => {
    const res = await t.call('GET', '/api/v1/user/?_order_by=first_name,last_name');
    assert.deepEqual(res.body.data.map((u: { first_name: string }) => u.first_name), ['Alice', 'Amy', 'Bob', 'Zed']);
    const bad = await t.call('GET', '/api/v1/user/?_order_by=email');
    assert.equal(bad.status, 400);
    assert.ok(bad.body['field-errors']._order_by, bad.text);
  });

  test('/user/ pages with _skip and _limit', async () => {
    const first = await t.call('GET', '/api/v1/user/?_limit=3');
    assert.equal(first.body.data.length, 3);
    assert.equal(first.body.has_more, true);
    const rest = await t.call('GET', '/api/v1/user?_skip=3&_limit=3');
    assert.equal(rest.body.data.length, 1);
    assert.equal(rest.body.has_more, false);
    assert.equal(rest.body.data[0].id, extra.Amy);
  });

  test('/user/{id}/ answers one user of the organization, with and without the slash', async () => {
    for (const url of [`/api/v1/user/${extra.Zed}/`, `/api/v1/user/${extra.Zed}`]) {
      const res = await t.call('GET', url);
      assert.equal(res.status, 200);
      assert.equal(res.body.id, extra.Zed);
      assert.equal(res.body.email, 'zed@a.example');
      assert.equal(res.body.first_name, 'Zed');
      assert.equal(res.body.last_name, 'Adams');
      assert.match(res.body.date_created, TIMESTAMP);
    }
    const picked = await t.call('GET', `/api/v1/user/${extra.Zed}/?_fields=email`);
    assert.deepEqual(picked.body, { email: 'zed@a.example' });
  });

  test('B can neither list, count nor fetch A’s users (404, not 403)', async () => {
    const list = await t.call('GET', '/api/v1/user/', { key: t.orgB.api_key });
    assert.deepEqual(list.body.data.map((u: { id: string }) => u.id), [t.orgB.user_id]);
    for (const id of [t.orgA.user_id, extra.Zed]) {
      const res = await t.call('GET', `/api/v1/user/${id}/`, { key: t.orgB.api_key });
      assert.equal(res.status, 404);
      assert.equal(typeof res.body.error, 'string');
    }
    assert.equal((await t.call('GET', '/api/v1/user/user_doesnotexist/')).status, 404);
  });
});
