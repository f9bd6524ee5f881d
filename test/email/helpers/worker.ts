/** Runs an email delivery worker in the test process over a test database. */
import pino from 'pino';
import type { Config } from '../../../src/config.ts';
import { createEmailDeliveryWorker, type DeliveryWorkerOptions } from '../../../src/email/delivery-worker.ts';
import { systemClock } from '../../../src/time.ts';
import type { BackgroundWorker } from '../../../src/worker/registry.ts';
import { onTestFileEnd, type TestDatabase } from '../../helpers/db.ts';

/** Starts a worker; it is stopped when the test file ends (or earlier with `stop`). */
export async function startWorker(database: TestDatabase, config: Config, options: DeliveryWorkerOptions = {}): Promise<BackgroundWorker> {
  const worker = createEmailDeliveryWorker(
    { db: database.db, pool: database.pool, config, clock: systemClock, log: pino({ level: 'silent' }), connectionString: database.connectionString },
    { pollMs: 100, reapEveryMs: 250, ...options },
  );
  await worker.start();
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await worker.stop();
  };
  onTestFileEnd(stop);
  return { name: worker.name, start: () => worker.start(), stop };
}
