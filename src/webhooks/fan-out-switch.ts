/**
 * The events table's fan-out trigger (function from migrations 0016, 0019, 0021) exists only in a
 * database that has had a webhook subscription: migration 0023 drops it where none exists, and
 * creating a subscription creates it, in the creating transaction. Nothing drops it again:
 * "a subscription exists" implies "the trigger exists and is enabled", which paused and
 * re-activated subscriptions rely on.
 *
 * Why dropped and not merely disabled (as 0022 did): a trigger with a transition table makes every
 * INSERT into events copy its rows into that table, a deleted lead's or an email's whole object
 * included, and PostgreSQL does so for a disabled trigger too; only a table without the trigger
 * writes its events alone.
 *
 * The trade-off: `CREATE TRIGGER` waits for every open transaction that has written events (a bulk
 * batch: seconds), and writers of events queue behind it meanwhile. That happens once in a
 * deployment's life, on its first subscription; every later creation finds the trigger and takes
 * no lock. The webhook reaper's pass (repairFanOut) creates it should a subscription exist without
 * it: one created during an upgrade by a process older than migration 0023, or an operator's
 * `DROP TRIGGER` or `ALTER TABLE … DISABLE TRIGGER`.
 */
import { sql, type Kysely } from 'kysely';
import type { Db } from '../db/database.ts';
import type { Database } from '../db/schema.ts';

/** The trigger's row in the catalog, for the two reads below. */
const TRIGGER_ROW = sql`pg_trigger WHERE tgrelid = 'events'::regclass AND tgname = 'events_webhook_fan_out'`;

/**
 * Creates the fan-out trigger, enabled, unless it exists and is enabled. Called after the
 * subscription's row is inserted, so that migration 0023, which drops it only when no row exists,
 * either sees the row or has committed before this reads the catalog. `OR REPLACE` turns a
 * disabled trigger into an enabled one, and lets the second of two first subscriptions at once
 * (it waits for the first's lock) replace what the first created instead of failing on the name.
 */
export async function enableFanOut(trx: Kysely<Database>): Promise<void> {
  const { rows } = await sql<{ enabled: boolean }>`
    SELECT tgenabled <> 'D' AS enabled FROM ${TRIGGER_ROW}`.execute(trx);
  if (rows[0]?.enabled) return;
  await sql`CREATE OR REPLACE TRIGGER events_webhook_fan_out AFTER INSERT ON events
    REFERENCING NEW TABLE AS new_events
    FOR EACH STATEMENT EXECUTE FUNCTION webhook_fan_out()`.execute(trx);
}

/**
 * Creates (or enables) the trigger if a subscription exists without it; true when it did. Events
 * recorded before then were not queued for the subscriptions.
 */
export async function repairFanOut(db: Db): Promise<boolean> {
  const { rows } = await sql<{ missing: boolean }>`
    SELECT EXISTS (SELECT 1 FROM webhooks)
       AND NOT EXISTS (SELECT 1 FROM ${TRIGGER_ROW} AND tgenabled <> 'D') AS missing`.execute(db);
  if (!rows[0]?.missing) return false;
  await db.transaction().execute((trx) => enableFanOut(trx));
  return true;
}
