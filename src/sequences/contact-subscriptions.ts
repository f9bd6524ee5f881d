/**
 * The `subscriptions` array of a contact (§4.2, Close's BasicSubscriptionInfoForContact), loaded for
 * many contacts in one query, for the contact serialiser.
 */
import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import { formatTimestamp } from '../time.ts';

export interface ContactSubscriptionInfo {
  readonly subscription_id: string;
  readonly sequence_id: string;
  readonly sequence_name: string;
  readonly sequence_status: string;
  readonly subscription_status: string;
  readonly subscription_status_reason: string | null;
  readonly contact_email: string;
  readonly initial_email_id: string | null;
  readonly start_date: string | null;
  readonly date_created: string | null;
}

/** Each contact's visible subscriptions (oldest first); contacts without any map to `[]`. */
export async function loadSubscriptionsForContacts(
  db: Db,
  organizationId: string,
  contactIds: readonly string[],
): Promise<Map<string, ContactSubscriptionInfo[]>> {
  const out = new Map<string, ContactSubscriptionInfo[]>(contactIds.map((id) => [id, []]));
  if (contactIds.length === 0) return out;
  const rows = await db
    .selectFrom('sequence_subscriptions as s')
    .innerJoin('sequences as q', (join) => join.onRef('q.id', '=', 's.sequence_id').onRef('q.organization_id', '=', 's.organization_id'))
    .select([
      's.id',
      's.contact_id',
      's.sequence_id',
      'q.name as sequence_name',
      'q.status as sequence_status',
      's.status',
      's.status_reason',
      's.contact_email',
      's.start_date',
      's.date_created',
      sql<string | null>`(SELECT l.activity_id FROM sequence_subscription_steps l
         WHERE l.organization_id = s.organization_id AND l.subscription_id = s.id AND l.activity_id IS NOT NULL
         ORDER BY l.date_created, l.position LIMIT 1)`.as('initial_email_id'),
    ])
    .where('s.organization_id', '=', organizationId)
    .where('s.contact_id', 'in', [...contactIds])
    .where('s.date_deleted', 'is', null)
    .orderBy('s.date_created')
    .orderBy('s.id')
    .execute();
  for (const row of rows) {
    out.get(row.contact_id)?.push({
      subscription_id: row.id,
      sequence_id: row.sequence_id,
      sequence_name: row.sequence_name,
      sequence_status: row.sequence_status,
      subscription_status: row.status,
      subscription_status_reason: row.status_reason,
      contact_email: row.contact_email,
      initial_email_id: row.initial_email_id,
      start_date: formatTimestamp(row.start_date),
      date_created: formatTimestamp(row.date_created),
    });
  }
  return out;
}
