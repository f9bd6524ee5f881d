/**
 * Retention: deleting events older than EVENT_RETENTION_DAYS (Close keeps 30 days).
 *
 * The log is partitioned by day (migration 0029). A partition whose range ends at or before the
 * cutoff goes whole, by DROP TABLE: a day of events at the cost of a catalog change. The rest (the
 * partition the cutoff falls in, legacy's and overflow's rows) is deleted organization by
 * organization over events_org_date_idx, PRUNE_BATCH_ROWS rows per statement, each its own short
 * transaction with a pause between, so pruning a backlog never holds long locks, never builds one
 * huge WAL burst and lets API writes through between batches. 5,000 rows are ~50 ms of deleting on
 * the benchmark machine (BENCHMARKS.md, event log).
 *
 * The trade-off of the DROP: it locks the parent table exclusively, which waits for every open
 * transaction that has read or written events (a bulk batch: a second or two) while queueing the
 * requests behind it. The wait is bounded by PARTITION_LOCK_TIMEOUT_MS, and a drop that times out
 * is left to the next pass; the rows meanwhile go by DELETE, so nothing outlives the window.
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
/** The longest a partition drop waits for the parent's lock before leaving it to the next pass. */
export const PARTITION_LOCK_TIMEOUT_MS = 2_000;

export interface PruneOptions {
  /** Events with date_updated before this go. */
  readonly cutoff: Date;
  readonly batchRows?: number;
  readonly pauseMs?: number;
  /** Checked between batches: a stopping worker ends its pass at the next one. */
  readonly shouldStop?: () => boolean;
}

export interface PruneResult {
  /** Rows deleted by DELETE (a dropped partition's rows are not counted). */
  readonly deleted: number;
  /** Day partitions dropped whole. */
  readonly partitions: number;
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

const isLockTimeout = (error: unknown) => (error as { code?: string }).code === '55P03';

/**
 * Runs `fn` in a transaction holding the log's maintenance lock (pruning and making partitions, one
 * process at a time), with `lockTimeoutMs` as its lock_timeout when given; undefined, without
 * running `fn`, when another process holds the lock.
 */
export async function withPruningLock<T>(
  db: Db,
  fn: (trx: Db) => Promise<T>,
  lockTimeoutMs?: number,
): Promise<T | undefined> {
  return db.transaction().execute(async (trx) => {
    const lock = await sql<{ ok: boolean }>`SELECT pg_try_advisory_xact_lock(${PRUNE_LOCK_KEY}) AS ok`.execute(trx);
    if (!lock.rows[0]?.ok) return undefined;
    if (lockTimeoutMs !== undefined) await sql`SELECT set_config('lock_timeout', ${`${lockTimeoutMs}ms`}, true)`.execute(trx);
    return fn(trx);
  });
}

/**
 * Drops the partitions wholly older than `cutoff`, oldest first; undefined when another process
 * holds the pruning lock. Stops at the first drop that waits longer than the lock timeout.
 */
async function dropExpiredPartitions(db: Db, cutoff: Date): Promise<number | undefined> {
  let dropped = 0;
  for (;;) {
    const outcome = await withPruningLock(db, async (trx) => {
      const { rows } = await sql<{ name: string }>`
        SELECT name FROM events_partition_ends() WHERE ends <= ${cutoff} ORDER BY ends LIMIT 1`.execute(trx);
      if (rows.length === 0) return 'done' as const;
      await sql`DROP TABLE ${sql.id(rows[0]!.name)}`.execute(trx);
      return 'dropped' as const;
    }, PARTITION_LOCK_TIMEOUT_MS).catch((error: unknown) => {
      if (isLockTimeout(error)) return 'done' as const;
      throw error;
    });
    if (outcome === undefined) return dropped === 0 ? undefined : dropped;
    if (outcome === 'done') return dropped;
    dropped++;
  }
}

/** One pass: drops the partitions older than `cutoff`, then deletes older rows batch by batch. */
export async function pruneEvents(db: Db, options: PruneOptions): Promise<PruneResult> {
  const batchRows = options.batchRows ?? PRUNE_BATCH_ROWS;
  const pauseMs = options.pauseMs ?? PRUNE_PAUSE_MS;
  let deleted = 0;
  let batches = 0;
  const partitions = await dropExpiredPartitions(db, options.cutoff);
  if (partitions === undefined) return { deleted, partitions: 0, batches, yielded: true };
  for (const organizationId of await organizationsWithEvents(db)) {
    for (;;) {
      if (options.shouldStop?.()) return { deleted, partitions, batches, yielded: false };
      const n = await withPruningLock(db, async (trx) => {
        // The oldest batch's ids, read from the index range, then deleted by id (a ctid names a
        // row only within its partition); the date bound keeps the DELETE to the partitions that
        // can hold them.
        const result = await sql`
          DELETE FROM events
          WHERE organization_id = ${organizationId} AND date_updated < ${options.cutoff} AND id = ANY(ARRAY(
            SELECT id FROM events
            WHERE organization_id = ${organizationId} AND date_updated < ${options.cutoff}
            ORDER BY date_updated, id LIMIT ${batchRows}))`.execute(trx);
        return Number(result.numAffectedRows ?? 0n);
      });
      if (n === undefined) return { deleted, partitions, batches, yielded: true };
      batches++;
      deleted += n;
      if (n < batchRows) break;
      await sleep(pauseMs);
    }
  }
  return { deleted, partitions, batches, yielded: false };
}
