/**
 * Writes a claimed batch's outcomes back in one transaction: each delivery's new state and attempt
 * (guarded by `claimed_by`, so a worker that lost its lease writes nothing), and the subscription's
 * health (`failing_since`, `last_error`). A failed delivery is retried after retryDelayMs, or given
 * up (`failed`) once WEBHOOK_RETRY_WINDOW_SECONDS have passed since its first attempt; a
 * subscription whose failures have lasted WEBHOOK_PAUSE_AFTER_FAILING_SECONDS pauses (auto-pause.ts)
 * before any delivery is given up, so its backlog is kept for when it is re-activated.
 */
import { sql } from 'kysely';
import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import type { Clock } from '../time.ts';
import { formatTimestamp } from '../time.ts';
import { autoPause } from './auto-pause.ts';
import { retryDelayMs } from './backoff.ts';
import type { ClaimedDelivery } from './claim.ts';
import type { PostResult } from './send.ts';

export type Outcome =
  | { readonly kind: 'attempted'; readonly delivery: ClaimedDelivery; readonly at: Date; readonly result: PostResult }
  /** extra_filter said no, or the event is gone from the log (retention): nothing to send. */
  | { readonly kind: 'filtered' | 'expired'; readonly delivery: ClaimedDelivery }
  /** Claimed but not attempted (an earlier one failed, or the worker is stopping): back in the queue. */
  | { readonly kind: 'released'; readonly delivery: ClaimedDelivery };

/** Attempts kept per delivery in its log. */
const LOG_MAX = 20;

interface RowUpdate {
  id: number;
  status: string;
  tried: number;
  next_at: Date | null;
  first_at: Date | null;
  done_at: Date | null;
  attempt: string | null;
}

/** Records `outcomes` of `webhookId`'s batch claimed by `workerId`. */
export async function recordOutcomes(db: Db, webhookId: string, workerId: string, outcomes: readonly Outcome[], settings: Config['webhooks'], clock: Clock): Promise<void> {
  if (outcomes.length === 0) return;
  const now = clock.now();
  let delivered = false;
  let failure: { at: Date; error: string } | undefined;
  for (const outcome of outcomes) {
    if (outcome.kind !== 'attempted') continue;
    if (outcome.result.ok) delivered = true;
    else failure = { at: outcome.at, error: outcome.result.error ?? 'failed' };
  }

  await db.transaction().execute(async (trx) => {
    // The subscription's health first: a subscription about to pause keeps its failed delivery
    // queued (for re-activation) instead of giving it up.
    let pauseReason: string | undefined;
    if (delivered || failure) {
      // A failure after a success in the same batch starts the failing clock anew.
      const health = trx
        .updateTable('webhooks')
        .set(
          failure
            ? { failing_since: delivered ? failure.at : sql<Date>`coalesce(failing_since, ${failure.at})`, last_error: failure.error.slice(0, 1000) }
            : { failing_since: null },
        )
        .where('id', '=', webhookId);
      // A healthy subscription's row is not rewritten by every batch.
      const row = await (failure ? health : health.where('failing_since', 'is not', null)).returning(['failing_since']).executeTakeFirst();
      if (failure && row?.failing_since) {
        const failingMs = now.getTime() - new Date(row.failing_since).getTime();
        if (failingMs >= settings.pauseAfterFailingSeconds * 1000) {
          pauseReason = `Every delivery has failed since ${formatTimestamp(row.failing_since)} (${Math.round(failingMs / 3_600_000)} hours; WEBHOOK_PAUSE_AFTER_FAILING_SECONDS); last error: ${failure.error.slice(0, 300)}`;
        }
      }
    }

    const updates: RowUpdate[] = outcomes.map((outcome) => {
      const id = outcome.delivery.id;
      if (outcome.kind === 'released') return { id, status: 'pending', tried: 0, next_at: null, first_at: null, done_at: null, attempt: null };
      if (outcome.kind !== 'attempted') return { id, status: outcome.kind, tried: 0, next_at: null, first_at: null, done_at: now, attempt: null };
      const { result, at } = outcome;
      const attempt = JSON.stringify({ date: formatTimestamp(at), status_code: result.statusCode, latency_ms: result.latencyMs, error: result.error });
      const firstAt = outcome.delivery.first_attempt_at ?? at;
      if (result.ok) return { id, status: 'delivered', tried: 1, next_at: null, first_at: firstAt, done_at: now, attempt };
      const givenUp = !pauseReason && now.getTime() - new Date(firstAt).getTime() >= settings.retryWindowSeconds * 1000;
      const next = new Date(now.getTime() + retryDelayMs(outcome.delivery.attempts + 1, settings));
      return { id, status: givenUp ? 'failed' : 'pending', tried: 1, next_at: givenUp ? null : next, first_at: firstAt, done_at: givenUp ? now : null, attempt };
    });
    await sql`
      UPDATE webhook_deliveries d
      SET status = u.status,
          attempts = d.attempts + u.tried,
          next_attempt_at = coalesce(u.next_at, d.next_attempt_at),
          first_attempt_at = coalesce(d.first_attempt_at, u.first_at),
          date_done = u.done_at,
          claimed_by = NULL,
          attempt_log = CASE WHEN u.attempt IS NULL THEN d.attempt_log
                             WHEN jsonb_array_length(d.attempt_log) >= ${LOG_MAX} THEN (d.attempt_log - 0) || jsonb_build_array(u.attempt::jsonb)
                             ELSE d.attempt_log || jsonb_build_array(u.attempt::jsonb) END
      FROM unnest(${updates.map((u) => u.id)}::bigint[], ${updates.map((u) => u.status)}::text[], ${updates.map((u) => u.tried)}::int[],
                  ${updates.map((u) => u.next_at)}::timestamptz[], ${updates.map((u) => u.first_at)}::timestamptz[],
                  ${updates.map((u) => u.done_at)}::timestamptz[], ${updates.map((u) => u.attempt)}::text[])
           AS u(id, status, tried, next_at, first_at, done_at, attempt)
      WHERE d.id = u.id AND d.claimed_by = ${workerId} AND d.status = 'sending'`.execute(trx);
    if (pauseReason) await autoPause(trx, webhookId, 'failing', pauseReason, clock);
  });
}
