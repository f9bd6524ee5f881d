/**
 * `smtp.host` under the outbound policy, `smtp.require_tls`, and the body's size limits. Hosts are
 * literals or names the system resolver answers without DNS traffic (`localhost` from /etc/hosts,
 * `127.1` parsed by getaddrinfo itself); `smtp.seller.example` is listed by name, so never looked up.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { INT4_MAX, LABEL_MAX, NAME_MAX } from '../../src/http/input-limits.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';

// `127.1` is not an IP literal to Node (net.isIP), so it reaches the resolver like any name, and
// resolves to loopback there.
const FORBIDDEN = ['127.0.0.1', 'localhost', '10.0.0.1', '169.254.169.254', '127.1'];

const account = (host: string, extra: Record<string, unknown> = {}) => ({
  _type: 'custom_email',
  email: 'ann@seller.example',
  smtp: { host, port: 2525, use_ssl: false, username: 'ann', password: 's3cret', ...extra },
});

describe('/connected_account/ smtp.host: refused unless the operator allows it', () => {
  let t: TestApp;
  let allowed: TestApp;
  before(async () => {
    t = await createTestApp({ env: { OUTBOUND_ALLOW_HOSTS: 'smtp.seller.example' } });
    allowed = await createTestApp({ env: { OUTBOUND_ALLOW_HOSTS: '127.0.0.1,localhost,10.0.0.0/8,169.254.169.254' } });
  });

  const rows = (app: TestApp) => app.db.selectFrom('connected_accounts').selectAll().orderBy('id').execute();

  const assertRefused = (res: { status: number; body: any }, host: string) => {
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.deepEqual(res.body.errors, []);
    assert.deepEqual(Object.keys(res.body['field-errors']), ['smtp.host']);
    const message: string = res.body['field-errors']['smtp.host'];
    assert.ok(message.includes(host), message);
    assert.match(message, /OUTBOUND_ALLOW_HOSTS/);
  };

  for (const host of FORBIDDEN) {
    test(`create with smtp.host ${host} is a 400 on smtp.host and stores nothing`, async () => {
      const before = await rows(t);
      assertRefused(await t.call('POST', '/api/v1/connected_account/', { body: account(host) }), host);
      assert.deepEqual(await rows(t), before);
    });

    test(`update to smtp.host ${host} is a 400 on smtp.host and changes nothing`, async () => {
      const created = await t.call('POST', '/api/v1/connected_account/', { body: account('smtp.seller.example') });
      assert.equal(created.status, 200, JSON.stringify(created.body));
      const before = await rows(t);
      const res = await t.call('PUT', `/api/v1/connected_account/${created.body.id}/`, {
        body: { email: 'changed@seller.example', smtp: { host, password: 'other', require_tls: false } },
      });
      assertRefused(res, host);
      assert.deepEqual(await rows(t), before);
    });
  }

  test('the loopback host resolved from a name is named in the message', async () => {
    const res = await t.call('POST', '/api/v1/connected_account/', { body: account('localhost') });
    assert.match(res.body['field-errors']['smtp.host'], /^localhost resolves to 127\.0\.0\.1, a loopback address/);
  });

  for (const host of FORBIDDEN) {
    test(`once the operator allows it, ${host} is accepted on create and update`, async () => {
      const created = await allowed.call('POST', '/api/v1/connected_account/', { body: account(host) });
      assert.equal(created.status, 200, JSON.stringify(created.body));
      assert.equal(created.body.smtp.host, host);
      const local = await allowed.call('POST', '/api/v1/connected_account/', { body: { email: 'local@seller.example' } });
      const updated = await allowed.call('PUT', `/api/v1/connected_account/${local.body.id}/`, { body: { smtp: { host, port: 25 } } });
      assert.equal(updated.status, 200, JSON.stringify(updated.body));
      assert.equal(updated.body.smtp.host, host);
    });
  }

  test('an allowance is exact: a neighbouring address or another private range stays refused', async () => {
    assertRefused(await allowed.call('POST', '/api/v1/connected_account/', { body: account('127.0.0.2') }), '127.0.0.2');
    assertRefused(await allowed.call('POST', '/api/v1/connected_account/', { body: account('192.168.1.1') }), '192.168.1.1');
  });

  test('a public address needs no allowance', async () => {
    const created = await t.call('POST', '/api/v1/connected_account/', { body: account('8.8.8.8') });
    assert.equal(created.status, 200, JSON.stringify(created.body));
  });

  test('an unresolvable name is a 400 naming the host', async () => {
    // A name the resolver rejects without asking DNS: not a valid host name at all.
    const res = await t.call('POST', '/api/v1/connected_account/', { body: account('bad host..name') });
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.match(res.body['field-errors']['smtp.host'], /^bad host\.\.name does not resolve/);
  });
});

describe('/connected_account/ smtp.require_tls and size limits', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ env: { OUTBOUND_ALLOW_HOSTS: 'smtp.seller.example' } });
  });

  test('require_tls defaults to true, can be turned off and back on, and resets with smtp: null', async () => {
    const created = await t.call('POST', '/api/v1/connected_account/', { body: account('smtp.seller.example') });
    assert.equal(created.body.smtp.require_tls, true);
    const id = created.body.id;
    const stored = () => t.db.selectFrom('connected_accounts').select('smtp_require_tls').where('id', '=', id).executeTakeFirstOrThrow();
    const off = await t.call('PUT', `/api/v1/connected_account/${id}/`, { body: { smtp: { require_tls: false } } });
    assert.equal(off.status, 200, JSON.stringify(off.body));
    assert.equal(off.body.smtp.require_tls, false);
    assert.equal((await stored()).smtp_require_tls, false);
    const portOnly = await t.call('PUT', `/api/v1/connected_account/${id}/`, { body: { smtp: { port: 587 } } });
    assert.equal(portOnly.body.smtp.require_tls, false, 'a PUT that leaves it out keeps it');
    await t.call('PUT', `/api/v1/connected_account/${id}/`, { body: { smtp: null } });
    const again = await t.call('PUT', `/api/v1/connected_account/${id}/`, { body: { smtp: { host: 'smtp.seller.example' } } });
    assert.equal(again.body.smtp.require_tls, true);
    const bad = await t.call('PUT', `/api/v1/connected_account/${id}/`, { body: { smtp: { require_tls: 'no' } } });
    assert.equal(bad.status, 400);
  });

  test('oversized strings and arrays are a 400 naming the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [account('a'.repeat(254)), 'smtp.host'],
      [account('smtp.seller.example', { username: 'u'.repeat(1001) }), 'smtp.username'],
      [account('smtp.seller.example', { password: 'p'.repeat(1001) }), 'smtp.password'],
      [{ email: 'x@seller.example', _type: 'c'.repeat(LABEL_MAX + 1) }, '_type'],
      [{ email: 'x@seller.example', identities: [{ email: 'x@seller.example', name: 'n'.repeat(NAME_MAX + 1) }] }, 'identities[0].name'],
      [{ email: 'x@seller.example', sending_limits: { hourly: INT4_MAX + 1 } }, 'sending_limits.hourly'],
      [{ email: 'x@seller.example', identities: Array.from({ length: 101 }, () => ({ email: 'x@seller.example' })) }, 'identities'],
    ];
    const before = await t.db.selectFrom('connected_accounts').select('id').execute();
    for (const [body, field] of cases) {
      const res = await t.call('POST', '/api/v1/connected_account/', { body });
      assert.equal(res.status, 400, `${field}: ${JSON.stringify(res.body)}`);
      assert.ok(Object.keys(res.body['field-errors'] ?? {}).some((k) => k.startsWith(field)), `${field}: ${JSON.stringify(res.body)}`);
    }
    assert.deepEqual(await t.db.selectFrom('connected_accounts').select('id').execute(), before);
  });
});
