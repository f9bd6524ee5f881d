/**
 * Retention (EVENT_RETENTION_DAYS): events older than the window are deleted in batches, by one
 * process at a time, in every organization; younger ones stay. The worker's cutoff comes from the
 * injected clock.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import pino from 'pino';
import { sql } from 'kysely';
import { pruneEvents } from '../../src/events/prune-events.ts';
import { createEventRetentionWorker } from '../../src/events/retention-worker.ts';
import { ManualClock } from '../../src/time.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';

const DAY = 86_400_000;

describe('event retention', () => {
  let t: TestApp;
  const clock = new ManualClock('2026-06-30T12:00:00Z');

  before(async () => {
    t = await createTestApp({ clock, env: { EVENT_RETENTION_DAYS: '30' } });
  });

  /** Inserts `n` events of `organizationId` aged `ageDays` (at `clock`) plus `extraMs`. */
  async function insertAged(organizationId: string, n: number, ageDays: number, tag: string, extraMs = 0) {
    const at = new Date(clock.now().getTime() - ageDays * DAY - extraMs);
    const rows = Array.from({ length: n }, (_, i) => ({
      id: `ev_${tag}_${String(i).padStart(5, '0')}`,
      organization_id: organizationId,
      object_type: 'lead',
      object_id: `lead_${tag}_${i}`,
      lead_id: `lead_${tag}_${i}`,
      action: 'updated',
      user_id: null,
      request_id: null,
      changed_fields: JSON.stringify(['name']),
      data: JSON.stringify({ name: 'x' }),
      previous_data: null,
      meta: JSON.stringify({}),
      date_created: at,
      date_updated: at,
    }));
    for (let i = 0; i < rows.length; i += 1000) await t.db.insertInto('events').values(rows.slice(i, i + 1000)).execute();
  }

  const count = async (tag: string) =>
    Number((await sql<{ n: string }>`SELECT count(*) AS n FROM events WHERE id LIKE ${`ev_${tag}_%`}`.execute(t.db)).rows[0]!.n);

  test('a pass deletes what is older than the cutoff, in batches, in every organization, and nothing younger', async () => {
    await insertAged(t.orgA.organization_id, 230, 45, 'olda');
    await insertAged(t.orgB.organization_id, 120, 31, 'oldb');
    await insertAged(t.orgA.organization_id, 10, 30, 'edgea', 1); // just past the window
    await insertAged(t.orgA.organization_id, 50, 29, 'younga');
    await insertAged(t.orgB.organization_id, 40, 1, 'youngb');
    await insertAged(t.orgA.organization_id, 5, 30, 'boundary'); // exactly at the cutoff: kept
    const cutoff = new Date(clock.now().getTime() - 30 * DAY);
    const result = await pruneEvents(t.db, { cutoff, batchRows: 50, pauseMs: 0 });
    assert.equal(result.deleted, 360);
    assert.equal(result.yielded, false);
    // 230 + 10 in A: 5 batches (the last one short); 120 in B: 3.
    assert.equal(result.batches, 8);
    for (const tag of ['olda', 'oldb', 'edgea']) assert.equal(await count(tag), 0, tag);
    assert.equal(await count('younga'), 50);
    assert.equal(await count('youngb'), 40);
    assert.equal(await count('boundary'), 5);
    const again = await pruneEvents(t.db, { cutoff, batchRows: 50, pauseMs: 0 });
    assert.equal(again.deleted, 0);
  });

  test('two processes pruning at once: every old event goes once, no error, no overlap', async () => {
    await insertAged(t.orgA.organization_id, 2_000, 40, 'racea');
    await insertAged(t.orgB.organization_id, 1_000, 40, 'raceb');
    const cutoff = new Date(clock.now().getTime() - 30 * DAY);
    const [a, b] = await Promise.all([
      pruneEvents(t.db, { cutoff, batchRows: 100, pauseMs: 1 }),
      pruneEvents(t.db, { cutoff, batchRows: 100, pauseMs: 1 }),
    ]);
    assert.equal(a.deleted + b.deleted, 3_000);
    assert.equal(await count('racea'), 0);
    assert.equal(await count('raceb'), 0);
  });

  test('a pass finding another process mid-batch (the advisory lock held) leaves the work to it', async () => {
    await insertAged(t.orgA.organization_id, 20, 40, 'locked');
    const cutoff = new Date(clock.now().getTime() - 30 * DAY);
    const client = await t.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock(7305150012)');
      const blocked = await pruneEvents(t.db, { cutoff, pauseMs: 0 });
      assert.deepEqual(blocked, { deleted: 0, partitions: 0, batches: 0, yielded: true });
      assert.equal(await count('locked'), 20);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    const free = await pruneEvents(t.db, { cutoff, pauseMs: 0 });
    assert.equal(free.deleted, 20);
  });

  test('the worker prunes on its schedule with the cutoff from its clock and EVENT_RETENTION_DAYS', async () => {
    await insertAged(t.orgA.organization_id, 30, 12, 'workera');
    await insertAged(t.orgA.organization_id, 30, 5, 'workerb');
    const workerClock = new ManualClock(clock.now());
    const worker = createEventRetentionWorker(
      { db: t.db, pool: t.pool, config: { ...t.config, eventRetentionDays: 10 }, clock: workerClock, log: pino({ level: 'silent' }), connectionString: t.connectionString },
      { firstPassMs: 10, everyMs: 50, pauseMs: 0 },
    );
    await worker.start();
    try {
      for (let i = 0; i < 200 && (await count('workera')) > 0; i++) await new Promise((resolve) => setTimeout(resolve, 25));
      assert.equal(await count('workera'), 0, '12-day-old events go with a 10-day retention');
      assert.equal(await count('workerb'), 30);
      // A week later by the worker's clock, the 5-day-old events are 12 days old.
      workerClock.advance(7 * DAY);
      for (let i = 0; i < 200 && (await count('workerb')) > 0; i++) await new Promise((resolve) => setTimeout(resolve, 25));
      assert.equal(await count('workerb'), 0);
    } finally {
      await worker.stop();
    }
  });

  test('the log does not show what retention removed, and keeps paging over what it keeps', async () => {
    await insertAged(t.orgA.organization_id, 5, 2, 'shown');
    const res = await t.call('GET', '/api/v1/event/?object_type=lead&action=updated&_limit=50');
    assert.equal(res.status, 200);
    const ids = res.body.data.map((e: { id: string }) => e.id);
    assert.ok(ids.some((id: string) => id.startsWith('ev_shown_')));
    assert.ok(!ids.some((id: string) => id.startsWith('ev_olda_') || id.startsWith('ev_racea_')));
  });
});
