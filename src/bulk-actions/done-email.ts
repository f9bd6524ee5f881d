/**
 * The done email: one message to the creating user when an action reaches `done` or `error`
 * (unless `send_done_email` is false), with its counts.
 *
 * Guarantee: at most once, and at least once unless a process dies in the instant between
 * claiming and recording the send. The final transition sets `done_email_state = 'pending'` in the
 * same transaction as the status (state-machine.ts), so a crash after it commits loses nothing:
 * any worker's sweep picks pending emails up. A sweep first commits `sending`, then sends, then
 * commits `sent`. A process killed after `sending` and before `sent` leaves the row in `sending`,
 * which is never retried: we prefer a (rare, visible in the row) missing email to a duplicate,
 * because SMTP offers no way to ask whether the message went out. An SMTP error (the server
 * refused the message) puts it back to `pending` for up to MAX_ATTEMPTS tries, then `failed`
 * with the error in `done_email_error`.
 */
import type { Logger } from 'pino';
import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import type { SystemMailer } from '../mailer/system-mailer.ts';
import type { DoneEmailContext } from './kind.ts';
import { findKind } from './kinds.ts';
import type { BulkActionRow } from './serialize.ts';

const MAX_ATTEMPTS = 5;

const TITLES: Record<string, string> = {
  edit: 'Bulk edit',
  delete: 'Bulk delete',
  email: 'Bulk email',
  sequence_subscription: 'Bulk sequence subscription',
};

/**
 * Subject and body of the done email of `row`. `worker` (the sending worker's configuration and
 * clock) lets a kind put a link in it (an export's download link).
 */
export function doneEmailContent(row: BulkActionRow, worker?: DoneEmailContext): { subject: string; text: string } {
  const kind = findKind(row.kind);
  if (kind?.doneEmail) return kind.doneEmail(row, worker);
  const title = TITLES[row.kind] ?? 'Bulk action';
  const outcome = row.status === 'done' ? 'is done' : 'stopped with an error';
  const lines = [
    `Your ${title.toLowerCase()} ${row.id} ${outcome}.`,
    '',
    ...(kind?.describe ? [kind.describe(row.params), ''] : []),
    `Leads matched: ${row.n_leads ?? 0}`,
    `Leads processed: ${row.n_leads_processed}`,
    `Objects: ${row.n_objects_processed} of ${row.n_objects ?? 0}`,
    ...(row.error_message ? ['', `Error: ${row.error_message}`] : []),
  ];
  return {
    subject: `${title} ${row.status === 'done' ? 'done' : 'failed'}: ${row.n_leads_processed} of ${row.n_leads ?? 0} leads`,
    text: lines.join('\n') + '\n',
  };
}

async function claimOne(db: Db): Promise<BulkActionRow | undefined> {
  // Cross-organization by nature: this is the worker's queue, not a request.
  const result = await sql<BulkActionRow>`
    UPDATE bulk_actions SET done_email_state = 'sending', done_email_attempts = done_email_attempts + 1
    WHERE id = (
      SELECT id FROM bulk_actions WHERE done_email_state = 'pending'
      ORDER BY date_updated LIMIT 1 FOR UPDATE SKIP LOCKED
    )
    RETURNING *`.execute(db);
  return result.rows[0];
}

/** Sends every pending done email; returns how many were sent. Each is logged with its action's id. */
export async function sendPendingDoneEmails(db: Db, mailer: SystemMailer, worker?: DoneEmailContext, log?: Logger): Promise<number> {
  let sent = 0;
  for (;;) {
    const row = await claimOne(db);
    if (!row) return sent;
    const user = await db
      .selectFrom('users')
      .select('email')
      .where('organization_id', '=', row.organization_id)
      .where('id', '=', row.created_by ?? '')
      .executeTakeFirst();
    const done = (state: 'sent' | 'pending' | 'failed', error: string | null) =>
      db
        .updateTable('bulk_actions')
        .set({ done_email_state: state, done_email_error: error, ...(state === 'sent' ? { done_email_sent_at: sql`now()` } : {}) })
        .where('organization_id', '=', row.organization_id)
        .where('id', '=', row.id)
        .execute();
    if (!user) {
      log?.warn({ bulk_action_id: row.id }, 'bulk action done email not sent: the creating user no longer exists');
      await done('failed', 'the creating user no longer exists');
      continue;
    }
    try {
      await mailer.send({ to: user.email, ...doneEmailContent(row, worker) });
      await done('sent', null);
      log?.info({ bulk_action_id: row.id }, 'bulk action done email sent');
      sent += 1;
    } catch (error) {
      log?.warn({ bulk_action_id: row.id, err: error, attempts: row.done_email_attempts }, 'bulk action done email failed');
      await done(row.done_email_attempts >= MAX_ATTEMPTS ? 'failed' : 'pending', (error as Error).message);
      // Leave the rest for the next sweep rather than spinning on a refusing server.
      return sent;
    }
  }
}
