/** Webhooks and their deliveries as the API shows them. */
import type { Selectable } from 'kysely';
import type { WebhookDeliveriesTable, WebhooksTable } from '../db/schema.ts';
import { formatTimestamp } from '../time.ts';

export type WebhookRow = Selectable<WebhooksTable>;
export type DeliveryRow = Selectable<WebhookDeliveriesTable>;

/**
 * Close's subscription object, plus (extensions) why it paused by itself, since when it has been
 * failing and its last error. The signature key is never here: only the create response adds it.
 */
export function webhookResponse(row: WebhookRow): Record<string, unknown> {
  return {
    id: row.id,
    organization_id: row.organization_id,
    url: row.url,
    events: row.events,
    verify_ssl: row.verify_ssl,
    status: row.status,
    status_reason: row.status_reason,
    date_paused: formatTimestamp(row.date_paused),
    failing_since: formatTimestamp(row.failing_since),
    last_error: row.last_error,
    created_by: row.created_by,
    updated_by: row.updated_by,
    date_created: formatTimestamp(row.date_created),
    date_updated: formatTimestamp(row.date_updated),
  };
}

/** One delivery in `GET /webhook/{id}/deliveries/` (extension). */
export function deliveryResponse(row: DeliveryRow): Record<string, unknown> {
  const log = row.attempt_log ?? [];
  return {
    id: String(row.id),
    subscription_id: row.webhook_id,
    event_id: row.event_id,
    status: row.status,
    n_attempts: row.attempts,
    next_attempt_at: row.status === 'pending' && row.attempts > 0 ? formatTimestamp(row.next_attempt_at) : null,
    attempts: log,
    date_created: formatTimestamp(row.date_created),
    date_done: formatTimestamp(row.date_done),
  };
}
