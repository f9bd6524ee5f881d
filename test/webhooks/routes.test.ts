import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { createTestApp, type TestApp } from '../helpers/app.ts';

const URL_OK = 'http://127.0.0.1:9/hook';
const EVENTS = [{ object_type: 'lead', action: 'updated' }];

describe('/webhook/ CRUD', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ env: { OUTBOUND_ALLOW_HOSTS: '127.0.0.1' } });
  });

  test('create answers Close\'s object with signature_key once; the key is stored sealed, never shown again', async () => {
    const created = await t.call('POST', '/api/v1/webhook/', { body: { url: URL_OK, events: EVENTS } });
    assert.equal(created.status, 200, created.text);
    const hook = created.body;
    assert.match(hook.id, /^whsub_[0-9A-Za-z]{43}$/);
    assert.match(hook.signature_key, /^[0-9a-f]{64}$/);
    assert.equal(hook.url, URL_OK);
    assert.deepEqual(hook.events, EVENTS);
    assert.equal(hook.verify_ssl, true);
    assert.equal(hook.status, 'active');
    assert.equal(hook.organization_id, t.orgA.organization_id);
    assert.equal(hook.created_by, t.orgA.user_id);

    const stored = await t.db.selectFrom('webhooks').select('signature_key').where('id', '=', hook.id).executeTakeFirstOrThrow();
    assert.ok(stored.signature_key.startsWith('sluice:v1:'), 'sealed');
    assert.ok(!stored.signature_key.includes(hook.signature_key));

    const got = await t.call('GET', `/api/v1/webhook/${hook.id}/`);
    assert.equal(got.status, 200);
    assert.equal(got.body.signature_key, undefined);
    assert.equal(got.body.url, URL_OK);
    const list = await t.call('GET', '/api/v1/webhook/');
    assert.ok(list.body.data.some((w: any) => w.id === hook.id));
    assert.ok(list.body.data.every((w: any) => w.signature_key === undefined));
  });

  test('another organization sees none of it: list, get, update, delete and deliveries are 404 or empty', async () => {
    const hook = (await t.call('POST', '/api/v1/webhook/', { body: { url: URL_OK, events: EVENTS } })).body;
    const key = t.orgB.api_key;
    assert.deepEqual((await t.call('GET', '/api/v1/webhook/', { key })).body.data, []);
    assert.equal((await t.call('GET', `/api/v1/webhook/${hook.id}/`, { key })).status, 404);
    assert.equal((await t.call('PUT', `/api/v1/webhook/${hook.id}/`, { key, body: { status: 'paused' } })).status, 404);
    assert.equal((await t.call('DELETE', `/api/v1/webhook/${hook.id}/`, { key })).status, 404);
    assert.equal((await t.call('GET', `/api/v1/webhook/${hook.id}/deliveries/`, { key })).status, 404);
    const still = await t.call('GET', `/api/v1/webhook/${hook.id}/`);
    assert.equal(still.body.status, 'active');
  });

  test('update changes url, events, verify_ssl and status; delete removes it', async () => {
    const hook = (await t.call('POST', '/api/v1/webhook/', { body: { url: URL_OK, events: EVENTS, verify_ssl: false } })).body;
    assert.equal(hook.verify_ssl, false);
    const events = [
      { object_type: 'contact', action: 'created' },
      { object_type: 'lead', action: 'updated', extra_filter: { type: 'field_accessor', field: 'changed_fields', filter: { type: 'contains', value: 'name' } } },
    ];
    const updated = await t.call('PUT', `/api/v1/webhook/${hook.id}/`, { body: { url: 'http://127.0.0.1:10/other', events, verify_ssl: true, status: 'paused' } });
    assert.equal(updated.status, 200, updated.text);
    assert.equal(updated.body.url, 'http://127.0.0.1:10/other');
    assert.deepEqual(updated.body.events, events);
    assert.equal(updated.body.verify_ssl, true);
    assert.equal(updated.body.status, 'paused');
    assert.ok(updated.body.date_paused);
    const active = await t.call('PUT', `/api/v1/webhook/${hook.id}/`, { body: { status: 'active' } });
    assert.equal(active.body.status, 'active');
    assert.equal(active.body.date_paused, null);

    assert.equal((await t.call('DELETE', `/api/v1/webhook/${hook.id}/`)).status, 200);
    assert.equal((await t.call('GET', `/api/v1/webhook/${hook.id}/`)).status, 404);
  });

  test('bad input is a 400 naming the field', async () => {
    const cases: [unknown, string][] = [
      [{ events: EVENTS }, 'url'],
      [{ url: URL_OK }, 'events'],
      [{ url: 'ftp://127.0.0.1/x', events: EVENTS }, 'url'],
      [{ url: 'not a url', events: EVENTS }, 'url'],
      [{ url: URL_OK, events: [] }, 'events'],
      [{ url: URL_OK, events: [{ object_type: 'lead' }] }, 'events[0].action'],
      [{ url: URL_OK, events: [{ object_type: 'lead', action: 'updated', extra_filter: { type: 'nope' } }] }, 'events[0].extra_filter.type'],
      [{ url: URL_OK, events: [EVENTS[0], { object_type: 'lead', action: 'updated', extra_filter: { type: 'and', filters: [{ type: 'not', filter: 3 }] } }] }, 'events[1].extra_filter.filters[0].filter'],
      [{ url: URL_OK, events: EVENTS, verify_ssl: 'yes' }, 'verify_ssl'],
      [{ url: URL_OK, events: EVENTS, status: 'disabled' }, 'status'],
    ];
    for (const [body, field] of cases) {
      const response = await t.call('POST', '/api/v1/webhook/', { body });
      assert.equal(response.status, 400, `${JSON.stringify(body)}: ${response.text}`);
      assert.ok(Object.keys(response.body['field-errors']).some((k) => k === field), `${JSON.stringify(body)} names ${field}: ${response.text}`);
    }
  });

  test('hosts tenants may not reach are a 400 on url: private, link-local, metadata, IPv6 loopback (only 127.0.0.1 is allowed here)', async () => {
    for (const url of ['http://10.1.2.3/x', 'http://169.254.169.254/latest', 'http://[::1]:8080/x', 'https://192.168.0.1/']) {
      const response = await t.call('POST', '/api/v1/webhook/', { body: { url, events: EVENTS } });
      assert.equal(response.status, 400, url);
      assert.match(response.body['field-errors'].url, /OUTBOUND_ALLOW_HOSTS/, url);
    }
    const before = (await t.call('GET', '/api/v1/webhook/')).body.data.length;
    const put = await t.call('POST', '/api/v1/webhook/', { body: { url: URL_OK, events: EVENTS } });
    const refused = await t.call('PUT', `/api/v1/webhook/${put.body.id}/`, { body: { url: 'http://10.0.0.1/' } });
    assert.equal(refused.status, 400);
    assert.equal((await t.call('GET', `/api/v1/webhook/${put.body.id}/`)).body.url, URL_OK);
    assert.equal((await t.call('GET', '/api/v1/webhook/')).body.data.length, before + 1);
  });
});

describe('/webhook/ without OUTBOUND_ALLOW_HOSTS', () => {
  test('loopback is refused', async () => {
    const t = await createTestApp();
    const response = await t.call('POST', '/api/v1/webhook/', { body: { url: URL_OK, events: EVENTS } });
    assert.equal(response.status, 400);
    assert.match(response.body['field-errors'].url, /loopback/);
  });
});
