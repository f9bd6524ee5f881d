/**
 * The delivery worker's periodic pass (every few seconds, any number of processes; each statement
 * is safe to run concurrently):
 * - pauses active subscriptions whose backlog, counted from their last activation, is over
 *   WEBHOOK_MAX_BACKLOG (each count stops at the limit + 1, so it costs at most that many index
 *   entries however large the backlog);
 * - deletes finished deliveries older than WEBHOOK_LOG_RETENTION_DAYS (5,000 a statement), and
 *   rows of subscriptions deleted while a fan-out was inserting them.
 */
import { sql } from 'kysely';
import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import type { Clock } from '../time.ts';
import { autoPause } from './auto-pause.ts';

const PRUNE_BATCH = 5_000;

/** Pauses subscriptions over the backlog limit; returns their ids. */
export async function pauseOverBacklog(db: Db, settings: Config['webhooks'], clock: Clock): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`
    SELECT w.id FROM webhooks w
    WHERE w.status = 'active'
      AND (SELECT count(*) FROM (
             SELECT 1 FROM webhook_deliveries d
             WHERE d.webhook_id = w.id AND d.status IN ('pending', 'sending') AND d.id > w.backlog_from
             LIMIT ${settings.maxBacklog + 1}) b) > ${settings.maxBacklog}`.execute(db);
  const paused: string[] = [];
  for (const { id } of rows) {
    const reason = `More than ${settings.maxBacklog} events were waiting to be delivered (WEBHOOK_MAX_BACKLOG); they are kept, and are delivered when the subscription is active again.`;
    if (await db.transaction().execute((trx) => autoPause(trx, id, 'backlog', reason, clock))) paused.push(id);
  }
  return paused;
}

/**
 * Deletes up to PRUNE_BATCH old finished deliveries (and orphans); returns how many. Ids grow with
 * date_created, so the walk stops at the first delivery young enough to keep: when there is nothing
 * to prune this reads one index entry, not the table.
 */
export async function pruneDeliveries(db: Db, settings: Config['webhooks']): Promise<number> {
  const result = await sql`
    DELETE FROM webhook_deliveries WHERE id IN (
      SELECT d.id FROM webhook_deliveries d
      WHERE d.id < coalesce(
              (SELECT y.id FROM webhook_deliveries y WHERE y.date_created >= now() - make_interval(days => ${settings.logRetentionDays}) ORDER BY y.id LIMIT 1),
              (SELECT max(m.id) + 1 FROM webhook_deliveries m))
        AND (d.status NOT IN ('pending', 'sending') OR NOT EXISTS (SELECT 1 FROM webhooks w WHERE w.id = d.webhook_id))
      ORDER BY d.id LIMIT ${PRUNE_BATCH})`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}
