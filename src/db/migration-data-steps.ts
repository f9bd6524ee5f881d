/**
 * JavaScript that completes a migration, run in its transaction right after its SQL, for what
 * PostgreSQL cannot compute itself. Keyed by migration version.
 */
import type pg from 'pg';
import { formatPhone } from '../contacts/channels.ts';

/** A step of migration N: gets the migration's connection, inside its transaction. */
export type DataStep = (client: pg.PoolClient) => Promise<void>;

const PHONES_PER_ROUND = 10_000;

/**
 * 0018: fills contact_phones.phone_formatted. Each distinct number is formatted once (in rounds, so
 * memory stays bounded whatever the table holds), into a temporary table that one UPDATE joins.
 */
async function formatStoredPhones(client: pg.PoolClient): Promise<void> {
  await client.query('CREATE TEMPORARY TABLE phone_display (phone text PRIMARY KEY, display text NOT NULL) ON COMMIT DROP');
  await client.query('DECLARE stored_phones NO SCROLL CURSOR FOR SELECT DISTINCT phone FROM contact_phones');
  for (;;) {
    const { rows } = await client.query<{ phone: string }>(`FETCH ${PHONES_PER_ROUND} FROM stored_phones`);
    if (rows.length === 0) break;
    const phones = rows.map((row) => row.phone);
    await client.query('INSERT INTO phone_display SELECT * FROM unnest($1::text[], $2::text[])', [phones, phones.map(formatPhone)]);
  }
  await client.query('CLOSE stored_phones');
  await client.query('UPDATE contact_phones p SET phone_formatted = d.display FROM phone_display d WHERE d.phone = p.phone');
  await client.query('ALTER TABLE contact_phones ALTER COLUMN phone_formatted SET NOT NULL');
}

export const DATA_STEPS: Readonly<Record<number, DataStep>> = { 18: formatStoredPhones };
