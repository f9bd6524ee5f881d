/**
 * The process-wide instruments that code on hot paths updates: counters and histograms only, each
 * an in-memory add, never a query. They live in one registry per process (`instrumentRegistry`),
 * which every /metrics registry of the process includes (registry.ts), with prom-client's default
 * process metrics (CPU, memory, GC, event-loop delay), kept under their standard names so stock
 * Node.js dashboards read them.
 *
 * Labels are bounded: routes by their template, kinds and outcomes from fixed lists, never ids.
 */
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

export const instrumentRegistry = new Registry();

/** HTTP request durations by method, route template (`/api/v1/lead/:id/`) and status code. */
export const httpRequestDuration = new Histogram({
  name: 'sluice_http_request_duration_seconds',
  help: 'HTTP request duration by method, route template and status code.',
  labelNames: ['method', 'route', 'status_code'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [instrumentRegistry],
});

/** Bulk-action items resolved by committed batches, by kind and outcome (done, skipped, failed). */
export const bulkItemsProcessed = new Counter({
  name: 'sluice_bulk_action_items_processed_total',
  help: 'Bulk-action items resolved by committed batches, by kind and outcome (done, skipped, failed).',
  labelNames: ['kind', 'outcome'] as const,
  registers: [instrumentRegistry],
});

/** Committed bulk-action batches, by kind. */
export const bulkBatches = new Counter({
  name: 'sluice_bulk_action_batches_total',
  help: 'Bulk-action batches committed, by kind.',
  labelNames: ['kind'] as const,
  registers: [instrumentRegistry],
});

/**
 * Outcomes of email sends written back by this process: sent, rejected (5xx, given up), retry
 * (transient, back to the outbox), failed (transient, attempts exhausted), unknown (reaped).
 */
export const emailSends = new Counter({
  name: 'sluice_email_sends_total',
  help: 'Email send outcomes: sent, rejected, retry, failed (attempts exhausted), unknown (interrupted send reaped).',
  labelNames: ['outcome'] as const,
  registers: [instrumentRegistry],
});

/** Webhook delivery outcomes: delivered, failed (will retry), filtered, expired, released. */
export const webhookDeliveries = new Counter({
  name: 'sluice_webhook_deliveries_total',
  help: 'Webhook delivery outcomes: delivered, failed (retried later), filtered, expired, released.',
  labelNames: ['outcome'] as const,
  registers: [instrumentRegistry],
});

/** Leases of a worker that died (or stalled) taken over by another, by kind (bulk, email, webhook). */
export const leaseTakeovers = new Counter({
  name: 'sluice_lease_takeovers_total',
  help: 'Lapsed leases taken over by a worker, by kind: bulk (an action), email (a send marked unknown), webhook (a subscription).',
  labelNames: ['kind'] as const,
  registers: [instrumentRegistry],
});

/** Sequence steps run by the scheduler, by result (sent, skipped, rescheduled, finished, error). */
export const sequenceSteps = new Counter({
  name: 'sluice_sequence_steps_total',
  help: 'Sequence steps run by the scheduler, by result.',
  labelNames: ['result'] as const,
  registers: [instrumentRegistry],
});

let defaultsStarted = false;

/** Starts prom-client's default process metrics once per process (idempotent). */
export function startDefaultMetrics(): void {
  if (defaultsStarted) return;
  defaultsStarted = true;
  collectDefaultMetrics({ register: instrumentRegistry });
}
