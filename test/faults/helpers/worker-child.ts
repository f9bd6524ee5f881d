/**
 * Every background worker of `sluice serve --role worker` (bulk actions and exports, sequence steps,
 * email and webhook delivery) in one process, as the fault tests kill it:
 * `node --import tsx test/faults/helpers/worker-child.ts` with DATABASE_URL and the usual settings.
 * Prints `ready` once all run (see CHILD_WAIT_START below). Polls and reaps more often than the defaults so a takeover after a
 * SIGKILL costs the lease, not the poll interval. CHILD_COMMIT_HANDSHAKE=1 holds each COMMIT until
 * the parent writes a line (test/helpers/hold-commits.ts), to kill inside or right after a batch.
 */
import { createInterface } from 'node:readline';
import pino from 'pino';
import { createBulkActionWorker } from '../../../src/bulk-actions/worker.ts';
import { loadConfig } from '../../../src/config.ts';
import { connect } from '../../../src/db/database.ts';
import { createEmailDeliveryWorker } from '../../../src/email/delivery-worker.ts';
import { createSequenceScheduler } from '../../../src/sequences/scheduler.ts';
import { systemClock } from '../../../src/time.ts';
import { createWebhookDeliveryWorker } from '../../../src/webhooks/delivery-worker.ts';
import { holdCommits } from '../../helpers/hold-commits.ts';

const connectionString = process.env.DATABASE_URL!;
const handles = connect(connectionString, 8);
let held = process.env.CHILD_COMMIT_HANDSHAKE === '1';
holdCommits(handles.pool, { handshake: true, delayMs: 0, enabled: () => held });
const id = process.env.CHILD_WORKER_ID ?? `faults-${process.pid}`;
const deps = { db: handles.db, pool: handles.pool, config: loadConfig(process.env), clock: systemClock, log: pino({ level: 'silent' }), connectionString };
const workers = [
  createBulkActionWorker(deps, { workerId: id, pollMs: 200 }),
  createSequenceScheduler(deps),
  createEmailDeliveryWorker(deps, { pollMs: 100, reapEveryMs: 250 }),
  createWebhookDeliveryWorker(deps, { workerId: id, pollMs: 100, reapEveryMs: 250 }),
];
// With CHILD_WAIT_START=1 the process loads, says `ready` and starts its workers only on a `start`
// line (`start-held`: with the commit handshake): a test keeps one waiting, so the next kill round
// does not pay for a process start.
if (process.env.CHILD_WAIT_START === '1') {
  process.stdout.write('ready\n');
  await new Promise<void>((resolve) =>
    createInterface({ input: process.stdin }).on('line', (line) => {
      if (line !== 'start' && line !== 'start-held') return;
      held = line === 'start-held';
      resolve();
    }),
  );
}
for (const worker of workers) await worker.start();
process.stdout.write(process.env.CHILD_WAIT_START === '1' ? 'started\n' : 'ready\n');
process.on('SIGTERM', () => {
  void Promise.all(workers.map((w) => w.stop())).then(() => handles.end()).then(() => process.exit(0));
});
