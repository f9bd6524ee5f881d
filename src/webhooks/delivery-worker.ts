/**
 * Webhook delivery. A delivery (one event for one subscription) moves through:
 *
 *   pending ──claim──▶ sending ──▶ delivered
 *      ▲                  │  ├──▶ failed     (still failing WEBHOOK_RETRY_WINDOW_SECONDS after its first attempt)
 *      └──── backoff ─────┤  ├──▶ filtered   (extra_filter said no; nothing sent)
 *      └──── released ────┘  └──▶ expired    (the event left the log before it could be sent)
 *   sending, worker died ──(lease lapses)──▶ claimed again and re-sent
 *
 * and a subscription through `active ⇄ paused` (by its owner's PUT, or by itself: auto-pause.ts).
 * Before it is `pending`, an event waits in the subscription's inbox.
 *
 * Where the work comes from. Every event is inserted by SQL somewhere (recordEvents, and set-wise
 * by the bulk edit and lead delete statements), so the fan-out is in the database: a
 * statement-level AFTER INSERT trigger on `events` (migrations 0016, 0019) writes, per matching
 * active subscription, one `webhook_inbox` row holding the statement's matching event ids, in the
 * transaction that records the events. That makes the work exist exactly when its events do (no
 * scan of the log with a time cursor, which would miss events whose date_updated commits out of
 * order: src/events/event-page.ts), and costs one index probe per statement for organizations
 * without webhooks. The lease holder turns inbox rows into deliveries (drain-inbox.ts, in its
 * claim) once fewer than a claim's worth are left. A bulk edit's batch pays for one inbox row per
 * subscription and nothing else: it never waits on a receiver.
 *
 * Why an inbox and not a delivery row per event, as 0016 first did: those rows were written inside
 * the bulk edit's batches, 2,000 rows and 6,000 index entries for a batch of 1,000 leads with two
 * subscriptions. One INSERT of 1,000 events took 14.2 ms with no active webhook and 31.9 ms with
 * two subscriptions (2.2x); with the inbox, two rows, 1.04 to 1.06x against 1.96 to 2.10x for
 * 0016's trigger measured side by side (migration 0019). The delivery rows are still written, by
 * the worker in a transaction of its own (about 17 ms for a 1,000-event row on that busy machine),
 * and a lane in a process running bulk batches yields to those batches. The price: events in the
 * inbox are not in the delivery log (GET /webhook/{id}/deliveries/) until they are drained, and the
 * backlog count (reaper.ts) reads two tables.
 *
 * Order and bounds. A worker takes a whole subscription under a lease (claim.ts;
 * WEBHOOK_LEASE_SECONDS, 30 s, renewed every 10 s) and runs it in a lane of its own, so a slow
 * receiver holds only its own lane (WEBHOOK_WORKER_LANES lanes per process). A lane claims the
 * next 100 deliveries in order and POSTs them, WEBHOOK_MAX_IN_FLIGHT at once (default 1: strictly
 * one after the other, in event order); when one fails, none after it is sent until it is
 * delivered or given up (its retry holds the subscription). Outcomes are written per claimed batch;
 * a worker killed in between re-sends at most the batch it held (`sending` rows): at least once.
 *
 * "Event order" is the log's, (date_updated, id), across transactions too: the deliveries' ids are
 * the order they are sent in, and a drain creates them from inbox rows by their events' stamp,
 * taking only rows stamped below the log's visibility horizon, so a transaction that began earlier
 * but commits later is not overtaken (drain-inbox.ts). Statements that stamp their events
 * differently from one another and overlap in time would still interleave in the log; every writer
 * of Sluice stamps a statement's events once (recordEvents, and the bulk edit's and the delete's
 * statements: edit-batch.ts, delete-event-sql.ts).
 *
 * Wake-up: the trigger NOTIFYs `sluice_webhooks` at commit; a 1 s poll covers retries coming due
 * and a lost LISTEN connection.
 */
