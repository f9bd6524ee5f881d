/**
 * Turns a subscription's inbox rows (one per event statement: migration 0019) into deliveries. Run
 * by the lease holder inside its claim (claim.ts), so a subscription's drains follow one another,
 * and only when fewer than a claim's worth of deliveries are undone: the queue of delivery rows
 * stays short and the inbox holds the rest of the backlog, at one row per statement instead of one
 * per event.
 *
 * Order: rows go oldest first and each row's events in the order the fan-out stored them (the
 * log's date_updated, id), so the deliveries' ids, which are the order they are sent in, follow the
 * order the events were recorded, as when the fan-out inserted the deliveries itself.
 *
 * Backlog: inbox rows at or below `inbox_backlog_from` were waiting before the last activation and
 * do not count towards WEBHOOK_MAX_BACKLOG (reaper.ts). Their deliveries are created after it, so
 * the drain moves `backlog_from` past them; drains go in inbox order, so every delivery of a later
 * row gets a greater id and still counts.
 */
import { sql } from 'kysely';
import type { Db } from '../db/database.ts';

/**
 * Inside the caller's transaction: when `webhookId` has fewer than `max` undone deliveries, moves
 * its oldest inbox rows, enough to cover at least `max` events (whole rows, at least one), into
 * webhook_deliveries; returns how many deliveries that created.
 *
 * The rows are found by walking the index one row at a time and stopping once `max` events are
 * covered: a row can hold a bulk batch's thousand ids, and reading ahead would load arrays that
 * the drain then leaves in place. The row comparisons keep each step on (webhook_id, id): with
 * `i.id > …` the planner may walk the primary key instead and filter on webhook_id, reading every
 * other subscription's rows on the way (seen with one subscription holding most of the inbox).
 */
export async function drainInbox(trx: Db, webhookId: string, max: number): Promise<number> {
  const { rows } = await sql<{ created: number }>`
    WITH RECURSIVE walk (id, covered) AS (
      (SELECT i.id, cardinality(i.event_ids) FROM webhook_inbox i
       WHERE i.webhook_id = ${webhookId} AND (i.webhook_id, i.id) > (${webhookId}, 0)
         AND (SELECT count(*) FROM (
                SELECT 1 FROM webhook_deliveries d
                WHERE d.webhook_id = ${webhookId} AND d.status IN ('pending', 'sending')
                LIMIT ${max}) u) < ${max}
       ORDER BY i.id LIMIT 1)
      UNION ALL
      (SELECT n.id, w.covered + cardinality(n.event_ids)
       FROM walk w
       CROSS JOIN LATERAL (
         SELECT i.id, i.event_ids FROM webhook_inbox i
         WHERE i.webhook_id = ${webhookId} AND (i.webhook_id, i.id) > (${webhookId}, w.id)
         ORDER BY i.id LIMIT 1) n
       WHERE w.covered < ${max})
    ),
    -- Locks the rows like FOR UPDATE would: a stale lease holder draining at the same moment
    -- waits, then finds them gone and creates nothing.
    taken AS (
      DELETE FROM webhook_inbox i USING walk
      WHERE i.id = walk.id AND i.webhook_id = ${webhookId}
      RETURNING i.id, i.organization_id, i.event_ids),
    created AS (
      INSERT INTO webhook_deliveries (webhook_id, organization_id, event_id)
      SELECT ${webhookId}, t.organization_id, u.event_id
      FROM taken t CROSS JOIN LATERAL unnest(t.event_ids) WITH ORDINALITY AS u (event_id, n)
      ORDER BY t.id, u.n
      RETURNING id),
    -- Events of rows kept over a pause come first (inbox order): the last of their deliveries is
    -- the created id at that position.
    kept AS (
      SELECT coalesce(sum(cardinality(t.event_ids)), 0)::int AS n
      FROM taken t JOIN webhooks h ON h.id = ${webhookId}
      WHERE t.id <= h.inbox_backlog_from),
    bumped AS (
      UPDATE webhooks h
      SET backlog_from = greatest(h.backlog_from, (SELECT c.id FROM created c ORDER BY c.id OFFSET (SELECT greatest(k.n - 1, 0) FROM kept k) LIMIT 1))
      WHERE h.id = ${webhookId} AND (SELECT k.n FROM kept k) > 0
      RETURNING h.id)
    SELECT (SELECT count(*) FROM created)::int AS created, (SELECT count(*) FROM bumped)::int AS bumped`.execute(trx);
  return rows[0]?.created ?? 0;
}
