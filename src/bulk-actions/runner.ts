/**
 * Runs one claimed action to a stopping point: load it if needed, then batch after batch until it
 * is done, paused, cancelled, taken over, or the worker stops.
 *
 * Batches are ranges of item positions handed out in order, each run in a transaction of its own
 * (run-batch.ts). A kind with `concurrentBatches` (edit, delete) gets up to BULK_BATCH_CONCURRENCY
 * ranges in flight at once: PostgreSQL runs a statement on one core, so one batch at a time left
 * the others idle (two 2,000-lead delete batches: 3.3 s one after the other, 1.9 s together, on
 * 2 cores). The trade-off: batches commit out of order, so n_leads_processed counts items but no
 * longer marks the first pending position; each claim looks for that from position 0 (one index
 * scan), and the action finishes only when a last check finds no item pending.
 *
 * A heartbeat renews the lease every third of BULK_LEASE_SECONDS (so a live worker never loses it
 * while loading or throttled), and the batch transaction renews it too. A worker that dies stops
 * renewing: after at most BULK_LEASE_SECONDS, another worker's claim takes the action over,
 * starting from the first pending item, since every committed batch recorded its outcomes.
 *
 * A batch rolled back by something that says nothing about the action (a deadlock with a
 * concurrent write, a dropped connection) is retried on its range up to MAX_BATCH_RETRIES times;
 * if the failure persists the runner lets go and the next claim continues. An action that cannot
 * go on as a whole (BulkActionFatalError, a selection that no longer compiles, any other error)
 * moves to `error` with the reason written onto the row.
 */
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import { isConnectionLost } from '../db/connection-lost.ts';
import { SluiceError } from '../errors.ts';
import type { Clock } from '../time.ts';
import { releaseLease, renewLease } from './claim.ts';
import { BulkActionFatalError } from './kind.ts';
import { findKind } from './kinds.ts';
import { loadItems } from './load-items.ts';
import { pendingPositions, runBatch, type BatchRange } from './run-batch.ts';
import { bulkBatchStarted } from '../worker/bulk-priority.ts';
import type { BulkActionRow } from './serialize.ts';
import { LeaseLostError, transition } from './state-machine.ts';

