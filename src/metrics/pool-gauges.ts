/**
 * Connection-pool gauges, read from the pools at scrape time: clients open, idle, and requests
 * waiting for a client, per pool (`api`, `worker`). In use is total minus idle; a waiting count
 * above zero for long means the pool (DB_POOL_SIZE) is too small for the load.
 */
import type pg from 'pg';
import { Gauge, type Registry } from 'prom-client';

/** Registers the pool gauges of `pools` (by pool name) on `registry`. */
export function registerPoolGauges(registry: Registry, pools: Readonly<Record<string, pg.Pool>>): void {
  const gauge = (name: string, help: string, read: (pool: pg.Pool) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['pool'] as const,
      registers: [registry],
      collect() {
        for (const [label, pool] of Object.entries(pools)) this.set({ pool: label }, read(pool));
      },
    });
  gauge('sluice_db_pool_clients', 'PostgreSQL clients open in the pool.', (pool) => pool.totalCount);
  gauge('sluice_db_pool_idle_clients', 'PostgreSQL clients open and idle in the pool.', (pool) => pool.idleCount);
  gauge('sluice_db_pool_waiting_requests', 'Queries waiting for a client of the pool.', (pool) => pool.waitingCount);
}
