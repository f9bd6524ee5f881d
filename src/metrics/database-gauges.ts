/**
 * Gauges read from the database at scrape time: bulk actions not yet finished by state and kind,
 * the email outbox by state, and sequence steps due. They describe the shared database, so every
 * process reports the same values: aggregate them across instances with max(), never sum().
 *
 * Cost: three statements, each on a partial index or the small bulk_actions table (one row per
 * action, not per lead), run at most once per CACHE_MS whatever the number of scrapers; concurrent
 * scrapes share one read. Counting a 100,000-message outbox reads that many index entries, a few
 * milliseconds every few seconds at most. A failed read is logged and leaves the gauges empty for
 * that scrape rather than failing the whole exposition.
 */
import { sql } from 'kysely';
import type { Logger } from 'pino';
import { Gauge, type Registry } from 'prom-client';
import type { Db } from '../db/database.ts';

/** How long one read of the database serves scrapes (milliseconds). */
export const CACHE_MS = 5000;

interface Snapshot {
  readonly actions: readonly { kind: string; status: string; n: number }[];
  readonly outbox: { outbox: number; sending: number };
  readonly stepsDue: number;
}

async function readSnapshot(db: Db): Promise<Snapshot> {
  // Only states an action leaves: finished ones (done, error, cancelled) accumulate forever.
  const actions = await sql<{ kind: string; status: string; n: number }>`
    SELECT kind, status, count(*)::int AS n FROM bulk_actions
    WHERE status IN ('created', 'loading', 'processing', 'paused', 'resuming')
    GROUP BY kind, status`.execute(db);
  // One subquery per state so that each matches its partial index (claim and lease indexes).
  const outbox = await sql<{ outbox: number; sending: number }>`
    SELECT (SELECT count(*)::int FROM email_activities WHERE status = 'outbox') AS outbox,
           (SELECT count(*)::int FROM email_activities WHERE status = 'sending') AS sending`.execute(db);
  const due = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM sequence_subscriptions s
      JOIN sequences q ON q.organization_id = s.organization_id AND q.id = s.sequence_id
     WHERE s.status = 'active' AND s.date_deleted IS NULL AND s.next_step_at <= now() AND q.status = 'active'`.execute(db);
  return { actions: actions.rows, outbox: outbox.rows[0] ?? { outbox: 0, sending: 0 }, stepsDue: due.rows[0]?.n ?? 0 };
}

/** Registers the database gauges on `registry`, reading through `db` (cached CACHE_MS). */
export function registerDatabaseGauges(registry: Registry, db: Db, log?: Logger, cacheMs = CACHE_MS): void {
  let cached: { at: number; value: Promise<Snapshot | undefined> } | undefined;
  const snapshot = (): Promise<Snapshot | undefined> => {
    const now = performance.now();
    if (!cached || now - cached.at >= cacheMs) {
      const value = readSnapshot(db).catch((error: unknown) => {
        log?.warn({ err: error }, 'metrics: could not read the database gauges');
        cached = undefined;
        return undefined;
      });
      cached = { at: now, value };
    }
    return cached.value;
  };

  new Gauge({
    name: 'sluice_bulk_actions',
    help: 'Bulk actions not finished, by state and kind (database-wide: use max() across instances).',
    labelNames: ['state', 'kind'] as const,
    registers: [registry],
    async collect() {
      const found = await snapshot();
      this.reset();
      for (const row of found?.actions ?? []) this.set({ state: row.status, kind: row.kind }, row.n);
    },
  });
  new Gauge({
    name: 'sluice_email_outbox_messages',
    help: 'Email messages queued (outbox: waiting or deferred) or being sent (sending), database-wide: use max().',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      const found = await snapshot();
      this.reset();
      if (!found) return;
      this.set({ state: 'outbox' }, found.outbox.outbox);
      this.set({ state: 'sending' }, found.outbox.sending);
    },
  });
  new Gauge({
    name: 'sluice_sequence_steps_due',
    help: 'Sequence subscriptions whose next step is due now (database-wide: use max() across instances).',
    registers: [registry],
    async collect() {
      const found = await snapshot();
      this.reset();
      if (found) this.set(found.stepsDue);
    },
  });
}
