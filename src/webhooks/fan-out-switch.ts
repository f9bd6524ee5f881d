/**
 * The events table's fan-out trigger (migrations 0016, 0019, 0021) is off in a database that has
 * never had a webhook subscription (migration 0022): while it is on, PostgreSQL copies every row an
 * INSERT writes into the trigger's transition table, a deleted lead's or an email's whole object
 * included, even when the trigger then finds no active subscription. Creating a subscription turns
 * it on, in the creating transaction, and nothing turns it off: "a subscription exists" implies
 * "the trigger is on", which paused and re-activated subscriptions rely on.
 *
 * The trade-off: `ALTER TABLE … ENABLE TRIGGER` waits for every open transaction that has written
 * events (a bulk batch: seconds), and writers of events queue behind it meanwhile. That happens
 * once in a deployment's life, on its first subscription; every later creation finds the trigger on
 * and takes no lock. The webhook reaper's pass (repairFanOut) turns it back on should a subscription
 * exist with the trigger off: one created during an upgrade by a process older than migration 0022,
 * or an operator's `ALTER TABLE`.
 */
import { sql, type Kysely } from 'kysely';
import type { Db } from '../db/database.ts';
import type { Database } from '../db/schema.ts';

/** The trigger's row in the catalog, for the two reads below. */
const TRIGGER_ROW = sql`pg_trigger WHERE tgrelid = 'events'::regclass AND tgname = 'events_webhook_fan_out'`;

/**
 * Turns the fan-out trigger on if it is off. Called after the subscription's row is inserted, so
 * that migration 0022, which turns it off only when no row exists, either sees the row or has
 * committed before this reads the catalog.
 */
export async function enableFanOut(trx: Kysely<Database>): Promise<void> {
  const { rows } = await sql<{ enabled: boolean }>`
    SELECT tgenabled <> 'D' AS enabled FROM ${TRIGGER_ROW}`.execute(trx);
  if (rows[0]?.enabled) return;
  await sql`ALTER TABLE events ENABLE TRIGGER events_webhook_fan_out`.execute(trx);
}

/**
 * Turns the trigger on if a subscription exists while it is off; true when it did. Events recorded
 * before then were not queued for the subscriptions.
 */
export async function repairFanOut(db: Db): Promise<boolean> {
  const { rows } = await sql<{ off: boolean }>`
    SELECT EXISTS (SELECT 1 FROM webhooks)
       AND EXISTS (SELECT 1 FROM ${TRIGGER_ROW} AND tgenabled = 'D') AS off`.execute(db);
  if (!rows[0]?.off) return false;
  await db.transaction().execute((trx) => enableFanOut(trx));
  return true;
}
