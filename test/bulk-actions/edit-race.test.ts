/**
 * A bulk edit batch reads its rows without locking them and updates only where the field still
 * holds what it read (src/bulk-actions/kinds/edit-batch.ts). These tests put a concurrent write
 * exactly between the batch's read and its update, by holding the write uncommitted while the
 * batch's statement waits on it: a write to the same field makes the row race (redone under a
 * lock, the event showing the concurrent value as previous), a write to another field does not
 * (kept, and the event shows the value the batch replaced).
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import pg from 'pg';
import { applyEdit } from '../../src/bulk-actions/kinds/edit-batch.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { insertLeads, statuses, waitFor } from './fixtures.ts';

describe('a bulk edit batch against a concurrent write', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });

  /** Runs applyEdit on `ids` while `write` (on another connection) holds `target` until the batch waits on it. */
  async function editAround(ids: string[], target: string, write: string, params: unknown[], statusId: string) {
    const org = t.orgA.organization_id;
    const user = (await t.db.selectFrom('users').select('id').where('organization_id', '=', org).executeTakeFirstOrThrow()).id;
    const other = new pg.Client({ connectionString: t.connectionString });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query(write, params);
      const batch = t.db.transaction().execute((trx) =>
        applyEdit(trx, 'leads', ids, { kind: 'status', statusId }, { organizationId: org, userId: user, bulkActionId: 'bulkedit_race' }),
      );
      await waitFor(async () => {
        const waiting = await t.pool.query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%UPDATE%'`);
        return waiting.rowCount ? true : undefined;
      }, 10_000, 'the batch to wait on the concurrent write');
      await other.query('COMMIT');
      const result = await batch;
      const events = await t.pool.query(`SELECT object_id, data, previous_data FROM events WHERE object_id = $1 AND meta->>'bulk_action_id' = 'bulkedit_race'`, [target]);
      const lead = (await t.pool.query('SELECT status_id, name FROM leads WHERE id = $1', [target])).rows[0];
      await t.pool.query(`DELETE FROM events WHERE meta->>'bulk_action_id' = 'bulkedit_race'`);
      return { result, events: events.rows, lead };
    } finally {
      await other.end();
    }
  }

  test('a write to the same field in between: the row is redone, the event shows the concurrent value as previous', async () => {
    const org = t.orgA.organization_id;
    const ids = [...(await insertLeads(t.db, org, 10))].sort();
    const [first, second, third] = await statuses(t.db, org);
    await t.pool.query('UPDATE leads SET status_id = $1 WHERE id = ANY($2)', [first!.id, ids]);
    const target = ids[4]!;
    const { result, events, lead } = await editAround(ids, target, 'UPDATE leads SET status_id = $1 WHERE id = $2', [second!.id, target], third!.id);
    assert.equal(result.seen.length, 10);
    assert.equal(result.changed.length, 10);
    assert.equal(lead.status_id, third!.id);
    assert.equal(events.length, 1, 'one event for the raced lead');
    assert.deepEqual(events[0].previous_data, { status_id: second!.id }, 'previous is the concurrent write, not the stale read');
    assert.equal(events[0].data.status_id, third!.id);
  });

  test('a write to another field in between: both changes stay, the event shows the value the batch replaced', async () => {
    const org = t.orgA.organization_id;
    const ids = [...(await insertLeads(t.db, org, 10))].sort();
    const [first, , third] = await statuses(t.db, org);
    await t.pool.query('UPDATE leads SET status_id = $1 WHERE id = ANY($2)', [first!.id, ids]);
    const target = ids[6]!;
    const { result, events, lead } = await editAround(ids, target, 'UPDATE leads SET name = $1 WHERE id = $2', ['Renamed meanwhile', target], third!.id);
    assert.equal(result.changed.length, 10);
    assert.equal(lead.status_id, third!.id);
    assert.equal(lead.name, 'Renamed meanwhile');
    assert.equal(events.length, 1);
    assert.deepEqual(events[0].previous_data, { status_id: first!.id });
  });

  test('a lead deleted in between is neither seen nor changed', async () => {
    const org = t.orgA.organization_id;
    const ids = [...(await insertLeads(t.db, org, 10))].sort();
    const [first, , third] = await statuses(t.db, org);
    await t.pool.query('UPDATE leads SET status_id = $1 WHERE id = ANY($2)', [first!.id, ids]);
    const target = ids[2]!;
    const { result, events } = await editAround(ids, target, 'DELETE FROM leads WHERE id = $1', [target], third!.id);
    assert.equal(result.seen.length, 9);
    assert.ok(!result.seen.some((row) => row.id === target));
    assert.equal(result.changed.length, 9);
    assert.equal(events.length, 0);
  });
});
