/**
 * The items' outcomes are cheap to write (migration 0025): a `done` item is in no index but the
 * primary key, so a batch's outcome update inserts one index entry per item, not two; the runner's
 * reads by status still seek. Plans are checked on a small table with sequential scans priced out.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { CompiledQuery, Kysely, PostgresDialect, sql } from 'kysely';
import type { Database } from '../../src/db/schema.ts';
import { pendingPositions } from '../../src/bulk-actions/run-batch.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';

describe('bulk action item indexes', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });

  test('no index but the primary key holds done items', async () => {
    const { rows } = await t.pool.query<{ indexname: string; indexdef: string }>(
      `SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'bulk_action_items' ORDER BY indexname`,
    );
    assert.deepEqual(rows.map((r) => r.indexname), ['bulk_action_items_open_idx', 'bulk_action_items_pkey']);
    assert.match(rows[0]!.indexdef, /WHERE \(status <> 'done'::text\)$/);
  });

  test('the runner\'s pending positions are an index-only seek on the open items', async () => {
    // pendingPositions' own statement, captured as it runs, then EXPLAINed with its parameters.
    const seen: CompiledQuery[] = [];
    const logged = new Kysely<Database>({ dialect: new PostgresDialect({ pool: t.pool }), log: (event) => void seen.push(event.query) });
    assert.deepEqual(await pendingPositions(logged, t.orgA.organization_id, 'bulkedit_x', 10, 50), []);
    assert.equal(seen.length, 1);
    const plan = await t.db.transaction().execute(async (trx) => {
      await sql`SET LOCAL enable_seqscan = off`.execute(trx);
      await sql`SET LOCAL enable_bitmapscan = off`.execute(trx);
      const { rows } = await trx.executeQuery(CompiledQuery.raw(`EXPLAIN ${seen[0]!.sql}`, [...seen[0]!.parameters]));
      return rows.map((r) => String((r as Record<string, unknown>)['QUERY PLAN'])).join('\n');
    });
    assert.match(plan, /Index Only Scan using bulk_action_items_open_idx/, plan);
  });
});
