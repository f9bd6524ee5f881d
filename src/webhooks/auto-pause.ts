/**
 * A subscription pausing by itself (close-api-reference.md §5.3: after 3 days of failing, or with
 * a backlog over the limit). The reason is written on the webhook (`status_reason`, shown by the
 * API) and recorded as an event of its own, `webhook` `paused`, in the same transaction; its
 * deliveries are kept, and setting it active again delivers them (routes.ts).
 */
import type { Db } from '../db/database.ts';
import { recordEvent } from '../events/record-event.ts';
import type { Clock } from '../time.ts';
import { webhookResponse } from './serialize.ts';

export type PauseCause = 'failing' | 'backlog';

/** Pauses `webhookId` if it is still active, inside the caller's transaction; returns whether it did. */
export async function autoPause(trx: Db, webhookId: string, cause: PauseCause, reason: string, clock: Clock): Promise<boolean> {
  {
    const now = clock.now();
    const row = await trx
      .updateTable('webhooks')
      .set({ status: 'paused', status_reason: reason, date_paused: now, date_updated: now })
      .where('id', '=', webhookId)
      .where('status', '=', 'active')
      .returningAll()
      .executeTakeFirst();
    if (!row) return false;
    await recordEvent(trx, {
      organizationId: row.organization_id,
      objectType: 'webhook',
      objectId: row.id,
      action: 'paused',
      changedFields: ['status', 'status_reason'],
      data: webhookResponse(row),
      previousData: { status: 'active', status_reason: null },
      meta: { cause, reason },
      at: now,
    });
    return true;
  }
}
