/**
 * The lifecycle of an export. An export is a bulk action of kind `export`: the bulk-action state
 * machine (src/bulk-actions/state-machine.ts) owns its status, and every status change goes through
 * its `transition` (claims, batches, PUT pause/resume/cancel, the final done or error). This module
 * adds the two things only an export has: the names Close shows, and the file.
 *
 * ```
 * engine status   shown as      the file (DATA_DIR/exports/{id}.{csv|json}.gz)
 * created         created       none
 * loading         started       none (the matched leads are materialised, in sort order)
 * processing      in_progress   growing: its committed prefix is export_files.bytes
 * paused          paused        kept as it is; PUT "resuming" continues it (BULK_RESUME_WINDOW_SECONDS)
 * resuming        resuming      kept
 * done            done          complete: the trailer is written in the transaction that sets done;
 *                               downloadable (download_url) until EXPORT_RETENTION_DAYS after that
 * done            expired       deleted by the retention sweep (date_removed set); download_url null
 * error           error         the partial file is deleted by the next sweep
 * cancelled       cancelled     likewise
 * ```
 *
 * `expired` is not an engine status: the run is over at `done`, and what expires is the file.
 * `started` and `in_progress` are Close's names for the engine's `loading` and `processing`;
 * `paused`, `resuming` and `cancelled` are Sluice's extensions, as for bulk actions.
 */
import type { BulkActionsTable, ExportFilesTable } from '../db/schema.ts';
import type { Selectable } from 'kysely';

export type ExportStatus = 'created' | 'started' | 'in_progress' | 'done' | 'expired' | 'error' | 'paused' | 'resuming' | 'cancelled';

/** What the API calls an export in `status`, given its file (absent before loading ends). */
export function exportStatus(
  status: BulkActionsTable['status'],
  file: Pick<Selectable<ExportFilesTable>, 'date_removed'> | undefined,
): ExportStatus {
  switch (status) {
    case 'loading':
      return 'started';
    case 'processing':
      return 'in_progress';
    case 'done':
      return file?.date_removed ? 'expired' : 'done';
    case 'created':
    case 'paused':
    case 'resuming':
    case 'error':
    case 'cancelled':
      return status;
    default: {
      const never: never = status;
      throw new Error(`unknown status ${String(never)}`);
    }
  }
}

/** Whether the file of an export in `status` can be downloaded. */
export function downloadable(
  status: BulkActionsTable['status'],
  file: Pick<Selectable<ExportFilesTable>, 'date_removed' | 'date_finished'> | undefined,
): boolean {
  return status === 'done' && file !== undefined && file.date_finished !== null && file.date_removed === null;
}
