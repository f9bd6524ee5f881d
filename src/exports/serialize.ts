/**
 * An export as Close's API shows it (`/export/{id}/`: id, organization_id, status, format, type,
 * date_format, fields, s_query, results_limit, sort, send_done_email, n_docs, n_docs_processed,
 * download_url, created_by, updated_by, date_created, date_updated), plus Sluice's extensions:
 * `date_paused`, `resumable_until` and `error_message` (as bulk actions have them), `date_expires`
 * (when the file will be deleted) and `file_size` (bytes of the gzip file).
 *
 * `n_docs` is what the export writes: leads for type `leads`, the matched leads' contacts for type
 * `contacts` (counted when the leads are loaded; contacts added or removed later change only
 * `n_docs_processed`).
 */
import type { Selectable } from 'kysely';
import type { Config } from '../config.ts';
import type { ExportFilesTable } from '../db/schema.ts';
import type { BulkActionRow } from '../bulk-actions/serialize.ts';
import { formatTimestamp } from '../time.ts';
import { signedDownloadUrl } from './download-link.ts';
import type { DateFormat } from './csv.ts';
import type { ExportFormat } from './export-file.ts';
import type { ExportType } from './fields.ts';
import { downloadable, exportStatus } from './lifecycle.ts';

export type ExportFileRow = Selectable<ExportFilesTable>;

/** The request fields an export keeps in `bulk_actions.params`. */
export interface ExportParams {
  readonly type: ExportType;
  readonly format: ExportFormat;
  readonly fields: readonly string[];
  readonly date_format: DateFormat;
}

/** The API object. `now` signs `download_url` (null for events: a link is not history). */
export function serializeExport(row: BulkActionRow, file: ExportFileRow | undefined, config: Config, now: Date | null): Record<string, unknown> {
  const params = row.params as unknown as ExportParams;
  const ready = downloadable(row.status, file);
  const paused = row.status === 'paused' && row.date_paused ? row.date_paused : null;
  const finished = file?.date_finished && !file.date_removed ? file.date_finished : null;
  return {
    id: row.id,
    organization_id: row.organization_id,
    status: exportStatus(row.status, file),
    format: params.format,
    type: params.type,
    date_format: params.date_format,
    fields: params.fields,
    s_query: row.s_query,
    results_limit: row.results_limit,
    sort: row.sort,
    send_done_email: row.send_done_email,
    n_docs: row.n_objects,
    n_docs_processed: row.n_objects_processed,
    download_url: ready && now ? signedDownloadUrl(config, row.organization_id, row.id, now) : null,
    created_by: row.created_by,
    updated_by: row.updated_by,
    date_created: formatTimestamp(row.date_created),
    date_updated: formatTimestamp(row.date_updated),
    date_paused: formatTimestamp(row.date_paused),
    resumable_until: formatTimestamp(paused ? new Date(paused.getTime() + config.bulk.resumeWindowSeconds * 1000) : null),
    error_message: row.error_message,
    date_expires: formatTimestamp(finished ? new Date(finished.getTime() + config.exports.retentionDays * 86_400_000) : null),
    file_size: ready && file ? Number(file.bytes) : null,
  };
}
