/**
 * The event log's visibility horizon: the time below which no event can still appear.
 *
 * Pages are keyset reads by (date_updated, id), and an event is stamped before its transaction
 * commits. A transaction stamped before a reader's page but committed after it would land below a
 * position the reader has already passed, and a client polling with cursor_previous would never
 * see it. Bulk edit and delete run two batches at once, each stamping its events during a
 * statement of a second or more, so this is the normal case for them, not a rare race.
 *
 * So reads towards the newest events stop at the horizon: the start of the oldest transaction
 * still open in this database (pg_stat_activity's xact_start; events are stamped by PostgreSQL's
 * clock during the transaction, so at or after it), and never later than the moment the horizon
 * is read. The horizon is read in its own statement before the page's: PostgreSQL clears a
 * transaction's xact_start only after its commit is visible, so a transaction that is no longer
 * listed is visible to the page's snapshot, and one that starts after the horizon stamps above it.
 *
 * The trade-off: an event shows in the first page and in cursor_previous pages only once every
 * transaction older than it has ended, usually milliseconds and at most the longest open
 * transaction (a bulk batch: a second or two). Nothing is lost; it shows a little later. Events
 * stamped by the API's own clock at the start of a request (before its transaction began) are
 * covered only when that clock and PostgreSQL's agree. The read costs a round trip: 0.46 ms median
 * against 0.04 ms for `SELECT 1` (3,000 each, 6 client backends, embedded PostgreSQL 17, 2 cores).
 */
import { sql } from 'kysely';
import type { Db } from '../db/database.ts';

/** The horizon as PostgreSQL text (microseconds kept), for `date_updated < horizon`. */
export async function eventHorizon(db: Db): Promise<string> {
  // Client backends only: autovacuum and other background processes write no events, and an
  // autovacuum of a large table would otherwise hold the log back for minutes.
  const result = await sql<{ horizon: string }>`
    SELECT least(statement_timestamp(), min(a.xact_start))::text AS horizon
    FROM pg_stat_activity a
    WHERE a.datname = current_database() AND a.backend_type = 'client backend'
      AND a.xact_start IS NOT NULL AND a.pid <> pg_backend_pid()`.execute(db);
  return result.rows[0]!.horizon;
}
