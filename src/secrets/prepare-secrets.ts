/**
 * The secrets step of start-up, after migrations: loads the keys (creating the key file on first
 * start without SECRET_KEY), encrypts secrets earlier versions stored in plain text, and reports
 * stored secrets under keys this process lacks, which with DATABASE_URL usually means a machine
 * started without the SECRET_KEY the others have.
 */
import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import { encryptPlaintextSecrets } from './encrypt-plaintext-secrets.ts';
import { checkSecretKeys } from './key-census.ts';
import { keyringFor } from './keyring.ts';

/** Runs the secrets start-up step; `notice` gets what an operator should read. */
export async function prepareSecrets(
  db: Db,
  config: Pick<Config, 'secretKey' | 'secretKeysPrevious' | 'dataDir' | 'databaseUrl'>,
  notice: (message: string) => void,
): Promise<void> {
  const keyring = keyringFor(config);
  if (config.databaseUrl && !config.secretKey) {
    notice(
      `SECRET_KEY is unset: stored secrets are encrypted with the key file ${keyring.currentSource}. ` +
        'Every process using this database needs the same key: set SECRET_KEY (the key file content works) on all of them.',
    );
  }
  const encrypted = await encryptPlaintextSecrets(db, keyring);
  if (encrypted > 0) notice(`encrypted ${encrypted} stored secret(s) kept in plain text by an earlier version`);
  for (const message of await checkSecretKeys(db, keyring)) notice(message);
}
