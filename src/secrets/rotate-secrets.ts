/**
 * `sluice secrets rotate`: re-encrypts every stored secret under the current key (SECRET_KEY),
 * reading the old ones with SECRET_KEY_PREVIOUS. Batches of 200 rows, each in its own transaction
 * under the stored-secrets advisory lock, so the API keeps writing meanwhile and an interrupted
 * rotation simply resumes (rows already under the current key are skipped). A value under a key
 * the process does not have is reported and left as it is; the others are still rotated.
 */
import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import type { Keyring } from './keyring.ts';
import { openSecret, SEALED_PREFIX, sealSecret, SecretDecryptionError } from './sealed-secret.ts';
import { STORED_SECRET_COLUMNS, STORED_SECRETS_LOCK_KEY, type StoredSecretColumn } from './stored-secrets.ts';

const BATCH = 200;

export interface RotationFailure {
  readonly table: string;
  readonly key: string;
  readonly reason: string;
}

export interface RotationResult {
  readonly reencrypted: number;
  readonly failed: readonly RotationFailure[];
}

/** Rows of `c` whose value is not yet under the current key (plain values only where they are secrets). */
function stale(c: StoredSecretColumn, keyring: Keyring) {
  const col = sql.ref(c.column);
  const current = `${SEALED_PREFIX}${keyring.current.id}:`;
  return c.encryptsPlain
    ? sql`${col} IS NOT NULL AND NOT starts_with(${col}, ${current})`
    : sql`starts_with(${col}, ${SEALED_PREFIX}) AND NOT starts_with(${col}, ${current})`;
}

/** How many stored secrets a rotation would rewrite. */
export async function countSecretsToRotate(db: Db, keyring: Keyring): Promise<number> {
  let total = 0;
  for (const c of STORED_SECRET_COLUMNS) {
    const result = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(c.table)} WHERE ${stale(c, keyring)}`.execute(db);
    total += result.rows[0]!.n;
  }
  return total;
}

/** Re-encrypts every stored secret under the current key; `onProgress` gets the rows handled so far. */
export async function rotateSecrets(db: Db, keyring: Keyring, onProgress: (done: number) => void = () => {}): Promise<RotationResult> {
  let reencrypted = 0;
  const failed: RotationFailure[] = [];
  for (const c of STORED_SECRET_COLUMNS) {
    let after = '';
    for (;;) {
      const batch = await db.transaction().execute(async (trx) => {
        await sql`SELECT pg_advisory_xact_lock(${STORED_SECRETS_LOCK_KEY})`.execute(trx);
        const rows = await sql<{ key: string; value: string }>`
          SELECT ${sql.ref(c.key)} AS key, ${sql.ref(c.column)} AS value FROM ${sql.table(c.table)}
           WHERE ${stale(c, keyring)} AND ${sql.ref(c.key)} > ${after}
           ORDER BY ${sql.ref(c.key)} LIMIT ${BATCH} FOR UPDATE`.execute(trx);
        for (const row of rows.rows) {
          let plain: string;
          try {
            plain = openSecret(keyring, row.value, c.context);
          } catch (error) {
            if (!(error instanceof SecretDecryptionError)) throw error;
            failed.push({ table: c.table, key: row.key, reason: error.message });
            continue;
          }
          await sql`UPDATE ${sql.table(c.table)} SET ${sql.ref(c.column)} = ${sealSecret(keyring, plain, c.context)}
                     WHERE ${sql.ref(c.key)} = ${row.key}`.execute(trx);
          reencrypted += 1;
        }
        return rows.rows;
      });
      if (batch.length === 0) break;
      after = batch[batch.length - 1]!.key;
      onProgress(reencrypted + failed.length);
    }
  }
  return { reencrypted, failed };
}
