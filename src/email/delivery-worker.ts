/**
 * The delivery worker. A message moves through:
 *
 *   outbox ──claim──▶ sending ──▶ sent
 *     ▲                  │  ├──▶ error     (5xx: refused for good, or attempts exhausted)
 *     └──── backoff ─────┘  └──▶ unknown   (lease lapsed: the worker died mid-send; never re-sent)
 *
 * The claim (claim.ts) commits `sending` before any SMTP traffic, so whatever happens next a
 * message reaches the server at most once. Up to `maxInFlight` messages are on the wire at once
 * over each account's SMTP pool, each message built as one buffer (compose.ts). Outcomes are
 * written back in batches (record-results.ts), one write at a time, each taking the outcomes known
 * when it starts (`flushMs` after the first, at once when many wait): that keeps a crash's `unknown`
 * set small while costing a few statements per batch rather than per message, and a slow database
 * gets bigger batches rather than a queue of small ones. A heartbeat extends the lease of messages still in flight
 * (every lease/3), and a reaper pass (reaper.ts) runs every few seconds.
 *
 * Workers sleep until `NOTIFY sluice_email` (sent by enqueueEmail at commit) or a 1 s poll (which
 * also picks up retries and deferred mail whose time has come).
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { createListener } from '../worker/listener.ts';
import { createWaker } from '../worker/waker.ts';
import type { BackgroundWorker, WorkerDeps } from '../worker/registry.ts';
import { signingSecret } from '../unsubscribe-links/secret.ts';
import { claimBatch } from './claim.ts';
import { composeMessage } from './compose.ts';
import { EMAIL_NOTIFY_CHANNEL } from './enqueue.ts';
import { reapDeliveries } from './reaper.ts';
import { noteAccountError, recordResults, type SendResult } from './record-results.ts';
import { classifyError, type SendOutcome } from './send-outcome.ts';
import { failingTransport } from './failing-transport.ts';
import { TransportCache, type MailTransport } from './transports.ts';
import { keyringFor } from '../secrets/keyring.ts';
import { OutboundGuard } from '../net/outbound-guard.ts';
import { sql } from 'kysely';
import { emailSends } from '../metrics/instruments.ts';

/** Outcomes written per statement at most, and the count that writes them without waiting for flushMs. */
const FLUSH_MAX = 1000;
const FLUSH_AT = 500;

/**
 * Messages on the wire (or queued in the SMTP pool) at once by default: 40 per connection. A
 * claim is taken when half of this is free. 80 per connection was tried so that the other half
 * keeps the connections busy while a claim's transaction runs (100-170 ms on a loaded database);
 * on the shared 2-core machine it did not measure better, and two of three runs had claims of up
 * to 400 rows taking seconds (max 16.7 s) with long tails, so it stays at 40 until measured quietly.
 */
export function defaultMaxInFlight(smtpConnections: number): number {
  return smtpConnections * 40;
}

export interface DeliveryWorkerOptions {
  /** Messages on the wire at once in this process. */
  readonly maxInFlight?: number;
  /** Messages claimed per claim transaction. */
  readonly claimBatchSize?: number;
  readonly pollMs?: number;
  readonly reapEveryMs?: number;
  /** Outcomes are written back at most this long after they are known. */
  readonly flushMs?: number;
}

