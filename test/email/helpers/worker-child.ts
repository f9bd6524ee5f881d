/**
 * A delivery worker in its own process, for the crash and sending-limit tests: connects to
 * SLUICE_CHILD_DB_URL, takes its configuration from the environment, prints "ready" and runs until
 * killed (SIGKILL in the crash test) or SIGTERM (graceful stop).
 */
import pino from 'pino';
import { loadConfig } from '../../../src/config.ts';
import { connect } from '../../../src/db/database.ts';
import { createEmailDeliveryWorker } from '../../../src/email/delivery-worker.ts';
import { systemClock } from '../../../src/time.ts';

const url = process.env.SLUICE_CHILD_DB_URL;
if (!url) throw new Error('SLUICE_CHILD_DB_URL is required');
const handles = connect(url, 5);
const worker = createEmailDeliveryWorker(
  { db: handles.db, pool: handles.pool, config: loadConfig(), clock: systemClock, log: pino({ level: 'silent' }), connectionString: url },
  { pollMs: 50, reapEveryMs: 250, maxInFlight: Number(process.env.CHILD_MAX_IN_FLIGHT ?? 100) },
);
await worker.start();
process.stdout.write('ready\n');
process.on('SIGTERM', () => {
  void worker.stop().then(() => handles.end()).then(() => process.exit(0));
});
