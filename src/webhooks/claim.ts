/**
 * The two claims of the delivery worker (delivery-worker.ts).
 *
 * claimSubscriptions: a worker takes subscriptions, not single deliveries, under a lease
 * (WEBHOOK_LEASE_SECONDS), with FOR UPDATE SKIP LOCKED, so any number of processes share the
 * subscriptions and each subscription is delivered by one worker at a time: that is what keeps its
 * events in order and bounds what is in flight for it. A subscription is due when its oldest
 * undone delivery is (a delivery waiting for its retry holds back those after it), or when it has
 * none and events wait in its inbox (drain-inbox.ts). Not whenever its inbox is non-empty: behind a
 * delivery waiting for its retry, each poll would claim it only to find nothing to send. A lapsed
 * lease (the worker died) is taken over; a worker never claims a subscription it is still
 * delivering.
 *
 * claimDeliveries: the lease holder first turns inbox rows into deliveries when few are left
 * (drain-inbox.ts: rows stamped below the event log's visibility horizon), then moves the next
 * rows of its subscription, in order, to `sending`, committed before anything is POSTed. It locks
 * them with FOR UPDATE and no SKIP LOCKED: skipping a row a stale writer holds for a moment would
 * send the one after it first. Rows left in `sending` by a dead worker are taken again: delivery is
 * at least once, and the duplicates are exactly the rows that were `sending` when it died.
 */
import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import { drainInbox } from './drain-inbox.ts';
import { eventHorizon } from '../events/visibility-horizon.ts';
import type { WebhookRow } from './serialize.ts';
import { leaseTakeovers } from '../metrics/instruments.ts';

/**
 * Takes up to `max` due subscriptions for `workerId`, leaving out those in `running`. One still
 * naming another worker (its lease lapsed: released leases have no holder) is a takeover, counted
 * in sluice_lease_takeovers_total{kind="webhook"}.
 */
export async function claimSubscriptions(db: Db, workerId: string, max: number, leaseSeconds: number, now: Date, running: readonly string[]): Promise<WebhookRow[]> {
  const { rows } = await sql<WebhookRow & { previous_holder: string | null }>`
    UPDATE webhooks w
    SET claimed_by = ${workerId}, lease_expires_at = now() + make_interval(secs => ${leaseSeconds})
    FROM (
      SELECT c.id, c.claimed_by FROM webhooks c
      WHERE c.status = 'active'
        AND (c.lease_expires_at IS NULL OR c.lease_expires_at < now())
        AND NOT (c.id = ANY(${running as string[]}::text[]))
        AND coalesce(
              (SELECT d.next_attempt_at FROM webhook_deliveries d
               WHERE d.webhook_id = c.id AND d.status IN ('pending', 'sending')
               ORDER BY d.id LIMIT 1),
              (SELECT '-infinity'::timestamptz FROM webhook_inbox i WHERE i.webhook_id = c.id ORDER BY i.id LIMIT 1)) <= ${now}
      ORDER BY c.lease_expires_at NULLS FIRST, c.id
      LIMIT ${max}
      FOR UPDATE SKIP LOCKED) AS due
    WHERE w.id = due.id
    RETURNING w.*, due.claimed_by AS previous_holder`.execute(db);
  const takeovers = rows.filter((row) => row.previous_holder !== null && row.previous_holder !== workerId).length;
  if (takeovers > 0) leaseTakeovers.inc({ kind: 'webhook' }, takeovers);
  return rows.map(({ previous_holder: _previous, ...row }) => row);
}

export interface ClaimedDelivery {
  readonly id: number;
  readonly event_id: string;
  readonly attempts: number;
  readonly first_attempt_at: Date | null;
}

export interface DeliveryClaim {
  /** The subscription as it is now (url, events, key may have changed since the lane started). */
  readonly webhook: WebhookRow;
  readonly deliveries: readonly ClaimedDelivery[];
}

/**
 * Drains the inbox if fewer than `max` deliveries are undone, then moves the next due deliveries of
 * `webhookId` (at most `max`, in order, stopping before the first one waiting for a retry) to
 * `sending`; undefined when the subscription is no longer this worker's or no longer active.
 */
export async function claimDeliveries(db: Db, webhookId: string, workerId: string, max: number, now: Date): Promise<DeliveryClaim | undefined> {
  return db.transaction().execute(async (trx) => {
    const webhook = await trx
      .selectFrom('webhooks')
      .selectAll()
      .where('id', '=', webhookId)
      .where('claimed_by', '=', workerId)
      .where('status', '=', 'active')
      .executeTakeFirst();
    if (!webhook) return undefined;
    // The horizon in a statement of its own, before the drain's snapshot (visibility-horizon.ts).
    await drainInbox(trx, webhookId, max, await eventHorizon(trx));
    const { rows } = await sql<{ id: number; next_attempt_at: Date | number }>`
      SELECT id, next_attempt_at FROM webhook_deliveries
      WHERE webhook_id = ${webhookId} AND status IN ('pending', 'sending')
      ORDER BY id LIMIT ${max}
      FOR UPDATE`.execute(trx);
    const due: number[] = [];
    for (const row of rows) {
      // pg reads '-infinity' as the number -Infinity.
      const at = row.next_attempt_at instanceof Date ? row.next_attempt_at.getTime() : Number(row.next_attempt_at);
      if (at > now.getTime()) break;
      due.push(row.id);
    }
    if (due.length === 0) return { webhook, deliveries: [] };
    const { rows: deliveries } = await sql<ClaimedDelivery>`
      UPDATE webhook_deliveries SET status = 'sending', claimed_by = ${workerId}
      WHERE id = ANY(${due}::bigint[])
      RETURNING id, event_id, attempts, first_attempt_at`.execute(trx);
    return { webhook, deliveries: [...deliveries].sort((a, b) => a.id - b.id) };
  });
}