export interface RunnerDeps {
  readonly db: Db;
  readonly config: Config;
  readonly clock: Clock;
  readonly log: Logger;
  readonly workerId: string;
  /** True once the worker is asked to stop: the runner returns at the next batch boundary. */
  readonly stopping: () => boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Tries of one batch after a transient failure (backoff 200 ms, 400 ms, … 3.2 s). */
const MAX_BATCH_RETRIES = 4;

/**
 * Failures that say nothing about the action: deadlock, serialization failure, lock timeout
 * (SQLSTATE 40001, 40P01, 55P03), and the connection lost (src/db/connection-lost.ts). Not 08P01
 * (protocol violation): a statement the server refuses to bind fails the same way every time.
 */
export function isTransient(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (typeof code === 'string' && ['40001', '40P01', '55P03'].includes(code)) || isConnectionLost(error);
}

function reasonOf(error: unknown): string {
  if (error instanceof BulkActionFatalError) return error.message;
  if (error instanceof SluiceError) {
    const fields = Object.entries(error.fieldErrors).map(([path, message]) => `${path}: ${message}`);
    return fields.length > 0 ? `The lead selection is no longer valid (${fields.join('; ')}).` : error.message;
  }
  return `Internal error: ${(error as Error).message}`;
}

/** Moves the action to `error` with the reason; `deps.log` carries the action's id. */
async function fail(deps: RunnerDeps, row: BulkActionRow, error: unknown): Promise<void> {
  const now = await deps.db
    .selectFrom('bulk_actions')
    .select(['status', 'locked_by'])
    .where('organization_id', '=', row.organization_id)
    .where('id', '=', row.id)
    .executeTakeFirst();
  // Paused, cancelled or taken over while we worked (a load then fails its final transition): not a failure.
  if (!now || now.locked_by !== deps.workerId || (now.status !== 'loading' && now.status !== 'processing')) return;
  deps.log.warn({ err: error }, 'bulk action failed');
  try {
    await deps.db.transaction().execute((trx) =>
      transition(trx, row.organization_id, row.id, 'error', {
        by: 'runner',
        clock: deps.clock,
        config: deps.config,
        userId: row.created_by,
        workerId: deps.workerId,
        errorMessage: reasonOf(error),
      }),
    );
  } catch (again) {
    // Paused or taken over meanwhile, or the database is gone: the lease will lapse and the
    // action be retried or left as the user set it.
    deps.log.warn({ err: again }, 'could not record the failure');
  }
}

/** Why a batch loop ended with 'stop': the action's state now, or that its lease is no longer ours. */
async function stopReason(db: Db, row: BulkActionRow, workerId: string): Promise<string> {
  const now = await db
    .selectFrom('bulk_actions')
    .select(['status', 'locked_by'])
    .where('organization_id', '=', row.organization_id)
    .where('id', '=', row.id)
    .executeTakeFirst();
  if (!now) return 'deleted';
  if (now.status === 'processing' && now.locked_by !== workerId) return 'lease_lost';
  return now.status;
}

/**
 * The next batch: the first `size` pending positions from `from` on, as a range; undefined when
 * none is left. Read outside any batch transaction; the batch takes the range's items that are
 * still pending when it runs.
 */
async function nextRange(db: Db, row: BulkActionRow, from: number, size: number): Promise<BatchRange | undefined> {
  const positions = await pendingPositions(db, row.organization_id, row.id, from, size);
  return positions.length === 0 ? undefined : { from: positions[0]!, to: positions.at(-1)! };
}

/**
 * Works on `claimed` until it stops; never throws. Every line it logs carries `bulk_action_id`:
 * loaded (n_leads, ms), each batch at debug (n, n_objects, ms), then done, stopped (paused,
 * cancelled, lease lost), released (worker stopping), interrupted or failed.
 */
export async function runAction(deps: RunnerDeps, claimed: BulkActionRow): Promise<void> {
  const { db, config, clock, workerId } = deps;
  const log = deps.log.child({ bulk_action_id: claimed.id, kind: claimed.kind });
  const kind = findKind(claimed.kind);
  let lost = false;
  let beating = false;
  const heartbeat = setInterval(() => {
    if (beating) return;
    beating = true;
    renewLease(db, claimed, workerId, config.bulk.leaseSeconds)
      .then((state) => {
        if (state === 'lost') lost = true;
      })
      .catch((error: unknown) => log.warn({ err: error }, 'lease renewal failed'))
      .finally(() => {
        beating = false;
      });
  }, Math.max(100, (config.bulk.leaseSeconds * 1000) / 3));
  try {
    if (!kind) throw new BulkActionFatalError(`Unknown bulk action kind ${claimed.kind}.`);
    let row = claimed;
    if (row.status === 'loading') {
      const started = performance.now();
      row = await loadItems(db, row, kind, workerId, config, clock);
      log.info({ n_leads: row.n_leads, ms: Math.round(performance.now() - started) }, 'bulk action loaded');
    }
    const size = Math.min(config.bulk.batchSize, kind.maxBatchSize ?? Number.POSITIVE_INFINITY);
    const concurrency = kind.concurrentBatches ? config.bulk.batchConcurrency : 1;
    let batches = 0;
    let items = 0;
    let ended = false;
    /** Why no new batch may start: a batch answered 'stop', or failed for good (rethrown below). */
    let halt: { readonly stop: true } | { readonly error: unknown } | undefined;
    const inFlight = new Set<Promise<void>>();
    const runRange = async (range: BatchRange) => {
      for (let retries = 0; ; retries++) {
        const started = performance.now();
        let batch;
        try {
          const finished = bulkBatchStarted();
          try {
            batch = await runBatch(db, row.organization_id, row.id, kind, workerId, config, clock, range);
          } finally {
            finished();
          }
        } catch (error) {
          // A rolled-back batch changed nothing, so a deadlock with a concurrent write (or a
          // dropped connection) is retried, on the same range, rather than failing the action.
          if (!isTransient(error) || retries >= MAX_BATCH_RETRIES || halt || deps.stopping() || lost) throw error;
          log.warn({ err: error, retries: retries + 1 }, 'batch rolled back; retrying');
          await sleep(200 * 2 ** retries);
          continue;
        }
        if (batch.result === 'stop') {
          halt ??= { stop: true };
          return;
        }
        batches += 1;
        items += batch.items;
        log.debug({ n: batch.items, n_objects: batch.objects, ms: Math.round(performance.now() - started) }, 'bulk action batch');
        if (config.bulk.batchDelayMs > 0) await sleep(config.bulk.batchDelayMs);
        return;
      }
    };
    // Positions below `cursor` are in a batch that committed or is in flight; a claim starts at 0
    // (a batch of another worker may have committed after a later one, so n_leads_processed is no bound).
    let cursor = 0;
    while (!ended) {
      while (!halt && !deps.stopping() && !lost && inFlight.size < concurrency) {
        let range;
        try {
          range = await nextRange(db, row, cursor, size);
        } catch (error) {
          // Not thrown from here: the batches in flight are waited for first.
          halt = { error };
          break;
        }
        if (!range) break;
        cursor = range.to + 1;
        const task: Promise<void> = runRange(range)
          .catch((error: unknown) => {
            halt = { error };
          })
          .finally(() => inFlight.delete(task));
        inFlight.add(task);
      }
      if (inFlight.size > 0) {
        await Promise.race(inFlight);
        continue;
      }
      if (halt && 'error' in halt) throw halt.error;
      if (halt || deps.stopping() || lost) {
        if (halt) log.info({ reason: await stopReason(db, row, workerId).catch(() => 'unknown'), batches, items }, 'bulk action stopped');
        ended = halt !== undefined;
        break;
      }
      // Nothing pending from `cursor` on and no batch in flight: finish, unless an item is pending
      // after all (then go round again from the start).
      const finish = await runBatch(db, row.organization_id, row.id, kind, workerId, config, clock, 'finish');
      if (finish.result === 'done') {
        log.info({ batches, items }, 'bulk action done');
        ended = true;
      } else if (finish.result === 'stop') {
        halt = { stop: true };
      } else {
        cursor = 0;
      }
    }
    if (ended) return;
    if (lost) log.warn({ batches, items }, 'bulk action lease lost to another worker');
    else if (deps.stopping()) log.info({ batches, items }, 'bulk action released: worker stopping');
  } catch (error) {
    if (isTransient(error)) {
      // Leave the action as it is: the lease lapses and a worker (this one or another) goes on.
      log.warn({ err: error }, 'bulk action interrupted');
      return;
    }
    if (error instanceof LeaseLostError) log.warn('bulk action lease lost to another worker');
    else await fail({ ...deps, log }, claimed, error);
  } finally {
    clearInterval(heartbeat);
    await releaseLease(db, claimed, workerId).catch(() => {});
  }
}
