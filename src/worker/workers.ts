/** The background workers `sluice serve` runs. Add a domain's factory here. */
import type { WorkerFactory } from './registry.ts';

export const workerFactories: readonly WorkerFactory[] = [];
