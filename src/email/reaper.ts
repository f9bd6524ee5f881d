/**
 * Housekeeping any delivery worker runs every few seconds: sends whose worker's lease lapsed become
 * `unknown` (the message may or may not have reached the server; re-sending could duplicate it, so
 * it is never retried automatically); outbox mail of a deleted sender account becomes `error`;
 * ledger rows older than a day (outside every limit window) are pruned. The two status changes
 * record their `activity.email` `updated` events.
 */
import { sql, type Kysely } from 'kysely';
import type { Logger } from 'pino';
import { emailSends, leaseTakeovers } from '../metrics/instruments.ts';
import type { Database } from '../db/schema.ts';
import { idsByOrganization, loadActivities, recordActivityEvents } from './activity-events.ts';

export const UNKNOWN_REASON =
  'Delivery was interrupted (the sending worker stopped mid-send). The message may or may not have been delivered; it is not retried automatically.';

/**
 * Runs one pass; returns how many sends were marked unknown. Each is a lapsed lease taken over
 * (sluice_lease_takeovers_total{kind="email"}) and an `unknown` outcome; `log` gets their ids.
 */
export async function reapDeliveries(db: Kysely<Database>, log?: Logger): Promise<number> {
  // Each change with its `activity.email` `updated` events, in one transaction.
  const marked = await db.transaction().execute(async (trx) => {
    const rows = await sql<{ id: string; organization_id: string }>`
      UPDATE email_activities SET
        status = 'unknown',
        error_message = ${UNKNOWN_REASON},
        send_attempts = send_attempts || jsonb_build_array(jsonb_build_object(
          'attempt', jsonb_array_length(send_attempts) + 1, 'date', now(), 'status', 'unknown', 'worker', claimed_by)),
        date_updated = now()
      WHERE status = 'sending' AND lease_expires_at < now()
      RETURNING id, organization_id`.execute(trx);
    await recordReaped(trx, rows.rows, ['status', 'error_message', 'send_attempts'], 'sending');
    return rows.rows.map((row) => row.id);
  });
  if (marked.length > 0) {
    leaseTakeovers.inc({ kind: 'email' }, marked.length);
    emailSends.inc({ outcome: 'unknown' }, marked.length);
    log?.warn({ email_ids: marked, count: marked.length }, 'email delivery: interrupted sends marked unknown');
  }
  await db.transaction().execute(async (trx) => {
    const rows = await sql<{ id: string; organization_id: string }>`
      UPDATE email_activities e SET status = 'error', error_message = 'The sender account was deleted.', date_updated = now()
      WHERE e.status = 'outbox' AND e.email_account_id IN (
        -- The accounts with outbox mail, one index probe each (the claim index leads with the
        -- account): checking every queued message instead cost 130-220 ms a pass during a
        -- 20,000-message bulk email.
        WITH RECURSIVE queued AS (
          (SELECT email_account_id AS id FROM email_activities WHERE status = 'outbox' ORDER BY email_account_id LIMIT 1)
          UNION ALL
          SELECT (SELECT q.email_account_id FROM email_activities q
                  WHERE q.status = 'outbox' AND q.email_account_id > queued.id ORDER BY q.email_account_id LIMIT 1)
          FROM queued WHERE queued.id IS NOT NULL)
        SELECT id FROM queued
        WHERE id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM connected_accounts a WHERE a.id = queued.id))
      RETURNING e.id, e.organization_id`.execute(trx);
    await recordReaped(trx, rows.rows, ['status', 'error_message'], 'outbox');
    if (rows.rows.length > 0) log?.warn({ email_ids: rows.rows.map((row) => row.id) }, 'email delivery: outbox mail of a deleted sender account failed');
  });
  await sql`DELETE FROM email_send_ledger WHERE sent_at < now() - interval '1 day 1 minute'`.execute(db);
  return marked.length;
}

async function recordReaped(trx: Kysely<Database>, changed: readonly { id: string; organization_id: string }[], changedFields: string[], from: string) {
  if (changed.length === 0) return;
  const rows = await loadActivities(trx, idsByOrganization(changed));
  const previous = new Map(rows.map((row) => [row.id, { status: from, error_message: null }]));
  await recordActivityEvents(trx, rows, 'updated', { changedFields, previous });
}
