/**
 * The bulk-action worker that `sluice serve` runs (role worker or all). It runs up to
 * `concurrency` actions at once, each in its own runner, and sends pending done emails.
 *
 * Waking: a dedicated connection LISTENs on `sluice_bulk`; creating or resuming an action
 * NOTIFYs in its transaction, so an idle worker starts a new action well within a second of the
 * commit. A slow poll (POLL_MS) is the fallback for a lost connection and is also how a lapsed lease
 * of a dead worker is noticed: takeover happens within BULK_LEASE_SECONDS + POLL_MS.
 */
import { randomBase62 } from '../ids.ts';
import { createSystemMailer, type SystemMailer } from '../mailer/system-mailer.ts';
import { createListener } from '../worker/listener.ts';
import type { BackgroundWorker, WorkerDeps } from '../worker/registry.ts';
import { claimAction } from './claim.ts';
import { sendPendingDoneEmails } from './done-email.ts';
import { runAction } from './runner.ts';
import { BULK_CHANNEL } from './state-machine.ts';

/** Fallback poll: how soon a lapsed lease or a missed notification is noticed. */
const POLL_MS = 2000;
const RECONNECT_MS = 1000;

export interface BulkWorkerOptions {
  /** Actions run at once by this process (default 4). */
  readonly concurrency?: number;
  readonly pollMs?: number;
  readonly workerId?: string;
  readonly mailer?: SystemMailer;
}

/** Creates the bulk-action worker over `deps`. */
export function createBulkActionWorker(deps: WorkerDeps, options: BulkWorkerOptions = {}): BackgroundWorker {
  const workerId = options.workerId ?? `bulkworker_${process.pid}_${randomBase62(8)}`;
  const concurrency = options.concurrency ?? 4;
  const pollMs = options.pollMs ?? POLL_MS;
  const mailer = options.mailer ?? createSystemMailer(deps.config);
  const log = deps.log.child({ worker: 'bulk-actions', worker_id: workerId });
  /** The runner of each action this worker is running, by action id. */
  const running = new Map<string, Promise<void>>();
  let stopping = false;
  let loop: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  let woken = false;

  const poke = () => {
    woken = true;
    wake?.();
  };

  const listener = createListener({ connectionString: deps.connectionString, channel: BULK_CHANNEL, onNotify: poke, log, retryMs: RECONNECT_MS });

  const idle = () =>
    new Promise<void>((resolve) => {
      if (woken || stopping) return resolve();
      const timer = setTimeout(resolve, pollMs);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const runLoop = async () => {
    while (!stopping) {
      woken = false;
      try {
        await sendPendingDoneEmails(deps.db, mailer, { config: deps.config, now: deps.clock.now() }, log);
        while (!stopping && running.size < concurrency) {
          const claimed = await claimAction(deps.db, workerId, deps.config, deps.clock, [...running.keys()], log);
          if (!claimed) break;
          const task: Promise<void> = runAction(
            { db: deps.db, config: deps.config, clock: deps.clock, log, workerId, stopping: () => stopping },
            claimed,
          ).finally(() => {
            running.delete(claimed.id);
            poke();
          });
          running.set(claimed.id, task);
        }
      } catch (error) {
        log.error({ err: error }, 'bulk worker loop error');
      }
      await idle();
      wake = undefined;
    }
  };

  return {
    name: 'bulk-actions',
    async start() {
      await listener.start();
      loop = runLoop();
    },
    async stop() {
      stopping = true;
      poke();
      await loop;
      await Promise.all(running.values());
      await listener.stop();
    },
  };
}
