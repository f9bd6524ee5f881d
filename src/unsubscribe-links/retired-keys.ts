/**
 * Signing keys that no longer sign but must still verify the links they signed: on
 * `sluice secrets rotate`, the derived signing key of each SECRET_KEY_PREVIOUS key and the legacy
 * per-database key are stored encrypted (under the new key) in app_secrets as
 * `unsubscribe_key_retired:<name>`, so that SECRET_KEY_PREVIOUS can then be dropped without
 * breaking links in inboxes. A derived signing key reveals nothing about the master key it came
 * from (HKDF), so keeping it does not keep the old key.
 */
import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import type { Keyring } from '../secrets/keyring.ts';
import { openSecret, SecretDecryptionError, sealSecret } from '../secrets/sealed-secret.ts';
import { APP_SECRET_CONTEXT } from '../secrets/stored-secrets.ts';

/** The app_secrets row of the per-database key earlier versions signed with. */
export const LEGACY_KEY_NAME = 'unsubscribe_key';
const RETIRED_PREFIX = 'unsubscribe_key_retired:';

/** The retired keys this process can decrypt (others are reported by the start-up key check). */
export async function retiredSigningKeys(db: Db, keyring: Keyring): Promise<string[]> {
  const rows = await db.selectFrom('app_secrets').select('value').where(sql<boolean>`starts_with(name, ${RETIRED_PREFIX})`).execute();
  const keys: string[] = [];
  for (const row of rows) {
    try {
      keys.push(openSecret(keyring, row.value, APP_SECRET_CONTEXT));
    } catch (error) {
      if (!(error instanceof SecretDecryptionError)) throw error;
    }
  }
  return keys;
}

/**
 * Stores the signing keys of SECRET_KEY_PREVIOUS and the legacy per-database key as retired keys,
 * encrypted under the current key, and removes the plain legacy row. Returns how many it added.
 */
export async function retireSigningKeys(db: Db, keyring: Keyring): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const retired = keyring.previous.map((keys) => ({ name: `${RETIRED_PREFIX}${keys.id}`, key: keys.signingKey }));
    const legacy = await trx.selectFrom('app_secrets').select('value').where('name', '=', LEGACY_KEY_NAME).forUpdate().executeTakeFirst();
    if (legacy) retired.push({ name: `${RETIRED_PREFIX}legacy`, key: legacy.value });
    if (retired.length === 0) return 0;
    const inserted = await trx
      .insertInto('app_secrets')
      .values(retired.map((r) => ({ name: r.name, value: sealSecret(keyring, r.key, APP_SECRET_CONTEXT) })))
      .onConflict((oc) => oc.column('name').doNothing())
      .returning('name')
      .execute();
    if (legacy) await trx.deleteFrom('app_secrets').where('name', '=', LEGACY_KEY_NAME).execute();
    return inserted.length;
  });
}
