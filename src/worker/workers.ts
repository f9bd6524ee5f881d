/** The background workers `sluice serve` runs. Add a domain's factory here. */
import { createSequenceScheduler } from '../sequences/scheduler.ts';
import type { WorkerFactory } from './registry.ts';

export const workerFactories: readonly WorkerFactory[] = [
  createSequenceScheduler,
];
