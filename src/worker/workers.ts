/** The background workers `sluice serve` runs. Add a domain's factory here. */
import { createSequenceScheduler } from '../sequences/scheduler.ts';
import { createBulkActionWorker } from '../bulk-actions/worker.ts';
import { createEmailDeliveryWorker } from '../email/delivery-worker.ts';
import { createEventRetentionWorker } from '../events/retention-worker.ts';
import { createExportRetentionWorker } from '../exports/retention.ts';
import { createWebhookDeliveryWorker } from '../webhooks/delivery-worker.ts';
import type { WorkerFactory } from './registry.ts';

export const workerFactories: readonly WorkerFactory[] = [
  (deps) => createBulkActionWorker(deps),
  createSequenceScheduler,
  (deps) => createEmailDeliveryWorker(deps),
  (deps) => createEventRetentionWorker(deps),
  (deps) => createExportRetentionWorker(deps),
  (deps) => createWebhookDeliveryWorker(deps),
];
