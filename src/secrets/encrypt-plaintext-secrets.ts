/**
 * Start-up step (after migrations): encrypts secrets stored in plain text by earlier versions.
 * A SQL migration cannot do it, since the key lives outside the database. Runs under an advisory
 * lock, so processes starting together encrypt each value once. Values already encrypted are
 * left alone: it is idempotent, and once nothing is left it costs one small query per column.
 */
import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import type { Keyring } from './keyring.ts';
import { SEALED_PREFIX, sealSecret } from './sealed-secret.ts';
import { STORED_SECRET_COLUMNS, STORED_SECRETS_LOCK_KEY } from './stored-secrets.ts';

/** Encrypts every plain stored secret under the current key; returns how many it encrypted. */
export async function encryptPlaintextSecrets(db: Db, keyring: Keyring): Promise<number> {
  let encrypted = 0;
  for (const c of STORED_SECRET_COLUMNS.filter((column) => column.encryptsPlain)) {
    const plain = sql`${sql.ref(c.column)} IS NOT NULL AND NOT starts_with(${sql.ref(c.column)}, ${SEALED_PREFIX})`;
    const any = await sql`SELECT 1 FROM ${sql.table(c.table)} WHERE ${plain} LIMIT 1`.execute(db);
    if (any.rows.length === 0) continue;
    encrypted += await db.transaction().execute(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(${STORED_SECRETS_LOCK_KEY})`.execute(trx);
      const rows = await sql<{ key: string; value: string }>`
        SELECT ${sql.ref(c.key)} AS key, ${sql.ref(c.column)} AS value FROM ${sql.table(c.table)} WHERE ${plain} FOR UPDATE`.execute(trx);
      for (const row of rows.rows) {
        await sql`UPDATE ${sql.table(c.table)} SET ${sql.ref(c.column)} = ${sealSecret(keyring, row.value, c.context)}
                   WHERE ${sql.ref(c.key)} = ${row.key}`.execute(trx);
      }
      return rows.rows.length;
    });
  }
  return encrypted;
}
