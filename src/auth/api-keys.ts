/**
 * API keys: shown once at creation, stored as a SHA-256 hash. Keys carry 256 bits of randomness,
 * so a fast hash loses nothing to brute force and keeps authentication to one indexed lookup.
 */
import { createHash } from 'node:crypto';
import type { Db } from '../db/database.ts';
import { newId, randomBase62 } from '../ids.ts';

/** The stored form of a key. */
export function hashApiKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/** A fresh random key, in the same style as Close's (`api_` + base62). */
export function generateApiKey(): string {
  return `api_${randomBase62(43)}`;
}

/**
 * Shortest API key an operator may choose (SLUICE_API_KEY, `--api-key`). Generated keys carry 256
 * bits; a chosen one must at least resist guessing at the rate failed authentications are allowed.
 */
export const MIN_OPERATOR_KEY_LENGTH = 32;

/** Why an operator-chosen key is refused, or undefined when it is acceptable. */
export function operatorKeyProblem(key: string): string | undefined {
  if (key.length < MIN_OPERATOR_KEY_LENGTH) return `must be at least ${MIN_OPERATOR_KEY_LENGTH} characters long`;
  // HTTP Basic carries the key as the user name: a colon would end it, and spaces or control
  // characters do not survive every client.
  for (const char of key) {
    const code = char.codePointAt(0)!;
    if (code <= 0x20 || code === 0x7f || char === ':') return 'must not contain spaces, control characters or ":"';
  }
  return undefined;
}

/** Creates a key for `userId` in `organizationId`; returns the plain key (never stored). */
export async function createApiKey(
  db: Db,
  organizationId: string,
  userId: string,
  key: string = generateApiKey(),
): Promise<{ id: string; key: string }> {
  const problem = operatorKeyProblem(key);
  if (problem) throw new Error(`The API key ${problem}.`);
  const id = newId('apikey');
  await db
    .insertInto('api_keys')
    .values({ id, organization_id: organizationId, user_id: userId, key_hash: hashApiKey(key) })
    .execute();
  return { id, key };
}

export interface Principal {
  readonly apiKeyId: string;
  readonly organizationId: string;
  readonly userId: string;
}
