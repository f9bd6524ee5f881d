/**
 * Short secrets (SMTP passwords, signing keys kept for old links) encrypted for storage with
 * AES-256-GCM under the keyring's current key and a random 96-bit IV:
 *
 *   sluice:v1:<key id>:<base64url(iv ‖ tag ‖ ciphertext)>
 *
 * The stored form names its key, so decryption picks the right one of the keyring (and says which
 * key is missing when none fits). The prefix, key id and `context` (where the value is stored,
 * e.g. `connected_accounts.smtp_password`) are authenticated as associated data: a value copied
 * into another column, or relabelled with another key id, fails to decrypt.
 *
 * A value without the prefix is one stored before encryption existed; `openSecret` returns it
 * as it is, and start-up (encrypt-plaintext-secrets.ts) encrypts such values in place.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Keyring } from './keyring.ts';

export const SEALED_PREFIX = 'sluice:v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A stored secret this process cannot decrypt (other key, or altered). */
export class SecretDecryptionError extends Error {
  override readonly name = 'SecretDecryptionError';
}

function aad(keyId: string, context: string): Buffer {
  return Buffer.from(`${SEALED_PREFIX}${keyId}:${context}`, 'utf8');
}

/** True when `stored` is in the encrypted form (of any key). */
export function isSealed(stored: string): boolean {
  return stored.startsWith(SEALED_PREFIX);
}

/** The key id an encrypted value names, or undefined for a plain (legacy) value. */
export function sealedKeyId(stored: string): string | undefined {
  if (!isSealed(stored)) return undefined;
  const end = stored.indexOf(':', SEALED_PREFIX.length);
  return end < 0 ? undefined : stored.slice(SEALED_PREFIX.length, end);
}

/**
 * Encrypts `plaintext` under the current key for storage at `context`.
 * @example sealSecret(keyringFor(config), 'hunter2', 'connected_accounts.smtp_password')
 */
export function sealSecret(keyring: Keyring, plaintext: string, context: string): string {
  const keyId = keyring.current.id;
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', keyring.current.encryptionKey, iv);
  cipher.setAAD(aad(keyId, context));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return `${SEALED_PREFIX}${keyId}:${Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64url')}`;
}

function describeKeys(keyring: Keyring): string {
  const previous = keyring.previous.map((k) => k.id);
  const source = keyring.currentSource === 'SECRET_KEY' ? 'SECRET_KEY' : `the key file ${keyring.currentSource}`;
  return `this process has ${source} (key ${keyring.current.id})${previous.length ? ` and SECRET_KEY_PREVIOUS (${previous.join(', ')})` : ''}`;
}

/** Decrypts a value stored at `context`; a plain (legacy) value is returned unchanged. */
export function openSecret(keyring: Keyring, stored: string, context: string): string {
  if (!isSealed(stored)) return stored;
  const keyId = sealedKeyId(stored);
  const keys = keyId === undefined ? undefined : keyring.byId(keyId);
  if (keyId === undefined) throw new SecretDecryptionError(`the stored ${context} is malformed`);
  if (!keys) {
    throw new SecretDecryptionError(
      `the stored ${context} was encrypted with key ${keyId}, but ${describeKeys(keyring)}: SECRET_KEY (or SECRET_KEY_PREVIOUS) differs from the key it was stored with. ` +
        'Set SECRET_KEY to that key, or list it in SECRET_KEY_PREVIOUS and run `sluice secrets rotate`.',
    );
  }
  const raw = Buffer.from(stored.slice(SEALED_PREFIX.length + keyId.length + 1), 'base64url');
  if (raw.length < IV_BYTES + TAG_BYTES) throw new SecretDecryptionError(`the stored ${context} is malformed`);
  try {
    const decipher = createDecipheriv('aes-256-gcm', keys.encryptionKey, raw.subarray(0, IV_BYTES));
    decipher.setAAD(aad(keyId, context));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    throw new SecretDecryptionError(`the stored ${context} failed authentication under key ${keyId}: it was altered, or stored for another purpose`);
  }
}