/** Creates the email delivery worker (one per process; any number of processes). */
export function createEmailDeliveryWorker(deps: WorkerDeps, options: DeliveryWorkerOptions = {}): BackgroundWorker {
  const { db, config } = deps;
  const workerId = `dw_${process.pid}_${randomBytes(6).toString('hex')}`;
  const log = deps.log.child({ worker: 'email-delivery', worker_id: workerId });
  const maxInFlight = options.maxInFlight ?? defaultMaxInFlight(config.email.smtpConnections);
  // A claim is a transaction whatever its size: claim up to everything the wire has room for.
  const claimSize = options.claimBatchSize ?? maxInFlight;
  const pollMs = options.pollMs ?? 1000;
  const reapEveryMs = options.reapEveryMs ?? 5000;
  const flushMs = options.flushMs ?? 100;
  const transports = new TransportCache(path.join(config.dataDir, 'outbox'), config.email.smtpConnections, OutboundGuard.forConfig(config), keyringFor(config));

  let running = false;
  let loop: Promise<void> | undefined;
  const timers: NodeJS.Timeout[] = [];
  const inFlight = new Set<Promise<void>>();
  const pending: SendResult[] = [];
  let flushTimer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> | undefined;

  const waker = createWaker();
  const sleep = waker.sleep;

  const writeOut = async (batch: SendResult[]): Promise<void> => {
    for (let attempt = 0; ; attempt += 1) {
      try {
        await recordResults(db, workerId, batch, config.email);
        return;
      } catch (error) {
        // The outcome must not be lost (a sent message would end `unknown`); retry while alive.
        log.error({ err: error, attempt }, 'email delivery: could not record results; retrying');
        await new Promise((r) => setTimeout(r, Math.min(5000, 200 * 2 ** attempt)));
      }
    }
  };

  // One write at a time, taking every outcome known when it starts: while the database is slow,
  // outcomes gather into the next batch instead of queueing as many small transactions.
  const flush = (): Promise<void> => {
    if (flushTimer) clearTimeout(flushTimer);
    flushTimer = undefined;
    if (flushing) return flushing;
    if (pending.length === 0) return Promise.resolve();
    const batch = pending.splice(0, FLUSH_MAX);
    flushing = writeOut(batch).finally(() => {
      flushing = undefined;
      if (pending.length >= FLUSH_AT) void flush();
      else if (pending.length > 0) flushTimer ??= setTimeout(() => void flush(), flushMs);
    });
    return flushing;
  };

  /** Writes every outcome known (stop). */
  const drain = async (): Promise<void> => {
    while (flushing || pending.length > 0) await flush();
  };

  /** Counts and logs one send (sent at debug: one line per message; a failure at info). */
  const note = (result: SendResult) => {
    const { outcome } = result;
    const attempt = result.previousAttempts + 1;
    const label = outcome.kind === 'sent' ? 'sent' : outcome.kind === 'permanent' ? 'rejected' : attempt >= config.email.maxAttempts ? 'failed' : 'retry';
    emailSends.inc({ outcome: label });
    const fields = { email_id: result.id, account_id: result.accountId, attempt, outcome: label };
    if (outcome.kind === 'sent') log.debug(fields, 'email sent');
    else log.info({ ...fields, smtp_code: outcome.code, reason: outcome.reason }, 'email not sent');
  };

  const report = (result: SendResult) => {
    note(result);
    pending.push(result);
    if (pending.length >= FLUSH_AT) void flush();
    else flushTimer ??= setTimeout(() => void flush(), flushMs);
  };

  const secretPromise = () => signingSecret(config);

  const claimAndSend = async (): Promise<boolean> => {
    const room = Math.min(claimSize, maxInFlight - inFlight.size);
    // Claiming costs a transaction whatever its size: wait for room for a useful batch.
    if (room < Math.ceil(Math.min(claimSize, maxInFlight) / 2)) return false;
    const claim = await claimBatch(db, workerId, room, config.email.leaseSeconds);
    if (!claim) return false;
    if (claim.messages.length === 0) return true;
    log.debug({ account_id: claim.account.id, n: claim.messages.length }, 'email delivery: claimed');
    const secret = await secretPromise();
    let transport: MailTransport;
    try {
      transport = transports.get(claim.account);
    } catch (error) {
      // Above all a password that cannot be decrypted: a failed send per message, not a failed claim.
      // The reason is stored where the tenant reads it (latest_send_error), so it says what to do
      // without the key file's path or key ids; the operator gets those in the log.
      log.error({ err: error, account: claim.account.id }, 'email delivery: cannot use the stored SMTP credentials');
      transport = failingTransport(
        new Error('The stored SMTP password of this account cannot be read by this server (its secret key differs); ask the operator, or enter the password again.'),
      );
    }
    for (const row of claim.messages) {
      const previousAttempts = (row.send_attempts ?? []).length;
      const task = (async () => {
        let outcome: SendOutcome;
        try {
          const { activityId, envelope, raw } = await composeMessage(row, config.publicUrl, secret);
          // messageId: the one `raw` carries. Without it nodemailer makes up a random one for a raw
          // message (never written into it), 2% of the delivery thread's time in a profile.
          const response = await transport.send({ activityId, envelope, raw, messageId: row.message_id });
          outcome = { kind: 'sent', response: response.slice(0, 500) };
        } catch (error) {
          outcome = classifyError(error);
        }
        report({ id: row.id, accountId: claim.account.id, previousAttempts, outcome, at: new Date(), paced: claim.account.min_delay_seconds > 0 });
        const accountError = outcome.kind === 'sent' ? null : outcome.kind === 'transient' || outcome.account ? outcome.reason : undefined;
        if (accountError !== undefined && (accountError !== null || claim.account.latest_send_error !== null)) {
          await noteAccountError(db, claim.account.id, accountError).catch(() => {});
        }
      })();
      inFlight.add(task);
      void task.finally(() => {
        inFlight.delete(task);
        waker.wake();
      });
    }
    return true;
  };

  const run = async () => {
    while (running) {
      let found = false;
      try {
        found = await claimAndSend();
      } catch (error) {
        log.error({ err: error }, 'email delivery: claim failed');
        await sleep(1000);
        continue;
      }
      if (!running) break;
      if (maxInFlight - inFlight.size < Math.ceil(Math.min(claimSize, maxInFlight) / 2)) await Promise.race(inFlight);
      else if (!found) await sleep(pollMs);
    }
  };

  const listener = createListener({ connectionString: deps.connectionString, channel: EMAIL_NOTIFY_CHANNEL, onNotify: () => waker.wake(), log });

  return {
    name: 'email-delivery',
    async start() {
      running = true;
      await listener.start();
      timers.push(
        setInterval(() => {
          // Rows locked now are being written back (or reaped): they are leaving `sending`, and
          // waiting for them would only hold this worker's other rows.
          void sql`UPDATE email_activities SET lease_expires_at = now() + make_interval(secs => ${config.email.leaseSeconds})
                   WHERE id IN (SELECT id FROM email_activities WHERE status = 'sending' AND claimed_by = ${workerId} FOR UPDATE SKIP LOCKED)`
            .execute(db)
            .catch((error) => log.warn({ err: error }, 'email delivery: heartbeat failed'));
        }, Math.max(250, (config.email.leaseSeconds * 1000) / 3)),
        setInterval(() => {
          void reapDeliveries(db, log)
            .catch((error) => log.warn({ err: error }, 'email delivery: reaper failed'));
        }, reapEveryMs),
      );
      for (const timer of timers) timer.unref();
      void reapDeliveries(db, log).catch(() => {});
      loop = run();
    },
    async stop() {
      running = false;
      waker.wake();
      await loop;
      await Promise.allSettled([...inFlight]);
      await drain();
      for (const timer of timers) clearInterval(timer);
      transports.closeAll();
      await listener.stop();
    },
  };
}
