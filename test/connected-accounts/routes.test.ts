import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { keyringFor } from '../../src/secrets/keyring.ts';
import { openSecret } from '../../src/secrets/sealed-secret.ts';
import { SMTP_PASSWORD_CONTEXT } from '../../src/secrets/stored-secrets.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';

describe('/connected_account/', () => {
  let t: TestApp;
  before(async () => {
    // smtp.seller.example resolves nowhere: listed by name, it is accepted without a lookup.
    t = await createTestApp({ env: { OUTBOUND_ALLOW_HOSTS: 'smtp.seller.example' } });
  });

  const smtpBody = {
    _type: 'custom_email',
    email: 'ann@seller.example',
    identities: [{ email: 'ann@seller.example', name: 'Ann Seller' }, { email: 'sales@seller.example', name: 'Sales' }],
    smtp: { host: 'smtp.seller.example', port: 2525, use_ssl: false, username: 'ann', password: 's3cret' },
    sending_limits: { hourly: 20, daily: 200, min_delay_seconds: 5 },
  };

  test('create, get, list, update and delete a custom_email account; the password is never returned', async () => {
    const created = await t.call('POST', '/api/v1/connected_account/', { body: smtpBody });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assert.match(created.body.id, /^emailacct_/);
    assert.equal(created.body._type, 'custom_email');
    assert.equal(created.body.user_id, t.orgA.user_id);
    assert.deepEqual(created.body.smtp, { host: 'smtp.seller.example', port: 2525, use_ssl: false, require_tls: true, username: 'ann' });
    assert.deepEqual(created.body.sending_limits, { hourly: 20, daily: 200, min_delay_seconds: 5 });
    assert.equal(created.body.delivery, 'smtp');
    assert.deepEqual(created.body.default_identity, { email: 'ann@seller.example', name: 'Ann Seller' });
    assert.ok(!created.text.includes('s3cret'));
    const id = created.body.id;

    const got = await t.call('GET', `/api/v1/connected_account/${id}/`);
    assert.deepEqual(got.body, created.body);
    const list = await t.call('GET', '/api/v1/connected_account/');
    assert.deepEqual(list.body.data.map((a: any) => a.id), [id]);
    assert.ok(!list.text.includes('s3cret'));

    // A PUT without password keeps the stored one.
    const updated = await t.call('PUT', `/api/v1/connected_account/${id}/`, { body: { smtp: { port: 587 }, sending_limits: { hourly: null } } });
    assert.equal(updated.status, 200);
    assert.equal(updated.body.smtp.port, 587);
    assert.equal(updated.body.smtp.host, 'smtp.seller.example');
    assert.equal(updated.body.sending_limits.hourly, null);
    assert.equal(updated.body.sending_limits.daily, 200);
    const row = await t.db.selectFrom('connected_accounts').select('smtp_password').where('id', '=', id).executeTakeFirstOrThrow();
    // Stored encrypted (test/secrets covers the encryption itself).
    assert.equal(openSecret(keyringFor(t.config), row.smtp_password!, SMTP_PASSWORD_CONTEXT), 's3cret');

    const local = await t.call('PUT', `/api/v1/connected_account/${id}/`, { body: { smtp: null } });
    assert.equal(local.body.smtp, null);
    assert.equal(local.body.delivery, 'local_outbox');

    const deleted = await t.call('DELETE', `/api/v1/connected_account/${id}/`);
    assert.equal(deleted.status, 200);
    assert.deepEqual(deleted.body, {});
    assert.equal((await t.call('GET', `/api/v1/connected_account/${id}/`)).status, 404);
  });

  test('without smtp the account delivers to the local outbox; email is required; other _types are refused', async () => {
    const local = await t.call('POST', '/api/v1/connected_account/', { body: { email: 'me@local.example' } });
    assert.equal(local.status, 200);
    assert.equal(local.body.smtp, null);
    assert.equal(local.body.delivery, 'local_outbox');
    assert.deepEqual(local.body.identities, [{ email: 'me@local.example', name: null }]);
    const missing = await t.call('POST', '/api/v1/connected_account/', { body: {} });
    assert.equal(missing.status, 400);
    assert.ok(missing.body['field-errors'].email);
    const google = await t.call('POST', '/api/v1/connected_account/', { body: { _type: 'google', email: 'x@y.example' } });
    assert.equal(google.status, 400);
    assert.ok(google.body['field-errors']._type);
    const noHost = await t.call('POST', '/api/v1/connected_account/', { body: { email: 'x@y.example', smtp: { port: 25 } } });
    assert.ok(noHost.body['field-errors']['smtp.host']);
  });

  test("another organization's account is a 404 for get, update and delete, and absent from the list", async () => {
    const theirs = await t.call('POST', '/api/v1/connected_account/', { body: smtpBody, key: t.orgB.api_key });
    const id = theirs.body.id;
    assert.equal((await t.call('GET', `/api/v1/connected_account/${id}/`)).status, 404);
    assert.equal((await t.call('PUT', `/api/v1/connected_account/${id}/`, { body: { email: 'stolen@a.example' } })).status, 404);
    assert.equal((await t.call('DELETE', `/api/v1/connected_account/${id}/`)).status, 404);
    const list = await t.call('GET', '/api/v1/connected_account/');
    assert.ok(!list.body.data.some((a: any) => a.id === id));
    const still = await t.call('GET', `/api/v1/connected_account/${id}/`, { key: t.orgB.api_key });
    assert.equal(still.body.email, 'ann@seller.example');
  });
});
