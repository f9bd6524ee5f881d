/**
 * Within one process, bulk-action batches go before webhook deliveries. Both are background work
 * on the same cores (and PostgreSQL's): sending a delivery costs CPU for the event's JSON, its
 * signature and the HTTP exchange, and a bulk edit fanning out to busy subscriptions was measured
 * at twice its time alone on a 2-core machine (BENCHMARKS.md, bench:webhooks) although it never
 * waits on a receiver. So while this process runs a batch, a webhook lane sends at most one claimed
 * batch per WEBHOOK_BULK_YIELD_MS, and catches up at full speed once no batch runs. The trade-off:
 * webhook latency during bulk actions, for bulk throughput; a process with no bulk work delivers
 * as before, and so does any other process sharing the database.
 *
 * Why 5 s by default: each delivery costs CPU in this process (about 0.7 ms), in PostgreSQL and in
 * the receiver. On 2 cores, five alternating pairs of a 100,000-lead edit (bench:webhooks) took
 * 1.16x their time without webhooks at 1 s (the lanes sent about 2,600 events during each edit),
 * 1.06x at 5 s (about 700), within the spread of the edits without webhooks; 1.00x (ratio of the
 * medians) in five more pairs once deliveries followed the log's order. Longer holds the
 * events of quiet subscriptions for longer and gains little: the backlog a bulk action makes is
 * sent after it either way, at full speed.
 *
 * Process-local on purpose: it needs no round trip, and what competes for this process's CPU is
 * this process's work.
 */

let running = 0;
let idleWaiters: (() => void)[] = [];

/** Marks a bulk batch as running in this process until the returned function is called. */
export function bulkBatchStarted(): () => void {
  running += 1;
  let done = false;
  return () => {
    if (done) return;
    done = true;
    running -= 1;
    if (running === 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const wake of waiters) wake();
    }
  };
}

/** Whether a bulk batch is running in this process. */
export function bulkBusy(): boolean {
  return running > 0;
}

/** Resolves once no bulk batch runs in this process, or after `maxWaitMs` (0: at once). */
export async function yieldToBulk(maxWaitMs: number): Promise<void> {
  if (running === 0 || maxWaitMs <= 0) return;
  await new Promise<void>((resolve) => {
    const wake = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      idleWaiters = idleWaiters.filter((w) => w !== wake);
      resolve();
    }, maxWaitMs);
    timer.unref();
    idleWaiters.push(wake);
  });
}