import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import { sql } from 'kysely';
import { createListener } from '../worker/listener.ts';
import { createWaker } from '../worker/waker.ts';
import { yieldToBulk } from '../worker/bulk-priority.ts';
import type { BackgroundWorker, WorkerDeps } from '../worker/registry.ts';
import { eventLogColumns, eventResponse, type EventLogRow } from '../events/serialize.ts';
import { OutboundGuard } from '../net/outbound-guard.ts';
import { keyringFor } from '../secrets/keyring.ts';
import { openSecret } from '../secrets/sealed-secret.ts';
import { WEBHOOK_KEY_CONTEXT } from '../secrets/stored-secrets.ts';
import type { Db } from '../db/database.ts';
import type { WebhookEventSpec } from '../db/schema.ts';
import { claimDeliveries, claimSubscriptions, type ClaimedDelivery } from './claim.ts';
import { matchesFilter, type ExtraFilter } from './extra-filter.ts';
import { pauseOverBacklog, pruneDeliveries } from './reaper.ts';
import { repairFanOut } from './fan-out-switch.ts';
import { recordOutcomes, type Outcome } from './record-outcomes.ts';
import { agentFor, postWebhook } from './send.ts';
import type { WebhookRow } from './serialize.ts';
import { signatureHeaders } from './signature.ts';
import { webhookDeliveries } from '../metrics/instruments.ts';

export const WEBHOOK_NOTIFY_CHANNEL = 'sluice_webhooks';

/** Deliveries a lane claims at once: the most a crash can make it send twice. */
const CLAIM_BATCH = 100;
/**
 * A lane gives its subscription back after this long (and claims again): with more subscriptions
 * due than WEBHOOK_WORKER_LANES, the others get their turn (claims take the longest-waiting first).
 */
const LANE_TURN_MS = 30_000;

export interface WebhookWorkerOptions {
  readonly workerId?: string;
  readonly pollMs?: number;
  readonly reapEveryMs?: number;
  /** Deliveries claimed per batch (CLAIM_BATCH). */
  readonly claimBatch?: number;
  /** How long a lane keeps its subscription before giving it back (LANE_TURN_MS). */
  readonly laneTurnMs?: number;
}

/** Whether `event` passes the subscription's entries for its object_type and action. */
function wanted(specs: readonly WebhookEventSpec[], event: Record<string, unknown>): boolean {
  const entries = specs.filter((s) => s.object_type === event.object_type && s.action === event.action);
  return entries.some((s) => s.extra_filter === undefined || matchesFilter(s.extra_filter as ExtraFilter, event));
}

async function loadEvents(db: Db, organizationId: string, ids: readonly string[]): Promise<Map<string, Record<string, unknown>>> {
  const { rows } = await sql<EventLogRow>`
    SELECT ${eventLogColumns} FROM events e
    WHERE e.organization_id = ${organizationId} AND e.id = ANY(${ids as string[]}::text[])`.execute(db);
  return new Map(rows.map((row) => [row.id, eventResponse(row)]));
}

