/**
 * The keys of unsubscribe links. New links are signed with a key derived from the master key
 * (SECRET_KEY or the key file in DATA_DIR; src/secrets/), never with anything stored in the
 * database. Tokens never expire (a years-old link must still unsubscribe), so verification also
 * accepts the keys that signed links already sent, and never signs with them:
 *
 * - the derived keys of SECRET_KEY_PREVIOUS, during a rotation;
 * - signing keys retired by `sluice secrets rotate` (retired-keys.ts), encrypted in app_secrets;
 * - SECRET_KEY itself and the keys of SECRET_KEY_PREVIOUS as given: earlier versions signed with a
 *   set SECRET_KEY directly. Those links stop verifying once their key leaves SECRET_KEY_PREVIOUS:
 *   storing a master key in the database to keep them would undo the rotation;
 * - the random per-database key (app_secrets `unsubscribe_key`) earlier versions generated when
 *   SECRET_KEY was unset, while that row exists. It stays in plain text so that a process of the
 *   earlier version, still running during an upgrade, keeps signing links this one accepts;
 *   `sluice secrets rotate` moves it into the encrypted retired keys.
 */
import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import { deriveKeys } from '../secrets/derive-keys.ts';
import { keyringFor, type KeySource } from '../secrets/keyring.ts';
import { loadMasterKey } from '../secrets/master-key.ts';
import { LEGACY_KEY_NAME, retiredSigningKeys } from './retired-keys.ts';

const signingKeys = new Map<string, string>();

/** The key that signs new unsubscribe links (derived from the master key). */
export async function signingSecret(config: Pick<Config, 'secretKey' | 'dataDir'>): Promise<string> {
  const cacheKey = JSON.stringify([config.secretKey ?? null, config.dataDir]);
  let key = signingKeys.get(cacheKey);
  if (key === undefined) {
    key = deriveKeys(loadMasterKey(config).secret).signingKey;
    signingKeys.set(cacheKey, key);
  }
  return key;
}

/** Every key a valid link may have been signed with (see the header), the signing key first. */
export async function verificationSecrets(db: Db, config: KeySource): Promise<string[]> {
  const keyring = keyringFor(config);
  const secrets = [keyring.current.signingKey, ...keyring.previous.map((keys) => keys.signingKey)];
  if (config.secretKey) secrets.push(config.secretKey);
  secrets.push(...keyring.previousSecrets);
  const legacy = await db.selectFrom('app_secrets').select('value').where('name', '=', LEGACY_KEY_NAME).executeTakeFirst();
  if (legacy) secrets.push(legacy.value);
  secrets.push(...(await retiredSigningKeys(db, keyring)));
  return [...new Set(secrets)];
}
