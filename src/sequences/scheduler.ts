/**
 * The sequence scheduler: finds active subscriptions whose `next_step_at` has come (in active
 * sequences only, so a paused or draft sequence sends nothing), claims each with
 * `FOR UPDATE SKIP LOCKED` and runs its step in that same transaction (scheduler-step.ts).
 *
 * The row lock is the lease: it lasts exactly as long as the transaction, and a worker that dies
 * drops its connection, which rolls the step back and frees the row at once, so there is no lease
 * to expire and nothing to reap. Any number of workers in any number of processes can run side by
 * side; they never wait on each other's rows.
 *
 * A transaction claims up to 50 due subscriptions and runs them set-based (scheduler-step.ts): about
 * 430 steps/s against 30 one subscription per transaction, measured on a busy 2-core machine (2,000
 * due email steps, load average 8). If a batch fails, its subscriptions are retried one per
 * transaction, so one bad subscription stops alone. When idle the loop polls every `POLL_MS`: steps are due at times set well in advance, so a
 * second's latency is invisible next to delays of hours.
 */
import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import { recordEvent } from '../events/record-event.ts';
import type { Clock } from '../time.ts';
import { signingSecret } from '../unsubscribe-links/secret.ts';
import type { BackgroundWorker, WorkerDeps } from '../worker/registry.ts';
import { sequenceSteps } from '../metrics/instruments.ts';
import { runDueSteps, type StepContext, type StepResult } from './scheduler-step.ts';
import { subscriptionResponse, type SubscriptionRow } from './subscription-repository.ts';

export const POLL_MS = 1000;

export interface SchedulerDeps {
  readonly db: Db;
  readonly config: Pick<Config, 'publicUrl' | 'secretKey' | 'dataDir' | 'templates'>;
  readonly clock: Clock;
  /** Each committed batch is logged (debug) with its subscriptions' ids and results; failures at warn. */
  readonly log?: Logger;
}

export interface SchedulerOptions {
  /** Most subscriptions handled in this call (default 500). */
  readonly limit?: number;
  /** Subscriptions claimed per transaction (default 50). */
  readonly batchSize?: number;
  /** Test seam: runs inside each batch's transaction just before it commits. */
  readonly beforeCommit?: (results: ReadonlyMap<string, StepResult>) => Promise<void>;
}

async function claimDue(trx: Db, now: Date, max: number, onlyId?: string): Promise<SubscriptionRow[]> {
  const result = await sql<SubscriptionRow>`
    SELECT s.* FROM sequence_subscriptions s
      JOIN sequences q ON q.organization_id = s.organization_id AND q.id = s.sequence_id
     WHERE s.status = 'active' AND s.date_deleted IS NULL AND s.next_step_at <= ${now}
       AND q.status = 'active' ${onlyId === undefined ? sql`` : sql`AND s.id = ${onlyId}`}
     ORDER BY s.next_step_at
     LIMIT ${max}
       FOR UPDATE OF s SKIP LOCKED`.execute(trx);
  return result.rows;
}

/**
 * Runs every step due at `deps.clock.now()` (up to `limit`), a batch per transaction; returns how
 * many subscriptions it handled. Tests drive sequences with a ManualClock through this.
 */
export async function runSchedulerOnce(deps: SchedulerDeps, options: SchedulerOptions = {}): Promise<number> {
  const limit = options.limit ?? 500;
  const batchSize = options.batchSize ?? 50;
  const secret = await signingSecret(deps.config);
  let handled = 0;
  while (handled < limit) {
    const now = deps.clock.now();
    const ctx = { now, publicUrl: deps.config.publicUrl, secret, templateLimits: deps.config.templates };
    let claimedIds: string[] = [];
    let committed: ReadonlyMap<string, StepResult> = new Map();
    try {
      const n = await deps.db.transaction().execute(async (trx) => {
        const subs = await claimDue(trx, now, Math.min(batchSize, limit - handled));
        claimedIds = subs.map((s) => s.id);
        if (subs.length === 0) return 0;
        const results = await runDueSteps(trx, subs, ctx);
        await options.beforeCommit?.(results);
        committed = results;
        return subs.length;
      });
      noteSteps(deps.log, committed);
      if (n === 0) break;
      handled += n;
    } catch (error) {
      if (claimedIds.length === 0) throw error;
      // One bad subscription (a template failing at render time, say) must not hold back the rest
      // of its batch, nor be claimed first again on every pass: retry the batch one by one.
      for (const id of claimedIds) await runOne(deps, id, ctx, options);
      handled += claimedIds.length;
    }
  }
  return handled;
}

/** Counts and logs the steps of a committed transaction, by subscription id. */
function noteSteps(log: Logger | undefined, results: ReadonlyMap<string, StepResult>): void {
  if (results.size === 0) return;
  for (const result of results.values()) sequenceSteps.inc({ result });
  log?.debug({ subscriptions: Object.fromEntries(results), n: results.size }, 'sequence steps run');
}

/** Runs one subscription's due step alone; a failure stops that subscription with the reason. */
async function runOne(deps: SchedulerDeps, id: string, ctx: StepContext, options: SchedulerOptions): Promise<void> {
  try {
    const results = await deps.db.transaction().execute(async (trx) => {
      const subs = await claimDue(trx, ctx.now, 1, id);
      if (subs.length === 0) return new Map<string, StepResult>();
      const run = await runDueSteps(trx, subs, ctx);
      await options.beforeCommit?.(run);
      return run;
    });
    noteSteps(deps.log, results);
  } catch (error) {
    deps.log?.warn({ err: error, subscription_id: id }, 'sequence step failed; subscription stopped');
    await markFailed(deps.db, id, ctx.now, error);
  }
}

async function markFailed(db: Db, subscriptionId: string, now: Date, error: unknown): Promise<void> {
  const message = error instanceof Error ? error.message : String(error);
  await db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable('sequence_subscriptions')
      .set({ status: 'error', status_reason: 'internal-error', error_message: message.slice(0, 1000), next_step_at: null, date_updated: now })
      .where('id', '=', subscriptionId)
      .where('status', '=', 'active')
      .returningAll()
      .executeTakeFirst();
    if (!row) return;
    // As the scheduler's other stops (scheduler-step.ts): the subscription ended, with why.
    await recordEvent(trx, {
      organizationId: row.organization_id,
      objectType: 'sequence_subscription',
      objectId: row.id,
      leadId: row.lead_id,
      action: 'updated',
      changedFields: ['status', 'status_reason'],
      data: subscriptionResponse(row),
      previousData: { status: 'active', status_reason: null },
      at: now,
    });
  });
}

/** The long-running scheduler `sluice serve` starts in the worker role. */
export function createSequenceScheduler(deps: WorkerDeps): BackgroundWorker {
  const log = deps.log.child({ worker: 'sequence-scheduler' });
  let running = false;
  let loop: Promise<void> | undefined;
  let wake: (() => void) | undefined;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  async function run(): Promise<void> {
    while (running) {
      let handled = 0;
      try {
        handled = await runSchedulerOnce({ ...deps, log }, { limit: 100 });
      } catch (error) {
        log.error({ err: error }, 'sequence scheduler pass failed');
      }
      if (running && handled === 0) await sleep(POLL_MS);
    }
  }

  return {
    name: 'sequence-scheduler',
    async start() {
      running = true;
      loop = run();
    },
    async stop() {
      running = false;
      wake?.();
      await loop;
    },
  };
}
