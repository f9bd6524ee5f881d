/**
 * Writes send outcomes back, many messages per statement. Only rows this worker still holds are
 * touched (`claimed_by`), including ones the reaper meanwhile marked `unknown`: the worker's
 * definite answer (sent, refused, not sent) replaces that guess. A final outcome records its
 * `activity.email` event in the same statement (activity-events.ts lists the events). A batch
 * costs one statement, plus the ledger's release for messages not sent and the paced accounts'
 * readiness (each only when the batch has one).
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { eventIdSql } from '../events/event-id-sql.ts';
import { activityJoinsSql, activityObjectSql } from './activity-object-sql.ts';
import { retryDelayMs, type SendOutcome } from './send-outcome.ts';

export interface SendResult {
  readonly id: string;
  readonly accountId: string;
  /** Tries made before this one. */
  readonly previousAttempts: number;
  readonly outcome: SendOutcome;
  readonly at: Date;
  /**
   * Whether the account has a minimum delay between messages (its readiness is then written after
   * each batch); false saves that statement. Unset counts as true.
   */
  readonly paced?: boolean;
}

/** What a `sent` event names as changed. */
const SENT_FIELDS = ['status', 'date_sent', 'activity_at', 'send_attempts'];
/** What an `updated` event of a message given up (`error`) names as changed. */
const GIVEN_UP_FIELDS = ['status', 'error_message', 'send_attempts'];

/** Records `results` for `workerId`; min-delay accounts become ready `delay` after their send. */
export async function recordResults(
  db: Kysely<Database>,
  workerId: string,
  results: readonly SendResult[],
  options: { retryBaseMs: number; maxAttempts: number },
): Promise<void> {
  if (results.length === 0) return;
  const ids: string[] = [];
  const statuses: string[] = [];
  const attempts: string[] = [];
  const errors: (string | null)[] = [];
  const delays: (number | null)[] = [];
  const sentAt: (string | null)[] = [];
  const notSent: string[] = [];
  for (const result of results) {
    const attempt = result.previousAttempts + 1;
    const { outcome } = result;
    ids.push(result.id);
    const entry: Record<string, unknown> = { attempt, date: result.at.toISOString(), worker: workerId };
    if (outcome.kind === 'sent') {
      statuses.push('sent');
      errors.push(null);
      delays.push(null);
      sentAt.push(result.at.toISOString());
      entry.status = 'sent';
      entry.response = outcome.response;
    } else {
      const giveUp = outcome.kind === 'permanent' || attempt >= options.maxAttempts;
      statuses.push(giveUp ? 'error' : 'outbox');
      errors.push(giveUp ? (outcome.kind === 'permanent' ? outcome.reason : `Gave up after ${attempt} attempts: ${outcome.reason}`) : null);
      delays.push(giveUp ? null : retryDelayMs(options.retryBaseMs, attempt));
      sentAt.push(null);
      entry.status = outcome.kind === 'permanent' ? 'rejected' : 'failed';
      entry.error = outcome.reason;
      entry.smtp_code = outcome.code;
      notSent.push(result.id);
    }
    attempts.push(JSON.stringify(entry));
  }
  const accounts = [...new Set(results.filter((r) => r.paced !== false).map((r) => r.accountId))];
  await db.transaction().execute(async (trx) => {
    // One statement: lock the rows this worker still holds (their state before is what the events'
    // previous_data shows), write the outcomes, and record `activity.email` `sent` for each message
    // accepted and `updated` for each given up (`error`), the activity built by PostgreSQL from the
    // updated row (activity-object-sql.ts); a message going back to the outbox for a retry records
    // nothing. The events used to be serialised in JavaScript from the returned rows, bodies
    // included, and sent back as a jsonb array: every message's body crossed the wire twice more and
    // was copied about four times in the worker's heap, most of the delivery worker's allocation.
    await sql`
      WITH before AS (
        SELECT id, status, error_message FROM email_activities
        WHERE id = ANY(${ids}::text[]) AND claimed_by = ${workerId} AND status IN ('sending', 'unknown')
        FOR UPDATE
      ), upd AS (
        UPDATE email_activities e SET
          status = r.status,
          send_attempts = e.send_attempts || jsonb_build_array(r.attempt),
          error_message = r.error,
          next_attempt_at = CASE WHEN r.delay_ms IS NULL THEN e.next_attempt_at ELSE now() + make_interval(secs => r.delay_ms / 1000.0) END,
          date_sent = r.sent_at,
          activity_at = COALESCE(r.sent_at, e.activity_at),
          claimed_by = NULL,
          lease_expires_at = NULL,
          date_updated = now()
        FROM unnest(${ids}::text[], ${statuses}::text[], ${attempts}::jsonb[], ${errors}::text[], ${delays}::int[], ${sentAt}::timestamptz[])
          AS r(id, status, attempt, error, delay_ms, sent_at)
          JOIN before b ON b.id = r.id
        WHERE e.id = r.id AND e.claimed_by = ${workerId} AND e.status IN ('sending', 'unknown')
        RETURNING e.*, b.status AS previous_status, b.error_message AS previous_error_message
      ), stamp AS MATERIALIZED (SELECT clock_timestamp() AS at)
      INSERT INTO events (id, organization_id, object_type, object_id, lead_id, action, user_id, api_key_id, request_id,
                          changed_fields, data, previous_data, meta, date_created, date_updated)
      SELECT ${eventIdSql()}, upd.organization_id, 'activity.email', upd.id, upd.lead_id,
             CASE upd.status WHEN 'sent' THEN 'sent' ELSE 'updated' END, upd.user_id, NULL, NULL,
             CASE upd.status WHEN 'sent' THEN ${JSON.stringify(SENT_FIELDS)}::jsonb ELSE ${JSON.stringify(GIVEN_UP_FIELDS)}::jsonb END,
             ${activityObjectSql('upd')},
             jsonb_build_object('status', upd.previous_status, 'error_message', upd.previous_error_message),
             '{}'::jsonb, stamp.at, stamp.at
      FROM upd ${activityJoinsSql('upd')} CROSS JOIN stamp
      WHERE upd.status IN ('sent', 'error')`.execute(trx);
    // A message that was definitely not accepted does not use up the account's quota.
    if (notSent.length > 0) await sql`DELETE FROM email_send_ledger WHERE activity_id = ANY(${notSent}::text[])`.execute(trx);
    if (accounts.length > 0) {
      await sql`
        UPDATE connected_accounts SET send_ready_at = now() + make_interval(secs => min_delay_seconds)
        WHERE id = ANY(${accounts}::text[]) AND min_delay_seconds > 0`.execute(trx);
    }
  });
}

/** Notes the latest send error on the account (shown as `latest_send_error`), or clears it. */
export async function noteAccountError(db: Kysely<Database>, accountId: string, error: string | null): Promise<void> {
  await db
    .updateTable('connected_accounts')
    .set({ latest_send_error: error })
    .where('id', '=', accountId)
    .where((eb) => (error === null ? eb('latest_send_error', 'is not', null) : eb('latest_send_error', 'is distinct from', error)))
    .execute();
}
