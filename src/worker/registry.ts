/**
 * Background workers (bulk actions, email delivery, sequence steps). Each domain contributes a
 * factory in `workers.ts`; `sluice serve` starts them all in the `worker` role (and in the default
 * combined role). Work lives in domain tables and is claimed with FOR UPDATE SKIP LOCKED, so any
 * number of processes can run the same workers against one database.
 */
import type pg from 'pg';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import type { Clock } from '../time.ts';

export interface WorkerDeps {
  readonly db: Db;
  readonly pool: pg.Pool;
  readonly config: Config;
  readonly clock: Clock;
  readonly log: Logger;
  /** The database URL, for a dedicated LISTEN connection. */
  readonly connectionString: string;
}

export interface BackgroundWorker {
  readonly name: string;
  /** Starts the worker's loop; returns once it is running. */
  start(): Promise<void>;
  /** Stops claiming new work and waits for the work in hand to reach a safe point. */
  stop(): Promise<void>;
}

export type WorkerFactory = (deps: WorkerDeps) => BackgroundWorker;
