/**
 * A bulk action as Close's API shows it (§2.3 common fields, then the kind's own), plus Sluice's
 * extensions: `date_paused`, `resumable_until` (while paused) and `error_message`. A kind with its
 * own endpoints (exports) presents its actions itself (`BulkActionKind.present`).
 */
import type { Selectable } from 'kysely';
import type { Config } from '../config.ts';
import type { BulkActionsTable } from '../db/schema.ts';
import { formatTimestamp } from '../time.ts';
import type { BulkActionRecord, BulkKindName } from './kind.ts';
import { findKind } from './kinds.ts';

export type BulkActionRow = Selectable<BulkActionsTable>;

/** The API object for `row`. */
export function serializeAction(row: BulkActionRow, config: Config): Record<string, unknown> {
  const kind = findKind(row.kind);
  if (kind?.present) return kind.present(row, config);
  const until =
    row.status === 'paused' && row.date_paused
      ? new Date(row.date_paused.getTime() + config.bulk.resumeWindowSeconds * 1000)
      : null;
  return {
    id: row.id,
    organization_id: row.organization_id,
    status: row.status,
    n_leads: row.n_leads,
    n_leads_processed: row.n_leads_processed,
    n_objects: row.n_objects,
    n_objects_processed: row.n_objects_processed,
    s_query: row.s_query,
    query: null,
    results_limit: row.results_limit,
    sort: row.sort,
    send_done_email: row.send_done_email,
    ...(kind ? kind.serialize(row.params) : {}),
    created_by: row.created_by,
    updated_by: row.updated_by,
    date_created: formatTimestamp(row.date_created),
    date_updated: formatTimestamp(row.date_updated),
    date_paused: formatTimestamp(row.date_paused),
    resumable_until: formatTimestamp(until),
    error_message: row.error_message,
  };
}

/** What a kind sees of `row`. */
export function actionRecord(row: BulkActionRow, config: Config): BulkActionRecord {
  return {
    id: row.id,
    organizationId: row.organization_id,
    kind: row.kind as BulkKindName,
    params: row.params,
    createdBy: row.created_by ?? '',
    sendDoneEmail: row.send_done_email,
    dateCreated: row.date_created,
    config,
  };
}
