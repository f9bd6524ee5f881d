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

/** Creates a key for `userId` in `organizationId`; returns the plain key (never stored). */
export async function createApiKey(
  db: Db,
  organizationId: string,
  userId: string,
  key: string = generateApiKey(),
): Promise<{ id: string; key: string }> {
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

/** Finds who a key belongs to, or undefined for an unknown key. */
export async function authenticate(db: Db, key: string): Promise<Principal | undefined> {
  const row = await db
    .selectFrom('api_keys')
    .select(['id', 'organization_id', 'user_id'])
    .where('key_hash', '=', hashApiKey(key))
    .executeTakeFirst();
  return row && { apiKeyId: row.id, organizationId: row.organization_id, userId: row.user_id };
}
