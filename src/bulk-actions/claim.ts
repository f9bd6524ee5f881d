/**
 * Claiming work: the oldest runnable action whose lease is free or lapsed, locked with
 * FOR UPDATE SKIP LOCKED (so a claim never waits on a row that a batch transaction holds), then
 * leased to this worker for BULK_LEASE_SECONDS of database time.
 *
 * Claims are serialised by a transaction-level advisory lock so that the per-organization cap
 * (BULK_MAX_RUNNING_PER_ORG actions in loading/processing/resuming) cannot be overshot by two
 * workers counting at the same moment. A claim is one short transaction per action start, so the
 * lock costs nothing measurable.
 */
import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import type { Clock } from '../time.ts';
import type { BulkActionRow } from './serialize.ts';
import { BULK_CHANNEL, transition } from './state-machine.ts';
import { leaseTakeovers } from '../metrics/instruments.ts';

/** Arbitrary constant naming the bulk-action claim lock among advisory locks. */
const CLAIM_LOCK_KEY = 7_305_150_004;

/**
 * Leases one runnable action to `workerId` and moves it to its working state; undefined if none.
 *
 * `running`: the actions this worker is running now, never claimed again by it. Their lease may
 * have lapsed (a heartbeat that could not get through for BULK_LEASE_SECONDS, as on a machine
 * starved of I/O), which makes them claimable; another worker taking one over is how a lost worker
 * is replaced (our runner then fails its next lease check and stops), but this worker claiming it
 * again would start a second runner under the same worker id, whose batches pass the same checks:
 * both would process the same items (seen: counters past n_leads, deleted leads recorded as
 * skipped by the second).
 *
 * A takeover (a lapsed lease still naming another worker) counts in sluice_lease_takeovers_total;
 * every claim logs on `log` with the action's id, the state it was claimed from and the previous holder.
 */
export async function claimAction(
  db: Db,
  workerId: string,
  config: Config,
  clock: Clock,
  running: readonly string[] = [],
  log?: Logger,
): Promise<BulkActionRow | undefined> {
  let previousHolder: string | null = null;
  const claimed = await db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(${CLAIM_LOCK_KEY})`.execute(trx);
    const maxPerOrg = Math.max(1, config.bulk.maxRunningPerOrg);
    const found = await sql<{ id: string; organization_id: string; status: string; n_leads: number | null; locked_by: string | null }>`
      SELECT a.id, a.organization_id, a.status, a.n_leads, a.locked_by FROM bulk_actions a
      WHERE a.status IN ('created', 'loading', 'processing', 'resuming')
        AND (a.locked_until IS NULL OR a.locked_until < now())
        AND NOT (a.id = ANY(${running}::text[]))
        AND (a.status <> 'created' OR (
          SELECT count(*) FROM bulk_actions r
          WHERE r.organization_id = a.organization_id AND r.status IN ('loading', 'processing', 'resuming')
        ) < ${maxPerOrg})
      ORDER BY a.date_created, a.id
      LIMIT 1
      FOR UPDATE OF a SKIP LOCKED`.execute(trx);
    const candidate = found.rows[0];
    if (!candidate) return undefined;
    previousHolder = candidate.locked_by;
    await trx
      .updateTable('bulk_actions')
      .set({ locked_by: workerId, locked_until: sql`now() + make_interval(secs => ${config.bulk.leaseSeconds})` })
      .where('organization_id', '=', candidate.organization_id)
      .where('id', '=', candidate.id)
      .execute();
    const options = { by: 'runner' as const, clock, config, userId: null, workerId };
    if (candidate.status === 'created') return transition(trx, candidate.organization_id, candidate.id, 'loading', options);
    if (candidate.status === 'resuming') {
      const to = candidate.n_leads === null ? 'loading' : 'processing';
      return transition(trx, candidate.organization_id, candidate.id, to, options);
    }
    // Taking over from a worker whose lease lapsed: same state, new holder.
    return trx
      .selectFrom('bulk_actions')
      .selectAll()
      .where('organization_id', '=', candidate.organization_id)
      .where('id', '=', candidate.id)
      .executeTakeFirstOrThrow();
  });
  if (!claimed) return undefined;
  // A graceful stop releases the lease (locked_by null): only a lease left behind is a takeover.
  const takeover = previousHolder !== null && previousHolder !== workerId;
  if (takeover) leaseTakeovers.inc({ kind: 'bulk' });
  log?.info({ bulk_action_id: claimed.id, kind: claimed.kind, status: claimed.status, takeover_from: takeover ? previousHolder : undefined }, 'claimed bulk action');
  return claimed;
}

/**
 * Extends the lease if `workerId` still holds it: 'renewed', 'lost', or 'busy' when the row is
 * locked (by this worker's own batch, which renews the lease as it commits, or by a PUT). It never
 * waits on the lock, so heartbeats cannot pile up behind a long batch and exhaust the pool.
 */
export async function renewLease(
  db: Db,
  row: Pick<BulkActionRow, 'id' | 'organization_id'>,
  workerId: string,
  leaseSeconds: number,
): Promise<'renewed' | 'lost' | 'busy'> {
  const result = await sql<{ locked_by: string | null; status: string; renewed: boolean }>`
    WITH target AS (
      SELECT id, locked_by, status FROM bulk_actions
      WHERE organization_id = ${row.organization_id} AND id = ${row.id}
      FOR UPDATE SKIP LOCKED
    ), renewed AS (
      UPDATE bulk_actions a SET locked_until = now() + make_interval(secs => ${leaseSeconds})
      FROM target t
      WHERE a.id = t.id AND t.locked_by = ${workerId} AND t.status IN ('loading', 'processing')
      RETURNING a.id
    )
    SELECT t.locked_by, t.status, EXISTS (SELECT 1 FROM renewed) AS renewed FROM target t`.execute(db);
  const found = result.rows[0];
  if (!found) return 'busy';
  return found.renewed ? 'renewed' : 'lost';
}

/**
 * Gives the action back (graceful stop, or an interrupted run) and NOTIFYs, so another worker
 * takes it at once instead of after the lease lapses. Nothing is sent if the lease was no longer ours.
 */
export async function releaseLease(db: Db, row: Pick<BulkActionRow, 'id' | 'organization_id'>, workerId: string): Promise<void> {
  await sql`
    WITH released AS (
      UPDATE bulk_actions SET locked_by = NULL, locked_until = NULL
      WHERE organization_id = ${row.organization_id} AND id = ${row.id} AND locked_by = ${workerId}
      RETURNING id)
    SELECT pg_notify(${BULK_CHANNEL}, id) FROM released`.execute(db);
}
