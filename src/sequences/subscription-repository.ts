/**
 * Sequence subscriptions: the response shape (§4.6), lookups confined to one organization, and the
 * checks a sender identity must pass. Deleted subscriptions (`date_deleted`) are invisible here.
 */
import type { Selectable } from 'kysely';
import type { Db } from '../db/database.ts';
import type { SequenceSubscriptionsTable } from '../db/schema.ts';
import { formatTimestamp } from '../time.ts';

export type SubscriptionRow = Selectable<SequenceSubscriptionsTable>;

/** A subscription as Close shows it. */
export function subscriptionResponse(row: SubscriptionRow): Record<string, unknown> {
  return {
    id: row.id,
    organization_id: row.organization_id,
    sequence_id: row.sequence_id,
    contact_id: row.contact_id,
    lead_id: row.lead_id,
    contact_email: row.contact_email,
    sender_account_id: row.sender_account_id,
    sender_name: row.sender_name,
    sender_email: row.sender_email,
    calls_assigned_to: row.calls_assigned_to ?? [],
    status: row.status,
    status_reason: row.status_reason,
    // The older name Close still returns (its export script reads it): why a paused subscription is
    // paused, with the same StatusReason values; null unless paused, since finished/goal/error
    // reasons are not pause reasons.
    pause_reason: row.status === 'paused' ? row.status_reason : null,
    start_date: formatTimestamp(row.start_date),
    created_by_id: row.created_by_id,
    updated_by_id: row.updated_by_id,
    date_created: formatTimestamp(row.date_created),
    date_updated: formatTimestamp(row.date_updated),
  };
}

/** The visible subscription `id` of `organizationId`, or undefined. */
export async function findSubscription(db: Db, organizationId: string, id: string, lock = false): Promise<SubscriptionRow | undefined> {
  let query = db
    .selectFrom('sequence_subscriptions')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where('id', '=', id)
    .where('date_deleted', 'is', null);
  if (lock) query = query.forUpdate();
  return query.executeTakeFirst();
}

/**
 * Why `senderEmail` on account `accountId` cannot send for `organizationId` (keyed by field), or an
 * empty object: the account must exist in the organization and the address must be its own or one of
 * its identities.
 */
export async function senderErrors(db: Db, organizationId: string, accountId: string, senderEmail: string): Promise<Record<string, string>> {
  const account = await db
    .selectFrom('connected_accounts')
    .select(['id', 'email', 'identities'])
    .where('organization_id', '=', organizationId)
    .where('id', '=', accountId)
    .executeTakeFirst();
  if (!account) return { sender_account_id: `Unknown email account: ${accountId}.` };
  const identities = (account.identities as unknown as { email?: string }[] | null) ?? [];
  const allowed = new Set([account.email, ...identities.map((i) => i.email ?? '')].map((e) => e.toLowerCase()));
  if (!allowed.has(senderEmail.toLowerCase())) {
    return { sender_email: 'sender_email must be the email account’s address or one of its identities.' };
  }
  return {};
}
