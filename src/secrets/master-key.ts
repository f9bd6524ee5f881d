/**
 * The master key every other key is derived from: SECRET_KEY when set, else the key file
 * `DATA_DIR/secret.key`, generated on first use (32 random bytes, written as base64url text so that
 * an operator can move it into SECRET_KEY unchanged).
 *
 * A key file is per machine. Processes on several machines sharing one database (DATABASE_URL)
 * must all be given the same SECRET_KEY, or each encrypts with a key the others cannot read.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Config } from '../config.ts';
import { readOrCreateSecretFile } from './secret-file.ts';

export interface MasterKey {
  readonly secret: string;
  /** Where it came from, for messages: `SECRET_KEY` or the key file's path. */
  readonly source: string;
  /** True when this call generated the key file. */
  readonly created: boolean;
}

/** The key file's name inside DATA_DIR. */
export const KEY_FILE_NAME = 'secret.key';

const KEY_FILE_CONTENT = /^[\w-]{43}$/;

/** Reads (or, the first time, creates) the master key. */
export function loadMasterKey(config: Pick<Config, 'secretKey' | 'dataDir'>, warn?: (message: string) => void): MasterKey {
  if (config.secretKey) return { secret: config.secretKey, source: 'SECRET_KEY', created: false };
  const file = path.join(config.dataDir, KEY_FILE_NAME);
  const { value, created } = readOrCreateSecretFile(file, () => randomBytes(32).toString('base64url'), warn);
  if (!KEY_FILE_CONTENT.test(value)) {
    throw new Error(`${file} is not a Sluice key file (expected 32 bytes as base64url); restore it, or set SECRET_KEY`);
  }
  return { secret: value, source: file, created };
}
