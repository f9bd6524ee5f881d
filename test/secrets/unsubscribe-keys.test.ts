/**
 * Which keys sign and verify unsubscribe links: new links are signed with the key derived from the
 * master key, never with the per-database key earlier versions generated; links already in
 * inboxes (signed with that key, or with a set SECRET_KEY directly) keep working.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { deriveKeys } from '../../src/secrets/derive-keys.ts';
import { signingSecret } from '../../src/unsubscribe-links/secret.ts';
import { signUnsubscribeToken } from '../../src/unsubscribe-links/token.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';

const SECRET_KEY = 'unsubscribe-test-key-0123456789abcdef';

describe('unsubscribe link keys', () => {
  let t: TestApp;
  const page = async (token: string) => (await t.app.inject({ method: 'GET', url: `/unsubscribe/${token}` })).statusCode;
  const token = (secret: string, email: string) => signUnsubscribeToken(secret, t.orgA.organization_id, email);

  before(async () => {
    t = await createTestApp({ env: { SECRET_KEY } });
    await t.db.insertInto('app_secrets').values({ name: 'unsubscribe_key', value: 'legacy-per-database-key' }).execute();
  });

  test('new links are signed with the derived key, not with SECRET_KEY itself nor the legacy database key', async () => {
    const secret = await signingSecret(t.config);
    assert.equal(secret, deriveKeys(SECRET_KEY).signingKey);
    assert.notEqual(secret, SECRET_KEY);
    assert.notEqual(secret, 'legacy-per-database-key');
    assert.equal(await page(token(secret, 'new@x.example')), 200);
  });

  test('links signed before (legacy database key, raw SECRET_KEY) still open the page; forged ones do not', async () => {
    assert.equal(await page(token('legacy-per-database-key', 'old@x.example')), 200);
    assert.equal(await page(token(SECRET_KEY, 'older@x.example')), 200);
    assert.equal(await page(token('guessed-key', 'forged@x.example')), 404);
    const posted = await t.app.inject({ method: 'POST', url: `/unsubscribe/${token('legacy-per-database-key', 'old@x.example')}` });
    assert.equal(posted.statusCode, 200);
    const rows = await t.db.selectFrom('unsubscribed_emails').select(['organization_id', 'email']).execute();
    assert.deepEqual(rows, [{ organization_id: t.orgA.organization_id, email: 'old@x.example' }]);
  });

  test('without its row, the legacy key verifies nothing', async () => {
    await t.db.deleteFrom('app_secrets').where('name', '=', 'unsubscribe_key').execute();
    assert.equal(await page(token('legacy-per-database-key', 'old@x.example')), 404);
  });
});
