/**
 * A test app with a ManualClock, a real SMTP server (smtp-sink) and the real email delivery worker,
 * plus ways to drive the sequence scheduler and the bulk engine deterministically.
 */
import pino from 'pino';
import { claimAction } from '../../src/bulk-actions/claim.ts';
import { runAction } from '../../src/bulk-actions/runner.ts';
import { createEmailDeliveryWorker } from '../../src/email/delivery-worker.ts';
import { runSchedulerOnce } from '../../src/sequences/scheduler.ts';
import { ManualClock } from '../../src/time.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { onTestFileEnd } from '../helpers/db.ts';
import { SmtpSink, waitFor } from '../email/helpers/smtp-sink.ts';

export interface SequenceHarness {
  readonly t: TestApp;
  readonly clock: ManualClock;
  readonly smtp: SmtpSink;
  /** Runs every sequence step due at the clock's time; returns how many subscriptions were handled. */
  runScheduler(): Promise<number>;
  /** Runs every runnable bulk action to its end. */
  drainBulk(): Promise<void>;
  /** Waits until the SMTP server has received `n` messages in all. */
  waitForMail(n: number): Promise<void>;
}

const silent = pino({ level: 'silent' });

/** Builds the harness; everything stops when the test file ends. */
export async function createSequenceHarness(start: string | Date): Promise<SequenceHarness> {
  const clock = new ManualClock(start);
  // The SMTP sink listens on loopback, which tenants' connections may only reach when allowed.
  const t = await createTestApp({ clock, env: { OUTBOUND_ALLOW_HOSTS: '127.0.0.1' } });
  const smtp = new SmtpSink();
  await smtp.start();
  const delivery = createEmailDeliveryWorker(
    { db: t.db, pool: t.pool, config: t.config, clock, log: silent, connectionString: t.connectionString },
    { pollMs: 50 },
  );
  await delivery.start();
  onTestFileEnd(async () => {
    await delivery.stop();
    await smtp.stop();
  });
  return {
    t,
    clock,
    smtp,
    runScheduler: () => runSchedulerOnce({ db: t.db, config: t.config, clock }),
    async drainBulk() {
      for (;;) {
        const row = await claimAction(t.db, 'test-worker', t.config, clock);
        if (!row) return;
        await runAction({ db: t.db, config: t.config, clock, log: silent, workerId: 'test-worker', stopping: () => false }, row);
      }
    },
    waitForMail: (n) => waitFor(() => smtp.received.length >= n, 15000, `${n} messages`),
  };
}
