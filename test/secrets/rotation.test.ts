/**
 * `sluice secrets rotate` (as a real child process): with the new SECRET_KEY and the old one in
 * SECRET_KEY_PREVIOUS it re-encrypts every stored secret under the new key and keeps the old
 * link-signing keys, so that afterwards the old key is needed for nothing: passwords decrypt and
 * old unsubscribe links verify with the new key alone. A value under a key it lacks is reported
 * (exit 1) while the rest is rotated.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { before, describe, test } from 'node:test';
import { keyringFor, loadKeyring } from '../../src/secrets/keyring.ts';
import { openSecret, sealedKeyId, sealSecret } from '../../src/secrets/sealed-secret.ts';
import { SMTP_PASSWORD_CONTEXT } from '../../src/secrets/stored-secrets.ts';
import { signingSecret, verificationSecrets } from '../../src/unsubscribe-links/secret.ts';
import { signUnsubscribeToken, verifyUnsubscribeToken } from '../../src/unsubscribe-links/token.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';

const OLD = 'the-old-secret-key-0123456789abcdef';
const NEW = 'the-new-secret-key-0123456789abcdef';
const config = (secretKey: string, previous: string[] = []) => ({ secretKey, secretKeysPrevious: previous, dataDir: '/nonexistent' });

function rotate(databaseUrl: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['bin/sluice.js', 'secrets', 'rotate'], {
    env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('sluice secrets rotate', () => {
  let t: TestApp;
  const passwords = new Map<string, string>();

  before(async () => {
    t = await createTestApp({ env: { SECRET_KEY: OLD, OUTBOUND_ALLOW_HOSTS: 'mail.example' } });
    for (const [i, key] of [t.orgA.api_key, t.orgA.api_key, t.orgB.api_key].entries()) {
      const password = `password-${i}-${'x'.repeat(i * 40)}`;
      const res = await t.call('POST', '/api/v1/connected_account/', { key, body: { email: `s${i}@x.example`, smtp: { host: 'mail.example', username: 'u', password } } });
      assert.equal(res.status, 200, res.text);
      passwords.set(res.body.id, password);
    }
    await t.call('POST', '/api/v1/connected_account/', { body: { email: 'outbox@x.example' } });
    await t.db.insertInto('app_secrets').values({ name: 'unsubscribe_key', value: 'legacy-per-database-key' }).execute();
  });

  const rows = () => t.db.selectFrom('connected_accounts').select(['id', 'smtp_password']).where('smtp_password', 'is not', null).execute();

  test('re-encrypts under the new key; then passwords and old links need the old key no more', async () => {
    const oldLink = signUnsubscribeToken(await signingSecret(config(OLD)), t.orgA.organization_id, 'kept@x.example');
    const legacyLink = signUnsubscribeToken('legacy-per-database-key', t.orgA.organization_id, 'legacy@x.example');
    const before = new Map((await rows()).map((r) => [r.id, r.smtp_password]));

    const run = await rotate(t.connectionString, { SECRET_KEY: NEW, SECRET_KEY_PREVIOUS: OLD });
    assert.equal(run.code, 0, run.stderr);
    const summary = JSON.parse(run.stdout);
    assert.deepEqual(summary, { key_id: loadKeyring(config(NEW)).current.id, reencrypted: 3, failed: 0, retired_signing_keys: 2 });
    assert.match(run.stderr, /rotating .*3\/3 secrets/);

    const newOnly = loadKeyring(config(NEW));
    for (const row of await rows()) {
      assert.equal(sealedKeyId(row.smtp_password!), newOnly.current.id);
      assert.notEqual(row.smtp_password, before.get(row.id));
      assert.equal(openSecret(newOnly, row.smtp_password!, SMTP_PASSWORD_CONTEXT), passwords.get(row.id));
    }
    const secrets = await verificationSecrets(t.db, config(NEW));
    assert.equal(verifyUnsubscribeToken(secrets, oldLink)?.email, 'kept@x.example', 'a link signed before the rotation');
    assert.equal(verifyUnsubscribeToken(secrets, legacyLink)?.email, 'legacy@x.example', 'a link of the legacy database key');
    assert.equal(await t.db.selectFrom('app_secrets').select('name').where('name', '=', 'unsubscribe_key').executeTakeFirst(), undefined, 'no signing key left in plain text');
    const retired = await t.db.selectFrom('app_secrets').select('value').where('name', 'like', 'unsubscribe_key_retired:%').execute();
    assert.equal(retired.length, 2);
    for (const row of retired) assert.ok(!row.value.includes('legacy-per-database-key') && row.value.startsWith(`sluice:v1:${newOnly.current.id}:`));
    assert.notEqual(await signingSecret(config(NEW)), await signingSecret(config(OLD)));

    const again = await rotate(t.connectionString, { SECRET_KEY: NEW });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(JSON.parse(again.stdout).reencrypted, 0, 'nothing left to do');
  });

  test('a value under a key it lacks is reported with exit 1, and the others are still rotated', async () => {
    const stranger = loadKeyring(config('a-key-nobody-gave-us-0123456789abc'));
    const [first] = await rows();
    await t.db.updateTable('connected_accounts').set({ smtp_password: sealSecret(stranger, 'lost', SMTP_PASSWORD_CONTEXT) }).where('id', '=', first!.id).execute();
    const third = 'the-third-secret-key-0123456789abcd';
    const run = await rotate(t.connectionString, { SECRET_KEY: third, SECRET_KEY_PREVIOUS: `${OLD},${NEW}` });
    assert.equal(run.code, 1);
    assert.match(run.stderr, new RegExp(`connected_accounts ${first!.id}: .*key ${stranger.current.id}.*SECRET_KEY \\(or SECRET_KEY_PREVIOUS\\) differs`));
    const summary = JSON.parse(run.stdout);
    // Two passwords, and the two retired link keys of the first rotation, now under the third key;
    // the second key's link key is retired too (the first key's already was).
    assert.deepEqual(summary, { key_id: keyringFor(config(third)).current.id, reencrypted: 4, failed: 1, retired_signing_keys: 1 });
    const keyring = keyringFor(config(third));
    for (const row of await rows()) {
      if (row.id === first!.id) assert.equal(sealedKeyId(row.smtp_password!), stranger.current.id);
      else assert.equal(openSecret(keyring, row.smtp_password!, SMTP_PASSWORD_CONTEXT), passwords.get(row.id));
    }
  });
});
