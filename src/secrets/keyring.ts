/**
 * The keys this process knows: the current one (SECRET_KEY or the key file), which encrypts and
 * signs, and the previous ones (SECRET_KEY_PREVIOUS), which only decrypt, so that values stored
 * before a rotation stay readable until `sluice secrets rotate` has re-encrypted them.
 */
import type { Config } from '../config.ts';
import { deriveKeys, type DerivedKeys } from './derive-keys.ts';
import { loadMasterKey } from './master-key.ts';

export type KeySource = Pick<Config, 'secretKey' | 'secretKeysPrevious' | 'dataDir'>;

export interface Keyring {
  readonly current: DerivedKeys;
  /** Where the current key came from: `SECRET_KEY` or the key file's path. */
  readonly currentSource: string;
  readonly previous: readonly DerivedKeys[];
  /** The keys of SECRET_KEY_PREVIOUS as given (legacy unsubscribe links were signed with them raw). */
  readonly previousSecrets: readonly string[];
  /** The key with this id, current or previous. */
  byId(id: string): DerivedKeys | undefined;
}

/** Builds the keyring of `config`, reading or creating the key file; no caching. */
export function loadKeyring(config: KeySource, warn?: (message: string) => void): Keyring {
  const master = loadMasterKey(config, warn);
  const current = deriveKeys(master.secret);
  const previousSecrets = config.secretKeysPrevious.filter((secret) => secret !== master.secret);
  const previous = previousSecrets.map(deriveKeys);
  const all = new Map([current, ...previous].map((keys) => [keys.id, keys]));
  return { current, currentSource: master.source, previous, previousSecrets, byId: (id) => all.get(id) };
}

const cache = new Map<string, Keyring>();

/** The keyring of `config`, built once per process and configuration. */
export function keyringFor(config: KeySource): Keyring {
  const cacheKey = JSON.stringify([config.secretKey ?? null, config.secretKeysPrevious, config.dataDir]);
  let keyring = cache.get(cacheKey);
  if (!keyring) {
    keyring = loadKeyring(config);
    cache.set(cacheKey, keyring);
  }
  return keyring;
}
