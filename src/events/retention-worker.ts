/**
 * The background worker that keeps the event log to EVENT_RETENTION_DAYS and its day partitions made
 * ahead: a pass (event-partitions.ts, then prune-events.ts) shortly after start and every
 * PRUNE_EVERY_MS after that. Events are at most retention + 5 minutes old when a worker runs;
 * reading them is unaffected (the log filters nothing by age).
 */
import type { BackgroundWorker, WorkerDeps } from '../worker/registry.ts';
import { ensureEventPartitions } from './event-partitions.ts';
import { pruneEvents, type PruneOptions } from './prune-events.ts';

/** Time between two passes. */
export const PRUNE_EVERY_MS = 5 * 60_000;
/** Delay of the first pass after start (lets a starting fleet settle first). */
const FIRST_PASS_MS = 10_000;

export interface RetentionWorkerOptions {
  readonly everyMs?: number;
  readonly firstPassMs?: number;
  readonly batchRows?: number;
  readonly pauseMs?: number;
}

/** Creates the retention worker over `deps` (clock: the cutoff is now − EVENT_RETENTION_DAYS). */
export function createEventRetentionWorker(deps: WorkerDeps, options: RetentionWorkerOptions = {}): BackgroundWorker {
  const log = deps.log.child({ worker: 'event-retention' });
  const everyMs = options.everyMs ?? PRUNE_EVERY_MS;
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  let pass: Promise<void> | undefined;

  const runPass = async () => {
    const cutoff = new Date(deps.clock.now().getTime() - deps.config.eventRetentionDays * 86_400_000);
    const prune: PruneOptions = { cutoff, batchRows: options.batchRows, pauseMs: options.pauseMs, shouldStop: () => stopping };
    try {
      const made = await ensureEventPartitions(deps.db);
      if (made) log.info({ partitions: made }, 'made event log partitions ahead');
    } catch (error) {
      log.warn({ err: error }, 'making event log partitions failed; next attempt in the usual interval');
    }
    try {
      const result = await pruneEvents(deps.db, prune);
      if (result.deleted > 0 || result.partitions > 0) {
        log.info({ deleted: result.deleted, partitions: result.partitions, batches: result.batches, cutoff }, 'pruned old events');
      }
    } catch (error) {
      log.warn({ err: error }, 'event retention pass failed; next pass in the usual interval');
    }
  };

  const schedule = (ms: number) => {
    if (stopping) return;
    timer = setTimeout(() => {
      pass = runPass().finally(() => schedule(everyMs));
    }, ms);
    timer.unref();
  };

  return {
    name: 'event-retention',
    async start() {
      schedule(options.firstPassMs ?? FIRST_PASS_MS);
    },
    async stop() {
      stopping = true;
      if (timer) clearTimeout(timer);
      await pass;
    },
  };
}
