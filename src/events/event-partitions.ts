/**
 * Keeps day partitions of the event log made ahead of time (migration 0029's
 * events_ensure_partitions): every retention pass asks for PARTITION_DAYS_AHEAD days, so a fleet
 * whose workers stop for less than that still writes every event into its day's partition. One
 * process at a time (the pruning advisory lock). Attaching takes the parent in SHARE UPDATE
 * EXCLUSIVE mode (only DDL and VACUUM conflict) and events_overflow exclusively, so it waits for
 * the open transactions that read the overflow partition (most reads of the log do) and holds new
 * ones back meanwhile: at most the lock timeout, once a day; a pass that times out leaves the work
 * to the next.
 */
import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import { PARTITION_LOCK_TIMEOUT_MS, withPruningLock } from './prune-events.ts';

/** Days of partitions kept ready beyond today. */
export const PARTITION_DAYS_AHEAD = 3;

/** Makes the missing day partitions; returns how many, or undefined when another process held the lock. */
export async function ensureEventPartitions(db: Db, daysAhead = PARTITION_DAYS_AHEAD): Promise<number | undefined> {
  return withPruningLock(db, async (trx) => {
    const { rows } = await sql<{ made: number }>`SELECT events_ensure_partitions(${daysAhead}::integer) AS made`.execute(trx);
    return rows[0]!.made;
  }, PARTITION_LOCK_TIMEOUT_MS);
}
