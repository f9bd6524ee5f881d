/**
 * Stored-secret encryption (src/secrets/): the stored form, decryption by key id, the errors that
 * say which key is missing, and the key file (0600, created once even by concurrent first starts).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { loadKeyring } from '../../src/secrets/keyring.ts';
import { isSealed, openSecret, sealedKeyId, sealSecret, SecretDecryptionError } from '../../src/secrets/sealed-secret.ts';

const temps: string[] = [];
after(() => temps.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));
const tempDir = () => {
  temps.push(fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-secrets-')));
  return temps[temps.length - 1]!;
};
const ring = (secretKey: string | undefined, previous: string[] = [], dataDir = '/nonexistent') =>
  loadKeyring({ secretKey, secretKeysPrevious: previous, dataDir });

describe('sealed secrets', () => {
  const keyring = ring('key-one-0123456789abcdef0123456789');

  test('the stored form names version and key, hides the text, differs per call and decrypts back', () => {
    const a = sealSecret(keyring, 'hunter2', 'ctx');
    const b = sealSecret(keyring, 'hunter2', 'ctx');
    assert.match(a, /^sluice:v1:[\w-]{8}:[\w-]+$/);
    assert.equal(sealedKeyId(a), keyring.current.id);
    assert.notEqual(a, b, 'a random IV per value');
    assert.ok(!a.includes('hunter2'));
    assert.ok(!Buffer.from(a.split(':')[3]!, 'base64url').includes('hunter2'));
    assert.equal(openSecret(keyring, a, 'ctx'), 'hunter2');
    assert.equal(openSecret(keyring, sealSecret(keyring, '', 'ctx'), 'ctx'), '');
    assert.equal(openSecret(keyring, sealSecret(keyring, 'pässwörd ✓', 'ctx'), 'ctx'), 'pässwörd ✓');
  });

  test('a plain value (stored before encryption) reads as itself', () => {
    assert.equal(isSealed('old-plain-password'), false);
    assert.equal(openSecret(keyring, 'old-plain-password', 'ctx'), 'old-plain-password');
  });

  test('another key: a clear error naming the key ids and SECRET_KEY; previous keys decrypt', () => {
    const sealed = sealSecret(ring('key-two-0123456789abcdef0123456789'), 'hunter2', 'ctx');
    assert.throws(
      () => openSecret(keyring, sealed, 'ctx'),
      (error: Error) =>
        error instanceof SecretDecryptionError &&
        error.message.includes(sealedKeyId(sealed)!) &&
        error.message.includes(keyring.current.id) &&
        /SECRET_KEY \(or SECRET_KEY_PREVIOUS\) differs/.test(error.message),
    );
    const rotated = ring('key-one-0123456789abcdef0123456789', ['key-two-0123456789abcdef0123456789']);
    assert.equal(openSecret(rotated, sealed, 'ctx'), 'hunter2');
  });

  test('a value moved to another context, altered or relabelled fails authentication', () => {
    const sealed = sealSecret(keyring, 'hunter2', 'connected_accounts.smtp_password');
    assert.throws(() => openSecret(keyring, sealed, 'app_secrets.value'), SecretDecryptionError);
    const raw = Buffer.from(sealed.split(':')[3]!, 'base64url');
    raw[raw.length - 1]! ^= 1;
    assert.throws(() => openSecret(keyring, `sluice:v1:${keyring.current.id}:${raw.toString('base64url')}`, 'connected_accounts.smtp_password'), SecretDecryptionError);
    assert.throws(() => openSecret(keyring, 'sluice:v1:', 'x'), SecretDecryptionError);
  });

  test('purpose keys are independent and the key id is not the key', () => {
    assert.notEqual(keyring.current.signingKey, keyring.current.encryptionKey.toString('base64url'));
    assert.ok(!'key-one-0123456789abcdef0123456789'.includes(keyring.current.id));
    assert.notEqual(ring('key-two-0123456789abcdef0123456789').current.id, keyring.current.id);
  });
});

describe('the key file in DATA_DIR', () => {
  test('without SECRET_KEY: created 0600 on first use, the same key after a restart', () => {
    const dir = path.join(tempDir(), 'data');
    const first = ring(undefined, [], dir);
    const file = path.join(dir, 'secret.key');
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
    assert.equal(first.currentSource, file);
    assert.match(fs.readFileSync(file, 'utf8'), /^[\w-]{43}\n$/);
    const sealed = sealSecret(first, 'hunter2', 'ctx');
    const again = ring(undefined, [], dir);
    assert.equal(again.current.id, first.current.id);
    assert.equal(openSecret(again, sealed, 'ctx'), 'hunter2');
    assert.deepEqual(fs.readdirSync(dir), ['secret.key'], 'no temporary file left');
    // SECRET_KEY wins over the file; the file's content works as SECRET_KEY_PREVIOUS.
    const moved = ring('a-new-key-0123456789abcdef012345678', [fs.readFileSync(file, 'utf8').trim()], dir);
    assert.notEqual(moved.current.id, first.current.id);
    assert.equal(openSecret(moved, sealed, 'ctx'), 'hunter2');
  });

  test('a key file readable by others is narrowed to 0600; a damaged one is refused', () => {
    const dir = tempDir();
    ring(undefined, [], dir);
    fs.chmodSync(path.join(dir, 'secret.key'), 0o644);
    ring(undefined, [], dir);
    assert.equal(fs.statSync(path.join(dir, 'secret.key')).mode & 0o777, 0o600);
    fs.writeFileSync(path.join(dir, 'secret.key'), 'short\n');
    assert.throws(() => ring(undefined, [], dir), /not a Sluice key file/);
  });

  test('eight processes starting at once on a fresh DATA_DIR agree on one key', async () => {
    const dir = path.join(tempDir(), 'data');
    const module = path.resolve('src/secrets/keyring.ts');
    // Each child waits for the same instant, so that the first uses really collide.
    const at = Date.now() + 5000;
    const code = `import { loadKeyring } from ${JSON.stringify(module)};
      while (Date.now() < ${at});
      process.stdout.write(loadKeyring({ secretKey: undefined, secretKeysPrevious: [], dataDir: ${JSON.stringify(dir)} }).current.id);`;
    const ids = await Promise.all(
      Array.from({ length: 8 }, () => {
        const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
        return new Promise<string>((resolve, reject) => child.on('exit', (c) => (c === 0 ? resolve(out) : reject(new Error(`exit ${c}`)))));
      }),
    );
    assert.equal(new Set(ids).size, 1, ids.join(' '));
    assert.equal(ids[0], ring(undefined, [], dir).current.id);
    assert.deepEqual(fs.readdirSync(dir), ['secret.key']);
  });
});
