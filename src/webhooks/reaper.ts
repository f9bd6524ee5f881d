/**
 * The delivery worker's periodic pass (every few seconds, any number of processes; each statement
 * is safe to run concurrently):
 * - pauses active subscriptions whose backlog, counted from their last activation, is over
 *   WEBHOOK_MAX_BACKLOG. The backlog is the undone deliveries plus the events still in the inbox
 *   (drain-inbox.ts); each count stops as soon as it is over the limit, so it reads at most about
 *   that many events however large the backlog;
 * - deletes finished deliveries older than WEBHOOK_LOG_RETENTION_DAYS (5,000 a statement), and
 *   deliveries and inbox rows of subscriptions deleted while a fan-out was inserting them;
 * - creates the fan-out trigger should a subscription exist without it, or with it disabled
 *   (repairFanOut, fan-out-switch.ts).
 */
import { sql } from 'kysely';
import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import type { Clock } from '../time.ts';
import { autoPause } from './auto-pause.ts';

const PRUNE_BATCH = 5_000;

/** Pauses subscriptions over the backlog limit; returns their ids. */
export async function pauseOverBacklog(db: Db, settings: Config['webhooks'], clock: Clock): Promise<string[]> {
  const limit = settings.maxBacklog;
  // The inbox's running sum is computed row by row and EXISTS stops at the first row over the
  // limit, so a backlog of large rows is not read to its end. The row comparison keeps the scan on
  // (webhook_id, id): with `i.id > …` the planner walked the primary key filtering on webhook_id,
  // which read the whole inbox for a subscription that had no row in it.
  const { rows } = await sql<{ id: string }>`
    SELECT w.id
    FROM webhooks w
    CROSS JOIN LATERAL (
      SELECT count(*) AS queued FROM (
        SELECT 1 FROM webhook_deliveries d
        WHERE d.webhook_id = w.id AND d.status IN ('pending', 'sending') AND d.id > w.backlog_from
        LIMIT ${limit + 1}) b) q
    WHERE w.status = 'active'
      AND (q.queued > ${limit}
           OR EXISTS (
                SELECT 1 FROM (
                  SELECT sum(cardinality(i.event_ids)) OVER (ORDER BY i.id ROWS UNBOUNDED PRECEDING) AS waiting
                  FROM webhook_inbox i
                  WHERE i.webhook_id = w.id AND (i.webhook_id, i.id) > (w.id, w.inbox_backlog_from)) r
                WHERE r.waiting > ${limit} - q.queued))`.execute(db);
  const paused: string[] = [];
  for (const { id } of rows) {
    const reason = `More than ${settings.maxBacklog} events were waiting to be delivered (WEBHOOK_MAX_BACKLOG); they are kept, and are delivered when the subscription is active again.`;
    if (await db.transaction().execute((trx) => autoPause(trx, id, 'backlog', reason, clock))) paused.push(id);
  }
  return paused;
}

/**
 * Deletes up to PRUNE_BATCH old finished deliveries (and orphans), and up to PRUNE_BATCH inbox rows
 * of deleted subscriptions; returns how many rows. Ids grow with date_created, so the walk stops at
 * the first delivery young enough to keep: when there is nothing to prune this reads one index
 * entry, not the table. The inbox is read one entry per subscription that has rows there (a skip
 * scan of its index), not row by row: a paused subscription's inbox can be long.
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
  const inbox = await sql`
    WITH RECURSIVE hooks (webhook_id) AS (
      (SELECT i.webhook_id FROM webhook_inbox i ORDER BY i.webhook_id LIMIT 1)
      UNION ALL
      SELECT (SELECT i.webhook_id FROM webhook_inbox i WHERE i.webhook_id > h.webhook_id ORDER BY i.webhook_id LIMIT 1)
      FROM hooks h WHERE h.webhook_id IS NOT NULL)
    DELETE FROM webhook_inbox WHERE id IN (
      SELECT i.id FROM hooks h JOIN webhook_inbox i ON i.webhook_id = h.webhook_id
      WHERE NOT EXISTS (SELECT 1 FROM webhooks w WHERE w.id = h.webhook_id)
      LIMIT ${PRUNE_BATCH})`.execute(db);
  return Number(result.numAffectedRows ?? 0) + Number(inbox.numAffectedRows ?? 0);
}
