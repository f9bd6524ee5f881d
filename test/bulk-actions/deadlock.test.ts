import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import pg from 'pg';
import { isTransient } from '../../src/bulk-actions/runner.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { eventsOf, insertLeads, startWorker, statuses, TARGET_QUERY, waitFor, waitForStatus } from './fixtures.ts';

describe('a batch that loses a deadlock', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ env: { BULK_BATCH_SIZE: '100' } });
    await startWorker(t);
  });

  test('is rolled back and retried; the action still ends done with each lead edited once', async () => {
    const ids = [...(await insertLeads(t.db, t.orgA.organization_id, 20))].sort();
    const [, , qualified] = await statuses(t.db, t.orgA.organization_id);
    const other = new pg.Client({ connectionString: t.connectionString });
    await other.connect();
    await other.query('BEGIN');
    // Hold the last lead in id order: the batch updates in id order and waits here…
    await other.query('SELECT id FROM leads WHERE id = $1 FOR UPDATE', [ids.at(-1)]);
    const res = await t.call('POST', '/api/v1/bulk_action/edit/', {
      body: { s_query: TARGET_QUERY, type: 'set_lead_status', lead_status_id: qualified!.id, send_done_email: false },
    });
    await waitFor(async () => {
      const waiting = await t.pool.query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%UPDATE%'`);
      return waiting.rowCount ? true : undefined;
    }, 10_000, 'the batch to wait on the held lead');
    // …then this transaction asks for the first lead, which the batch holds: a deadlock. The batch,
    // waiting longer, is the one PostgreSQL aborts.
    const mine = other.query('SELECT id FROM leads WHERE id = $1 FOR UPDATE', [ids[0]]).then(
      () => 'won',
      () => 'lost',
    );
    assert.equal(await mine, 'won');
    await other.query('COMMIT');
    await other.end();
    const done = await waitForStatus(t.db, res.body.id, ['done', 'error'], 20_000);
    assert.equal(done.status, 'done', done.error_message ?? '');
    assert.equal(done.n_leads_processed, 20);
    const events = await eventsOf(t.db, t.orgA.organization_id, res.body.id, 'lead', 'updated');
    assert.equal(events.size, 20);
    assert.ok([...events.values()].every((n) => n === 1));
  });

  test('only failures that say nothing about the action count as transient', () => {
    for (const code of ['40P01', '40001', '08006', '57P01', 'ECONNRESET']) assert.equal(isTransient({ code }), true, code);
    for (const code of ['08P01', '23505', '42703', undefined]) assert.equal(isTransient({ code }), false, String(code));
    assert.equal(isTransient(new Error('plain')), false);
  });
});
