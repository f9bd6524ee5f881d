import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import pg from 'pg';
import { loadConfig } from '../../src/config.ts';
import { findKind } from '../../src/bulk-actions/kinds.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { spawnWorker } from './child.ts';
import { eventsOf, insertLeads, nameWordQuery, SORT_BY_NAME_ASC, startWorker, waitFor, waitForStatus } from './fixtures.ts';

const N = 20;
const BATCH = 5;

describe('batches of one delete run at once (BULK_BATCH_CONCURRENCY)', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ env: { BULK_BATCH_SIZE: String(BATCH), BULK_BATCH_CONCURRENCY: '2', BULK_LEASE_SECONDS: '1' } });
  });

  /** A connection holding row locks on `leadIds` in an open transaction (end it with ROLLBACK, then end()). */
  const lockLeads = async (leadIds: readonly string[]) => {
    const client = new pg.Client({ connectionString: t.connectionString });
    await client.connect();
    await client.query('BEGIN');
    await client.query('SELECT id FROM leads WHERE id = ANY($1) FOR UPDATE', [leadIds]);
    return client;
  };

  const itemStatuses = async (actionId: string) =>
    (await t.db.selectFrom('bulk_action_items').select(['position', 'status']).where('action_id', '=', actionId).orderBy('position').execute()).map((i) => i.status);

  test('later batches commit while the first waits; killed then, the next worker does the first batch too', async () => {
    const matched = await insertLeads(t.db, t.orgA.organization_id, N, { prefix: 'Concurrent', contactsPerLead: 1 });
    const theirs = await insertLeads(t.db, t.orgB.organization_id, 5, { prefix: 'Concurrent', contactsPerLead: 1 });
    // The first lead by name (position 0) stays locked: the first batch waits on it.
    const blocker = await lockLeads([matched[0]!]);
    try {

      const child = await spawnWorker(t.connectionString, { BULK_BATCH_SIZE: String(BATCH), BULK_BATCH_CONCURRENCY: '2', BULK_LEASE_SECONDS: '1', CHILD_WORKER_ID: 'child-concurrent' });
      const res = await t.call('POST', '/api/v1/bulk_action/delete/', { body: { s_query: nameWordQuery('Concurrent'), sort: SORT_BY_NAME_ASC, send_done_email: false } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const actionId: string = res.body.id;

      // With one batch at a time nothing would commit behind the blocked first batch.
      const expected = [...Array(BATCH).fill('pending'), ...Array(N - BATCH).fill('done')];
      await waitFor(async () => JSON.stringify(await itemStatuses(actionId)) === JSON.stringify(expected), 20_000, 'the later batches to commit');
      const mid = await t.db.selectFrom('bulk_actions').selectAll().where('id', '=', actionId).executeTakeFirstOrThrow();
      assert.equal(mid.status, 'processing');
      assert.equal(mid.n_leads_processed, N - BATCH, 'the counters count what committed');
      assert.equal((await t.db.selectFrom('leads').select('id').where('id', 'in', matched.slice(0, BATCH)).execute()).length, BATCH);

      // Killed now, n_leads_processed (15) is past the first pending position (0).
      child.proc.kill('SIGKILL');
      await child.exited;
      await blocker.query('ROLLBACK');

      const finisher = await startWorker(t);
      const done = await waitForStatus(t.db, actionId, ['done', 'error'], 30_000);
      await finisher.stop();
      assert.equal(done.status, 'done', done.error_message ?? '');
      assert.equal(done.n_leads_processed, N);
      assert.equal(done.n_objects_processed, N);
      assert.deepEqual(await itemStatuses(actionId), Array(N).fill('done'));
      assert.equal((await t.db.selectFrom('leads').select('id').where('id', 'in', matched).execute()).length, 0);
      const events = await eventsOf(t.db, t.orgA.organization_id, actionId, 'lead', 'deleted');
      assert.deepEqual([...events.keys()].sort(), [...matched].sort());
      assert.ok([...events.values()].every((n) => n === 1), 'one event per lead');
      assert.equal((await t.db.selectFrom('leads').select('id').where('id', 'in', theirs).execute()).length, 5, 'the other organization keeps its leads');
    } finally {
      await blocker.end();
    }
  });

  test('never more than BULK_BATCH_CONCURRENCY batches in flight; the setting is at least 1, and only edit and delete use it', async () => {
    assert.equal(loadConfig({}).bulk.batchConcurrency, 2);
    assert.equal(loadConfig({ BULK_BATCH_CONCURRENCY: '0' }).bulk.batchConcurrency, 1);
    assert.deepEqual(['edit', 'delete', 'email', 'sequence_subscription', 'export'].map((k) => findKind(k)?.concurrentBatches === true), [true, true, false, false, false]);

    const matched = await insertLeads(t.db, t.orgA.organization_id, N, { prefix: 'Bounded', contactsPerLead: 1 });
    // A lead locked in each of the first three batches: with a bound of 2, two wait and the third never starts.
    const blocker = await lockLeads([matched[0]!, matched[BATCH]!, matched[2 * BATCH]!]);
    try {
      await startWorker(t);
      const res = await t.call('POST', '/api/v1/bulk_action/delete/', { body: { s_query: nameWordQuery('Bounded'), sort: SORT_BY_NAME_ASC, send_done_email: false } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const waiting = async () => Number((await t.pool.query("SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE '%for update%'")).rows[0].n);
      await waitFor(async () => (await waiting()) >= 2, 20_000, 'two batches waiting');
      await new Promise((resolve) => setTimeout(resolve, 1000));
      assert.equal(await waiting(), 2, 'a third batch started');
      await blocker.query('ROLLBACK');
      const done = await waitForStatus(t.db, res.body.id, ['done', 'error']);
      assert.equal(done.status, 'done');
      assert.equal(done.n_leads_processed, N);
    } finally {
      await blocker.end();
    }
  });

  test('a pause rolls back every batch in flight: nothing is processed after it', async () => {
    const matched = await insertLeads(t.db, t.orgA.organization_id, N, { prefix: 'Paused', contactsPerLead: 1 });
    // Two leads locked, one in each of the first two batches: both wait, in flight, when paused.
    const blocker = await lockLeads([matched[0]!, matched[BATCH]!]);
    try {
      await startWorker(t);
      const res = await t.call('POST', '/api/v1/bulk_action/delete/', { body: { s_query: nameWordQuery('Paused'), sort: SORT_BY_NAME_ASC, send_done_email: false } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const actionId: string = res.body.id;
      await waitForStatus(t.db, actionId, ['processing']);
      // Both first batches are waiting on the locks.
      // (Asked on another connection: inside the blocker's transaction pg_stat_activity is a snapshot.)
      await waitFor(
        async () => Number((await t.pool.query("SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE '%for update%'")).rows[0].n) >= 2,
        20_000,
        'two batches waiting',
      );
      const paused = await t.call('PUT', `/api/v1/bulk_action/delete/${actionId}/`, { body: { status: 'paused' } });
      assert.equal(paused.status, 200, JSON.stringify(paused.body));
      await blocker.query('ROLLBACK');
      await new Promise((resolve) => setTimeout(resolve, 500));
      const row = await t.db.selectFrom('bulk_actions').selectAll().where('id', '=', actionId).executeTakeFirstOrThrow();
      assert.equal(row.status, 'paused');
      assert.equal(row.n_leads_processed, 0);
      assert.deepEqual(await itemStatuses(actionId), Array(N).fill('pending'));
      assert.equal((await t.db.selectFrom('leads').select('id').where('id', 'in', matched).execute()).length, N, 'nothing deleted after the pause');
    } finally {
      await blocker.end();
    }
  });
});
