/**
 * The delivery claim: one short transaction that picks an account with due mail, enforces its
 * sending limits, and moves up to `max` of its messages from `outbox` to `sending`. Committed
 * before any SMTP traffic, so a crash after it leaves `sending` rows (later `unknown`), never a
 * message that could be sent twice.
 *
 * Limits hold across processes because every claim locks the account row (FOR UPDATE SKIP
 * LOCKED: a worker that finds an account busy moves on to another) and counts the send ledger
 * under that lock. `send_ready_at` parks an account whose limits are reached until its window
 * frees, and, with a minimum delay, until its previous message has been sent (the worker writes
 * `send_ready_at = sent + delay` after the send; the lease bounds the wait if the worker dies).
 */
import { sql, type Kysely } from 'kysely';
import type { AccountRow } from '../connected-accounts/account.ts';
import type { Database } from '../db/schema.ts';
import type { ActivityRow } from './activity-serialize.ts';

export interface Claim {
  readonly account: AccountRow;
  readonly messages: readonly ActivityRow[];
}

/**
 * The account to claim for: the first by readiness with mail due now, locked, skipping accounts
 * another worker holds.
 *
 * "Has due mail" is asked from the newest due message backwards. The claim index's oldest entries
 * are messages claimed moments ago, whose dead `outbox` versions no scan may skip until every
 * transaction older than their claim has ended (a bulk email's enqueue batches keep one open most
 * of the time). An EXISTS, which drops any ORDER BY, walked them from the left on every poll:
 * 2,829 buffers a poll, 4.4 ms, in a 100,000-message bulk email. While mail is queued faster than
 * it is sent, the newest due message is still queued and the backward scan stops there
 * (test/email/claim-poll.test.ts: 5 buffers against 2,044); when the queue runs dry its newest
 * entries are claimed ones too and the walk returns (the same bulk email: 971 buffers a poll on
 * average, 0.57 ms).
 */
export function dueAccountQuery(trx: Kysely<Database>) {
  return trx
    .selectFrom('connected_accounts as a')
    .selectAll()
    .where('a.send_ready_at', '<=', sql<Date>`now()`)
    .where(
      ({ selectFrom }) =>
        selectFrom('email_activities as e')
          .select('e.next_attempt_at')
          .whereRef('e.email_account_id', '=', 'a.id')
          .where('e.status', '=', 'outbox')
          .where('e.next_attempt_at', '<=', sql<Date>`now()`)
          .orderBy('e.next_attempt_at', 'desc')
          .limit(1),
      'is not',
      null,
    )
    .orderBy('a.send_ready_at')
    .orderBy('a.id')
    .limit(1)
    .forUpdate()
    .skipLocked();
}

/** Claims a batch for worker `workerId`, or returns undefined when no account has sendable mail now. */
export async function claimBatch(db: Kysely<Database>, workerId: string, max: number, leaseSeconds: number): Promise<Claim | undefined> {
  return db.transaction().execute(async (trx) => {
    const account = await dueAccountQuery(trx).executeTakeFirst();
    if (!account) return undefined;

    let allowed = account.min_delay_seconds > 0 ? 1 : max;
    const windows: { limit: number; interval: string }[] = [];
    if (account.hourly_limit !== null) windows.push({ limit: account.hourly_limit, interval: '1 hour' });
    if (account.daily_limit !== null) windows.push({ limit: account.daily_limit, interval: '1 day' });
    let readyAt: Date | undefined;
    for (const window of windows) {
      const { rows } = await sql<{ used: number }>`
        SELECT count(*)::int AS used FROM email_send_ledger
        WHERE account_id = ${account.id} AND sent_at > now() - ${window.interval}::interval`.execute(trx);
      const used = rows[0]?.used ?? 0;
      allowed = Math.min(allowed, window.limit - used);
      if (used >= window.limit) {
        // The window frees when its (used - limit + 1)-th oldest send ages out.
        const { rows: oldest } = await sql<{ frees_at: Date }>`
          SELECT sent_at + ${window.interval}::interval AS frees_at FROM email_send_ledger
          WHERE account_id = ${account.id} AND sent_at > now() - ${window.interval}::interval
          ORDER BY sent_at OFFSET ${used - window.limit} LIMIT 1`.execute(trx);
        const freesAt = oldest[0]?.frees_at;
        if (freesAt && (!readyAt || freesAt > readyAt)) readyAt = freesAt;
      }
    }
    if (allowed <= 0) {
      await trx
        .updateTable('connected_accounts')
        .set({ send_ready_at: readyAt ?? sql<Date>`now() + interval '1 second'` })
        .where('id', '=', account.id)
        .execute();
      return { account, messages: [] };
    }

    // One statement moves the messages to `sending`, writes the ledger (only limited accounts keep
    // one: an unlimited account's sends then cost no extra row each, and limits added later count
    // from then on) and the account's readiness: with a minimum delay the account waits for this
    // send to finish (bounded by the lease); otherwise moving it to the back of the queue rotates
    // fairly between accounts.
    const { rows: messages } = await sql<ActivityRow>`
      WITH claimed AS (
        UPDATE email_activities e
        SET status = 'sending', claimed_by = ${workerId},
            lease_expires_at = now() + make_interval(secs => ${leaseSeconds}), date_updated = now()
        WHERE e.id IN (
          SELECT id FROM email_activities
          WHERE email_account_id = ${account.id} AND status = 'outbox' AND next_attempt_at <= now()
          ORDER BY next_attempt_at, id
          LIMIT ${allowed}
          FOR UPDATE SKIP LOCKED)
        RETURNING e.*),
      ledger AS (
        INSERT INTO email_send_ledger (account_id, organization_id, activity_id, sent_at)
        SELECT ${account.id}, ${account.organization_id}, id, now() FROM claimed WHERE ${windows.length > 0}::boolean),
      ready AS (
        UPDATE connected_accounts
        SET send_ready_at = CASE WHEN min_delay_seconds > 0 THEN now() + make_interval(secs => ${leaseSeconds}) ELSE now() END
        WHERE id = ${account.id})
      SELECT * FROM claimed`.execute(trx);
    return { account, messages };
  });
}
