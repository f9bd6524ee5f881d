/**
 * The registry /metrics serves: this process's instruments (instruments.ts, default process metrics
 * included) plus gauges read from its database and its connection pools at scrape time.
 */
import type pg from 'pg';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import type { Db } from '../db/database.ts';
import { registerDatabaseGauges } from './database-gauges.ts';
import { instrumentRegistry, startDefaultMetrics } from './instruments.ts';
import { registerPoolGauges } from './pool-gauges.ts';

export interface MetricsSources {
  /** Where the database gauges are read (the API pool where there is one). */
  readonly db: Db;
  /** The process's pools by name: `api`, `worker`. */
  readonly pools: Readonly<Record<string, pg.Pool>>;
  readonly log?: Logger;
}

/** Creates the registry for one process's /metrics. */
export function createMetricsRegistry(sources: MetricsSources): Registry {
  startDefaultMetrics();
  const own = new Registry();
  registerDatabaseGauges(own, sources.db, sources.log);
  registerPoolGauges(own, sources.pools);
  return Registry.merge([instrumentRegistry, own]);
}
