/**
 * SIGTERM to a `sluice serve --role worker` process in the middle of a bulk action with a
 * 10-minute lease: it finishes its batch, gives the lease back with a NOTIFY, and the other worker
 * process takes over within seconds (not when the lease would lapse); the action ends with exact
 * counters and every lead changed once.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import { releaseLease } from '../../src/bulk-actions/claim.ts';
import { BULK_CHANNEL } from '../../src/bulk-actions/state-machine.ts';
import { createTestApp } from '../helpers/app.ts';
import { eventsOf, insertLeads, nameWordQuery, statuses, waitFor, waitForStatus } from '../bulk-actions/fixtures.ts';
import { spawnServe } from './serve-process.ts';

// Slow enough (two batches of 10 at a time, 1 s apart: about 20 leads a second) that the action is
// still mid-way once a second process has started on a loaded machine (200 leads at 300 ms were
// 180 done by then in one run).
const N = 400;
const ENV = { BULK_BATCH_SIZE: '10', BULK_BATCH_DELAY_MS: '1000', BULK_LEASE_SECONDS: '600' };

test('a worker stopped by SIGTERM mid-action hands it to another process at once; nothing is done twice or lost', async () => {
  const t = await createTestApp();
  const matched = await insertLeads(t.db, t.orgA.organization_id, N, { prefix: 'Handover' });
  const outside = await insertLeads(t.db, t.orgA.organization_id, 10, { prefix: 'Handoverx' });
  const theirs = await insertLeads(t.db, t.orgB.organization_id, 10, { prefix: 'Handover' });
  const snapshot = async (ids: string[]) => t.db.selectFrom('leads').select(['id', 'status_id', 'date_updated']).where('id', 'in', ids).orderBy('id').execute();
  const untouched = await snapshot([...outside, ...theirs]);

  const first = await spawnServe(t.connectionString, 'worker', ENV);
  await first.waitForLog((l) => l.msg === 'ready');
  const [, , qualified] = await statuses(t.db, t.orgA.organization_id);
  const res = await t.call('POST', '/api/v1/bulk_action/edit/', {
    body: { s_query: nameWordQuery('Handover'), type: 'set_lead_status', lead_status_id: qualified!.id, send_done_email: false },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const actionId: string = res.body.id;
  const isClaim = (l: Record<string, any>) => l.msg === 'claimed bulk action' && l.bulk_action_id === actionId;
  await first.waitForLog(isClaim);

  const second = await spawnServe(t.connectionString, 'worker', ENV);
  await second.waitForLog((l) => l.msg === 'ready');
  const before = await waitFor(
    () => t.db.selectFrom('bulk_actions').select(['n_leads_processed', 'locked_by', 'locked_until']).where('id', '=', actionId).where('n_leads_processed', '>=', 30).executeTakeFirst(),
    30_000,
    'the first worker to be under way',
  );
  assert.ok(before.n_leads_processed < N - 30, `still mid-action when stopped (${before.n_leads_processed} of ${N})`);
  assert.ok(before.locked_until! > new Date(Date.now() + 500_000), 'the lease would hold for minutes');
  assert.ok(!second.logs.some(isClaim), 'the second worker could not take a leased action');

  const stoppedAt = Date.now();
  first.child.kill('SIGTERM');
  assert.equal(await first.exited, 0, 'the stopped worker exits cleanly');
  const afterStop = await t.db.selectFrom('bulk_actions').select(['status', 'n_leads_processed', 'locked_by']).where('id', '=', actionId).executeTakeFirstOrThrow();
  assert.ok(afterStop.n_leads_processed < N, 'stopped before the end');
  assert.ok(afterStop.locked_by !== before.locked_by, 'the lease was given back');
  await second.waitForLog(isClaim, 10_000);
  const handover = Date.now() - stoppedAt;
  assert.ok(handover < 5_000, `taken over ${handover} ms after SIGTERM`);

  const done = await waitForStatus(t.db, actionId, ['done', 'error'], 60_000);
  assert.equal(done.status, 'done');
  assert.equal(done.n_leads, N);
  assert.equal(done.n_leads_processed, N);
  assert.equal(done.n_objects_processed, N);
  const events = await eventsOf(t.db, t.orgA.organization_id, actionId, 'lead', 'updated');
  assert.deepEqual([...events.keys()].sort(), [...matched].sort(), 'every matched lead has an event');
  assert.ok([...events.values()].every((n) => n === 1), 'exactly one event per lead');
  assert.ok((await snapshot(matched)).every((r) => r.status_id === qualified!.id));
  assert.deepEqual(await snapshot([...outside, ...theirs]), untouched, 'nothing outside the set changed');
  second.child.kill('SIGTERM');
  assert.equal(await second.exited, 0);
});

test('giving a bulk action back NOTIFYs the bulk channel with its id, and only when this worker held it', async () => {
  const t = await createTestApp();
  await insertLeads(t.db, t.orgA.organization_id, 3, { prefix: 'Notified' });
  const res = await t.call('POST', '/api/v1/bulk_action/delete/', { body: { s_query: nameWordQuery('Notified'), send_done_email: false } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const row = { id: res.body.id as string, organization_id: t.orgA.organization_id };
  await t.db.updateTable('bulk_actions').set({ locked_by: 'w1', locked_until: sql<Date>`now() + interval '10 minutes'` }).where('id', '=', row.id).execute();
  const listener = new pg.Client({ connectionString: t.connectionString });
  await listener.connect();
  const heard: string[] = [];
  listener.on('notification', (n) => heard.push(`${n.channel} ${n.payload}`));
  await listener.query(`LISTEN ${BULK_CHANNEL}`);
  await releaseLease(t.db, row, 'w2');
  await releaseLease(t.db, row, 'w1');
  await releaseLease(t.db, row, 'w1');
  await waitFor(async () => heard.length > 0, 5_000, 'a notification');
  await new Promise((resolve) => setTimeout(resolve, 200));
  await listener.end();
  assert.deepEqual(heard, [`${BULK_CHANNEL} ${row.id}`], 'one notification: w2 held nothing, and the second release found nothing to give back');
  const after = await t.db.selectFrom('bulk_actions').select(['locked_by', 'locked_until']).where('id', '=', row.id).executeTakeFirstOrThrow();
  assert.deepEqual(after, { locked_by: null, locked_until: null });
});
