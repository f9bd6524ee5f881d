/**
 * Turns a subscription's inbox rows (one per event statement: migration 0019) into deliveries. Run
 * by the lease holder inside its claim (claim.ts), so a subscription's drains follow one another,
 * and only when fewer than a claim's worth of deliveries are undone: the queue of delivery rows
 * stays short and the inbox holds the rest of the backlog, at one row per statement instead of one
 * per event.
 *
 * Order: the deliveries' ids are the order they are sent in, so a drain creates them in the log's
 * order, (date_updated, id). Every statement stamps its events once (bulk batches included), so a
 * row is one stamp: rows go by (first_at, id), each row's events as the fan-out stored them. A row
 * is taken only once it is stamped below the event log's visibility horizon (migration 0021,
 * src/events/visibility-horizon.ts): every transaction still open started at or after the
 * horizon and stamps its events there or later, so no row can still appear before the ones taken.
 * Without it, of two transactions committing in either order, a drain between their commits could
 * send the later-stamped one's events first (test/webhooks/inbox.test.ts). The price: a row waits until every transaction older than its
 * stamp has ended (a bulk batch's length at most, in normal running).
 *
 * Backlog: inbox rows at or below `inbox_backlog_from` were waiting before the last activation and
 * do not count towards WEBHOOK_MAX_BACKLOG (reaper.ts). Their deliveries are created after it, so
 * the drain moves `backlog_from` past them: a drain creates those first, so every delivery of a
 * later row gets a greater id and still counts.
 */
import { sql } from 'kysely';
import type { Db } from '../db/database.ts';

/**
 * Inside the caller's transaction: when `webhookId` has fewer than `max` undone deliveries, moves
 * its oldest inbox rows stamped below `horizon` (eventHorizon, read in a statement before this
 * one), enough to cover at least `max` events (whole rows, at least one), into webhook_deliveries;
 * returns how many deliveries that created.
 *
 * The rows are found by walking the index one row at a time and stopping once `max` events are
 * covered: a row can hold a bulk batch's thousand ids, and reading ahead would load arrays that
 * the drain then leaves in place. The row comparisons keep each step on the index (webhook_id,
 * first_at, id): with `i.id > …` the planner may walk the primary key instead and filter on
 * webhook_id, reading every other subscription's rows on the way (seen with one subscription
 * holding most of the inbox).
 */
export async function drainInbox(trx: Db, webhookId: string, max: number, horizon: string): Promise<number> {
  const { rows } = await sql<{ created: number }>`
    WITH RECURSIVE walk (id, first_at, covered) AS (
      (SELECT i.id, i.first_at, cardinality(i.event_ids) FROM webhook_inbox i
       WHERE i.webhook_id = ${webhookId} AND (i.webhook_id, i.first_at, i.id) >= (${webhookId}, '-infinity'::timestamptz, 0)
         AND i.first_at < ${horizon}::timestamptz
         AND (SELECT count(*) FROM (
                SELECT 1 FROM webhook_deliveries d
                WHERE d.webhook_id = ${webhookId} AND d.status IN ('pending', 'sending')
                LIMIT ${max}) u) < ${max}
       ORDER BY i.first_at, i.id LIMIT 1)
      UNION ALL
      (SELECT n.id, n.first_at, w.covered + cardinality(n.event_ids)
       FROM walk w
       CROSS JOIN LATERAL (
         SELECT i.id, i.first_at, i.event_ids FROM webhook_inbox i
         WHERE i.webhook_id = ${webhookId} AND (i.webhook_id, i.first_at, i.id) > (${webhookId}, w.first_at, w.id)
           AND i.first_at < ${horizon}::timestamptz
         ORDER BY i.first_at, i.id LIMIT 1) n
       WHERE w.covered < ${max})
    ),
    -- Locks the rows like FOR UPDATE would: a stale lease holder draining at the same moment
    -- waits, then finds them gone and creates nothing.
    taken AS (
      DELETE FROM webhook_inbox i USING walk
      WHERE i.id = walk.id AND i.webhook_id = ${webhookId}
      RETURNING i.id, i.organization_id, i.event_ids, i.first_at),
    created AS (
      INSERT INTO webhook_deliveries (webhook_id, organization_id, event_id)
      SELECT ${webhookId}, t.organization_id, u.event_id
      FROM taken t JOIN webhooks h ON h.id = ${webhookId}
      CROSS JOIN LATERAL unnest(t.event_ids) WITH ORDINALITY AS u (event_id, n)
      ORDER BY t.id <= h.inbox_backlog_from DESC, t.first_at, t.id, u.n
      RETURNING id),
    -- Events of rows kept over a pause come first: the last of their deliveries is the created id
    -- at that position. (They were waiting at activation, so they are stamped before any row
    -- committed since, but for a transaction open across the activation.)
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