/** Creates the webhook delivery worker (one per process; any number of processes). */
export function createWebhookDeliveryWorker(deps: WorkerDeps, options: WebhookWorkerOptions = {}): BackgroundWorker {
  const { db, config, clock } = deps;
  const settings = config.webhooks;
  const workerId = options.workerId ?? `wh_${process.pid}_${randomBytes(6).toString('hex')}`;
  const log = deps.log.child({ worker: 'webhook-delivery', worker_id: workerId });
  const pollMs = options.pollMs ?? 1000;
  const reapEveryMs = options.reapEveryMs ?? 5000;
  const claimBatch = options.claimBatch ?? CLAIM_BATCH;
  const laneTurnMs = options.laneTurnMs ?? LANE_TURN_MS;
  const guard = OutboundGuard.forConfig(config);
  const keyring = keyringFor(config);

  let running = false;
  let loop: Promise<void> | undefined;
  const timers: NodeJS.Timeout[] = [];
  /** Lanes by subscription id. */
  const lanes = new Map<string, Promise<void>>();
  /** Subscriptions whose lease this worker no longer holds (heartbeat found them gone). */
  const lost = new Set<string>();

  const waker = createWaker();
  const sleep = waker.sleep;

  /** Sends one claimed batch; returns its outcomes and whether one failed. */
  const sendBatch = async (webhook: WebhookRow, deliveries: readonly ClaimedDelivery[], agent: http.Agent, key: string | Error): Promise<{ outcomes: Outcome[]; failed: boolean }> => {
    const events = await loadEvents(db, webhook.organization_id, deliveries.map((d) => d.event_id));
    const url = new URL(webhook.url);
    const outcomes: Outcome[] = [];
    const inFlight = new Set<Promise<void>>();
    let failed = false;
    for (const delivery of deliveries) {
      while (inFlight.size >= settings.maxInFlight) await Promise.race(inFlight);
      if (failed || !running || lost.has(webhook.id)) {
        outcomes.push({ kind: 'released', delivery });
        continue;
      }
      const event = events.get(delivery.event_id);
      if (!event) {
        outcomes.push({ kind: 'expired', delivery });
        continue;
      }
      if (!wanted(webhook.events, event)) {
        outcomes.push({ kind: 'filtered', delivery });
        continue;
      }
      const at = clock.now();
      if (key instanceof Error) {
        outcomes.push({ kind: 'attempted', delivery, at, result: { ok: false, statusCode: null, latencyMs: 0, error: key.message } });
        failed = true;
        continue;
      }
      const body = JSON.stringify({ subscription_id: webhook.id, event });
      const task = postWebhook({
        url,
        body,
        headers: { ...signatureHeaders(key, body, at) },
        verifySsl: webhook.verify_ssl,
        guard,
        timeoutMs: settings.timeoutMs,
        maxResponseBytes: settings.maxResponseBytes,
        agent,
      }).then((result) => {
        outcomes.push({ kind: 'attempted', delivery, at, result });
        if (!result.ok) failed = true;
      });
      inFlight.add(task);
      void task.finally(() => inFlight.delete(task));
    }
    await Promise.all(inFlight);
    return { outcomes, failed };
  };

  /** Counts a recorded batch's outcomes; logs it (debug) and each failed POST (info) with its ids. */
  const noteBatch = (webhookId: string, outcomes: readonly Outcome[], ms: number) => {
    const counts: Record<string, number> = {};
    for (const outcome of outcomes) {
      const label = outcome.kind === 'attempted' ? (outcome.result.ok ? 'delivered' : 'failed') : outcome.kind;
      counts[label] = (counts[label] ?? 0) + 1;
      if (outcome.kind === 'attempted' && !outcome.result.ok) {
        const { statusCode, error } = outcome.result;
        log.info({ webhook_id: webhookId, delivery: outcome.delivery.id, event_id: outcome.delivery.event_id, status_code: statusCode, error }, 'webhook delivery failed');
      }
    }
    for (const [label, n] of Object.entries(counts)) webhookDeliveries.inc({ outcome: label }, n);
    log.debug({ webhook_id: webhookId, n: outcomes.length, ...counts, ms: Math.round(ms) }, 'webhook batch');
  };

  /** Delivers one subscription until its queue is empty, a delivery fails, or the lease is lost. */
  const runLane = async (claimed: WebhookRow): Promise<void> => {
    let agent: http.Agent | undefined;
    let agentKey = '';
    const turnEnds = performance.now() + laneTurnMs;
    try {
      while (running && !lost.has(claimed.id) && performance.now() < turnEnds) {
        // Bulk batches of this process first (src/worker/bulk-priority.ts).
        await yieldToBulk(settings.bulkYieldMs);
        if (!running || lost.has(claimed.id)) break;
        const claim = await claimDeliveries(db, claimed.id, workerId, claimBatch, clock.now());
        if (!claim || claim.deliveries.length === 0) break;
        const { webhook } = claim;
        const wantedAgent = `${new URL(webhook.url).protocol}|${settings.maxInFlight}`;
        if (!agent || agentKey !== wantedAgent) {
          agent?.destroy();
          agent = agentFor(new URL(webhook.url), settings.maxInFlight);
          agentKey = wantedAgent;
        }
        let key: string | Error;
        try {
          key = openSecret(keyring, webhook.signature_key, WEBHOOK_KEY_CONTEXT);
        } catch (error) {
          log.error({ err: error, webhook_id: webhook.id }, 'webhooks: cannot read the signature key');
          key = new Error("This subscription's signature key cannot be read by this server (its secret key differs); ask the operator.");
        }
        const started = performance.now();
        const { outcomes, failed } = await sendBatch(webhook, claim.deliveries, agent, key);
        for (let attempt = 0; ; attempt += 1) {
          try {
            await recordOutcomes(db, webhook.id, workerId, outcomes, settings, clock);
            break;
          } catch (error) {
            // Unrecorded outcomes would be sent again: retry while this worker lives.
            log.error({ err: error, attempt, webhook_id: webhook.id }, 'webhooks: could not record outcomes; retrying');
            if (!running && attempt >= 3) throw error;
            await new Promise((r) => setTimeout(r, Math.min(5000, 200 * 2 ** attempt)));
          }
        }
        noteBatch(webhook.id, outcomes, performance.now() - started);
        if (failed) break;
      }
    } finally {
      agent?.destroy();
      lost.delete(claimed.id);
      // Released now (not null): claims take never-claimed and longest-released first. When this
      // worker is stopping, the NOTIFY wakes another to take the subscription over at once.
      await sql`
        WITH released AS (
          UPDATE webhooks SET claimed_by = NULL, lease_expires_at = now()
          WHERE id = ${claimed.id} AND claimed_by = ${workerId}
          RETURNING id)
        SELECT pg_notify(${WEBHOOK_NOTIFY_CHANNEL}, id) FROM released WHERE ${!running}::boolean`
        .execute(db)
        .catch((error: unknown) => log.warn({ err: error }, 'webhooks: could not release a lease (it lapses by itself)'));
    }
  };

  const startLane = (webhook: WebhookRow) => {
    const lane = runLane(webhook)
      .catch((error: unknown) => log.error({ err: error, webhook_id: webhook.id }, 'webhooks: lane failed'))
      .finally(() => {
        lanes.delete(webhook.id);
        waker.wake();
      });
    lanes.set(webhook.id, lane);
  };

  const run = async () => {
    while (running) {
      const room = settings.workerLanes - lanes.size;
      if (room > 0) {
        try {
          const claimed = await claimSubscriptions(db, workerId, room, settings.leaseSeconds, clock.now(), [...lanes.keys()]);
          for (const webhook of claimed) {
            log.debug({ webhook_id: webhook.id }, 'webhook subscription claimed');
            startLane(webhook);
          }
        } catch (error) {
          log.error({ err: error }, 'webhooks: claim failed');
        }
      }
      if (!running) break;
      await sleep(pollMs);
    }
  };

  const heartbeat = async () => {
    if (lanes.size === 0) return;
    const ids = [...lanes.keys()];
    const { rows } = await sql<{ id: string }>`
      UPDATE webhooks SET lease_expires_at = now() + make_interval(secs => ${settings.leaseSeconds})
      WHERE id = ANY(${ids}::text[]) AND claimed_by = ${workerId} AND status = 'active'
      RETURNING id`.execute(db);
    const held = new Set(rows.map((r) => r.id));
    for (const id of ids) if (!held.has(id) && lanes.has(id)) lost.add(id);
  };

  const listener = createListener({ connectionString: deps.connectionString, channel: WEBHOOK_NOTIFY_CHANNEL, onNotify: () => waker.wake(), log });

  return {
    name: 'webhook-delivery',
    async start() {
      running = true;
      await listener.start();
      timers.push(
        setInterval(() => void heartbeat().catch((error) => log.warn({ err: error }, 'webhooks: heartbeat failed')), Math.max(250, (settings.leaseSeconds * 1000) / 3)),
        setInterval(() => {
          void pauseOverBacklog(db, settings, clock)
            .then((ids) => ids.length > 0 && log.warn({ webhook_ids: ids }, 'webhooks: paused for their backlog'))
            .then(() => pruneDeliveries(db, settings))
            .then(() => repairFanOut(db))
            .then((repaired) => repaired && log.warn('webhooks: the fan-out trigger was missing or off while subscriptions exist; created it'))
            .catch((error) => log.warn({ err: error }, 'webhooks: reaper failed'));
        }, reapEveryMs),
      );
      for (const timer of timers) timer.unref();
      loop = run();
    },
    async stop() {
      running = false;
      waker.wake();
      await loop;
      await Promise.allSettled([...lanes.values()]);
      for (const timer of timers) clearInterval(timer);
      await listener.stop();
    },
  };
}
