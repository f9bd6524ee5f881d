/**
 * Runs one claimed action to a stopping point: load it if needed, then batch after batch until it
 * is done, paused, cancelled, taken over, or the worker stops. A heartbeat renews the lease every
 * third of BULK_LEASE_SECONDS (so a live worker never loses it while loading or throttled), and the
 * batch transaction renews it too. A worker that dies stops renewing: after at most
 * BULK_LEASE_SECONDS, another worker's claim takes the action over, starting from the first
 * pending item, since every committed batch recorded its outcomes.
 *
 * A batch rolled back by something that says nothing about the action (a deadlock with a
 * concurrent write, a dropped connection) is retried up to MAX_BATCH_RETRIES times with backoff;
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
import { runBatch } from './run-batch.ts';
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
    let retries = 0;
    let batches = 0;
    let items = 0;
    let ended = false;
    while (!deps.stopping() && !lost) {
      let batch;
      const started = performance.now();
      try {
        const finished = bulkBatchStarted();
        try {
          batch = await runBatch(db, row.organization_id, row.id, kind, workerId, config, clock);
        } finally {
          finished();
        }
        retries = 0;
      } catch (error) {
        // A rolled-back batch changed nothing, so a deadlock with a concurrent write (or a
        // dropped connection) is retried rather than failing the whole action.
        if (!isTransient(error) || retries >= MAX_BATCH_RETRIES) throw error;
        retries += 1;
        log.warn({ err: error, retries }, 'batch rolled back; retrying');
        await sleep(100 * 2 ** retries);
        continue;
      }
      if (batch.result === 'done') {
        log.info({ batches, items }, 'bulk action done');
        ended = true;
        break;
      }
      if (batch.result === 'stop') {
        log.info({ reason: await stopReason(db, row, workerId).catch(() => 'unknown'), batches, items }, 'bulk action stopped');
        ended = true;
        break;
      }
      batches += 1;
      items += batch.items;
      log.debug({ n: batch.items, n_objects: batch.objects, ms: Math.round(performance.now() - started) }, 'bulk action batch');
      if (config.bulk.batchDelayMs > 0) await sleep(config.bulk.batchDelayMs);
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
