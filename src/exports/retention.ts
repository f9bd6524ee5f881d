/**
 * Retention of export files: a done export's file is deleted EXPORT_RETENTION_DAYS (default 7)
 * after it was finished, and the export then shows `expired`; the partial file of an export that
 * failed, was cancelled, or was paused past BULK_RESUME_WINDOW_SECONDS (so can never resume) is
 * deleted at the next sweep. Rows stay: the export and its counts remain visible.
 *
 * Every worker process sweeps at start and then every SWEEP_MS; a sweep deletes the file first and
 * then marks the row, so a crash in between leaves a row the next sweep finishes (a missing file is
 * not an error). Sweeps of several processes may overlap harmlessly.
 */
import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import type { BackgroundWorker, WorkerDeps } from '../worker/registry.ts';
import { exportFilePath, removeExportFile, type ExportFormat } from './export-file.ts';

/** How often a worker looks for files to delete: retention is counted in days, so minutes are plenty. */
const SWEEP_MS = 10 * 60_000;
const PAGE = 100;

/** Deletes every file due at `now`; returns how many exports it marked removed (each logged with its id). */
export async function sweepExportFiles(db: Db, config: Config, now: Date, log?: Logger): Promise<number> {
  const doneBefore = new Date(now.getTime() - config.exports.retentionDays * 86_400_000);
  const pausedBefore = new Date(now.getTime() - config.bulk.resumeWindowSeconds * 1000);
  let removed = 0;
  for (;;) {
    // Cross-organization by nature: this is the operator's housekeeping, not a request.
    const due = await sql<{ organization_id: string; action_id: string; format: ExportFormat }>`
      SELECT f.organization_id, f.action_id, a.params->>'format' AS format
      FROM export_files f JOIN bulk_actions a ON a.organization_id = f.organization_id AND a.id = f.action_id
      WHERE f.date_removed IS NULL AND (
        (a.status = 'done' AND f.date_finished < ${doneBefore})
        OR a.status IN ('error', 'cancelled')
        OR (a.status = 'paused' AND a.date_paused < ${pausedBefore})
      )
      ORDER BY f.action_id
      LIMIT ${PAGE}`.execute(db);
    for (const row of due.rows) {
      await removeExportFile(exportFilePath(config.dataDir, row.action_id, row.format));
      await db
        .updateTable('export_files')
        .set({ date_removed: now })
        .where('organization_id', '=', row.organization_id)
        .where('action_id', '=', row.action_id)
        .where('date_removed', 'is', null)
        .execute();
      log?.info({ export_id: row.action_id, bulk_action_id: row.action_id }, 'export file deleted');
      removed += 1;
    }
    if (due.rows.length < PAGE) return removed;
  }
}

/** The worker that runs the sweep in `sluice serve` (role worker or all). */
export function createExportRetentionWorker(deps: WorkerDeps, options: { sweepMs?: number } = {}): BackgroundWorker {
  const log = deps.log.child({ worker: 'export-retention' });
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const sweep = () => {
    running = sweepExportFiles(deps.db, deps.config, deps.clock.now(), log)
      .then((n) => {
        if (n > 0) log.info({ removed: n }, 'export files deleted');
      })
      .catch((error: unknown) => log.warn({ err: error }, 'export retention sweep failed'))
      .finally(() => {
        if (!stopped) timer = setTimeout(sweep, options.sweepMs ?? SWEEP_MS);
      });
  };
  return {
    name: 'export-retention',
    async start() {
      sweep();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
