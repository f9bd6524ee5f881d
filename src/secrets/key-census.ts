/**
 * Which keys the stored secrets are encrypted under, checked at start-up. With DATABASE_URL
 * several machines share one database; a machine started without the common SECRET_KEY (so with
 * its own key file) would otherwise only find out when a send fails.
 */
import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import type { Keyring } from './keyring.ts';
import { SEALED_PREFIX } from './sealed-secret.ts';
import { STORED_SECRET_COLUMNS } from './stored-secrets.ts';

/** Number of stored secrets per key id. */
export async function countSecretsByKey(db: Db): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const c of STORED_SECRET_COLUMNS) {
    const rows = await sql<{ key_id: string; n: number }>`
      SELECT split_part(${sql.ref(c.column)}, ':', 3) AS key_id, count(*)::int AS n
        FROM ${sql.table(c.table)} WHERE starts_with(${sql.ref(c.column)}, ${SEALED_PREFIX}) GROUP BY 1`.execute(db);
    for (const row of rows.rows) counts.set(row.key_id, (counts.get(row.key_id) ?? 0) + row.n);
  }
  return counts;
}

/** Warnings about stored secrets this process cannot read, or that wait for a rotation. */
export async function checkSecretKeys(db: Db, keyring: Keyring): Promise<string[]> {
  const messages: string[] = [];
  for (const [keyId, n] of await countSecretsByKey(db)) {
    if (keyId === keyring.current.id) continue;
    if (keyring.byId(keyId)) {
      messages.push(`${n} stored secret(s) are still encrypted with the previous key ${keyId}: run \`sluice secrets rotate\``);
    } else {
      const source = keyring.currentSource === 'SECRET_KEY' ? 'SECRET_KEY' : `the key file ${keyring.currentSource} (SECRET_KEY is unset)`;
      messages.push(
        `${n} stored secret(s) are encrypted with key ${keyId}, which this process does not have: it uses ${source}, key ${keyring.current.id}. ` +
          'Every process sharing this database needs the same SECRET_KEY; until then, sending from the affected accounts fails.',
      );
    }
  }
  return messages;
}
