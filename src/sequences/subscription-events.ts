/**
 * `sequence_subscription` `deleted` events for subscriptions that go with something else: their
 * contact, their lead or their sequence (ON DELETE CASCADE). Read before the delete, recorded in the
 * same transaction; a subscription already deleted through the API (`date_deleted`) had its event.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { recordEvents, type EventInput } from '../events/record-event.ts';
import { subscriptionResponse, type SubscriptionRow } from './subscription-repository.ts';

/** Which subscriptions a delete takes with it. */
export type CascadeScope = { readonly leadIds: readonly string[] } | { readonly contactId: string } | { readonly sequenceId: string };

/** The visible subscriptions of `organizationId` within `scope`. */
export async function subscriptionsIn(trx: Kysely<Database>, organizationId: string, scope: CascadeScope): Promise<SubscriptionRow[]> {
  let query = trx.selectFrom('sequence_subscriptions').selectAll().where('organization_id', '=', organizationId).where('date_deleted', 'is', null);
  if ('leadIds' in scope) {
    if (scope.leadIds.length === 0) return [];
    query = query.where(sql<boolean>`lead_id = ANY(${scope.leadIds}::text[])`);
  } else if ('contactId' in scope) query = query.where('contact_id', '=', scope.contactId);
  else query = query.where('sequence_id', '=', scope.sequenceId);
  return query.execute();
}

/** Records `deleted` for each of `rows` (the whole subscription in previous_data). */
export async function recordSubscriptionsDeleted(
  trx: Kysely<Database>,
  rows: readonly SubscriptionRow[],
  base: Pick<EventInput, 'userId' | 'apiKeyId' | 'requestId' | 'meta' | 'at'>,
): Promise<void> {
  await recordEvents(
    trx,
    rows.map((row) => ({
      ...base,
      organizationId: row.organization_id,
      objectType: 'sequence_subscription',
      objectId: row.id,
      leadId: row.lead_id,
      action: 'deleted',
      previousData: subscriptionResponse(row),
    })),
  );
}
