/**
 * A webhook delivery worker in its own process, for the SIGKILL test:
 * `node --import tsx test/webhooks/worker-child.ts` with DATABASE_URL set to the test database and
 * the WEBHOOK_* / OUTBOUND_ALLOW_HOSTS variables. Prints `ready` once running.
 */
import pino from 'pino';
import { loadConfig } from '../../src/config.ts';
import { connect } from '../../src/db/database.ts';
import { systemClock } from '../../src/time.ts';
import { createWebhookDeliveryWorker } from '../../src/webhooks/delivery-worker.ts';

const connectionString = process.env.DATABASE_URL!;
const handles = connect(connectionString, 4);
const worker = createWebhookDeliveryWorker(
  { db: handles.db, pool: handles.pool, config: loadConfig(process.env), clock: systemClock, log: pino({ level: 'silent' }), connectionString },
  { workerId: process.env.CHILD_WORKER_ID, pollMs: 100, reapEveryMs: 1000 },
);
await worker.start();
process.stdout.write('ready\n');
process.on('SIGTERM', () => {
  void worker.stop().then(() => handles.end()).then(() => process.exit(0));
});
