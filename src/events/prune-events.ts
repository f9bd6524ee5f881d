/**
 * Retention: deleting events older than EVENT_RETENTION_DAYS (Close keeps 30 days).
 *
 * Deletes go organization by organization over events_org_date_idx, PRUNE_BATCH_ROWS rows per
 * statement, each its own short transaction with a pause between, so pruning a backlog (the first
 * run after a busy month: millions of rows) never holds long locks, never builds one huge WAL burst
 * and lets API writes through between batches. 5,000 rows are ~50 ms of deleting on the benchmark
 * machine (BENCHMARKS.md, event log).
 *
 * Several processes run the worker: each batch takes a transaction-level advisory try-lock first,
 * and a process that finds it taken leaves the pass to the one holding it (until its next pass),
 * so two processes never scan and delete the same rows at once.
 */
import { sql } from 'kysely';
import type { Db } from '../db/database.ts';

/** Rows per DELETE. */
export const PRUNE_BATCH_ROWS = 5_000;
/** Pause between two DELETEs of a pass. */
export const PRUNE_PAUSE_MS = 100;
/** Arbitrary constant naming the pruning lock among advisory locks. */
const PRUNE_LOCK_KEY = 7_305_150_012;

export interface PruneOptions {
  /** Events with date_updated before this go. */
  readonly cutoff: Date;
  readonly batchRows?: number;
  readonly pauseMs?: number;
  /** Checked between batches: a stopping worker ends its pass at the next one. */
  readonly shouldStop?: () => boolean;
}

export interface PruneResult {
  readonly deleted: number;
  readonly batches: number;
  /** True when another process held the pruning lock and this pass left the work to it. */
  readonly yielded: boolean;
}

/** The organizations that have events: a skip scan of events_org_date_idx, one probe each. */
async function organizationsWithEvents(db: Db): Promise<string[]> {
  const result = await sql<{ organization_id: string }>`
    WITH RECURSIVE o AS (
      (SELECT organization_id FROM events ORDER BY organization_id LIMIT 1)
      UNION ALL
      SELECT (SELECT e.organization_id FROM events e WHERE e.organization_id > o.organization_id ORDER BY e.organization_id LIMIT 1)
      FROM o WHERE o.organization_id IS NOT NULL
    )
    SELECT organization_id FROM o WHERE organization_id IS NOT NULL`.execute(db);
  return result.rows.map((row) => row.organization_id);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One pass: deletes every event older than `cutoff`, batch by batch. */
export async function pruneEvents(db: Db, options: PruneOptions): Promise<PruneResult> {
  const batchRows = options.batchRows ?? PRUNE_BATCH_ROWS;
  const pauseMs = options.pauseMs ?? PRUNE_PAUSE_MS;
  let deleted = 0;
  let batches = 0;
  for (const organizationId of await organizationsWithEvents(db)) {
    for (;;) {
      if (options.shouldStop?.()) return { deleted, batches, yielded: false };
      const n = await db.transaction().execute(async (trx) => {
        const lock = await sql<{ ok: boolean }>`SELECT pg_try_advisory_xact_lock(${PRUNE_LOCK_KEY}) AS ok`.execute(trx);
        if (!lock.rows[0]?.ok) return undefined;
        // ctids of the oldest batch, read from the index range, then deleted by tid.
        const result = await sql`
          DELETE FROM events WHERE ctid = ANY(ARRAY(
            SELECT ctid FROM events
            WHERE organization_id = ${organizationId} AND date_updated < ${options.cutoff}
            ORDER BY date_updated, id LIMIT ${batchRows}))`.execute(trx);
        return Number(result.numAffectedRows ?? 0n);
      });
      if (n === undefined) return { deleted, batches, yielded: true };
      batches++;
      deleted += n;
      if (n < batchRows) break;
      await sleep(pauseMs);
    }
  }
  return { deleted, batches, yielded: false };
}
