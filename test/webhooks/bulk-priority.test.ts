/**
 * While this process runs a bulk batch, webhook lanes yield to it (src/worker/bulk-priority.ts):
 * at most one claimed batch per WEBHOOK_BULK_YIELD_MS. Once no batch runs, the backlog goes at
 * full speed, in order, each event once. A real bulk edit in the same process also holds the flag
 * while its batches run and lets go after.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import pino from 'pino';
import { createBulkActionWorker } from '../../src/bulk-actions/worker.ts';
import { recordEvents } from '../../src/events/record-event.ts';
import { systemClock } from '../../src/time.ts';
import { bulkBatchStarted, bulkBusy } from '../../src/worker/bulk-priority.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { startReceiver, startWebhookWorker, waitFor, type Receiver } from './receiver.ts';

const YIELD_MS = 500;
const CLAIM = 10;

describe('webhook deliveries yield to bulk batches of their process', () => {
  let t: TestApp;
  let receiver: Receiver;
  before(async () => {
    t = await createTestApp({ env: { OUTBOUND_ALLOW_HOSTS: '127.0.0.1', WEBHOOK_BULK_YIELD_MS: String(YIELD_MS) } });
    receiver = await startReceiver();
    await startWebhookWorker(t, { claimBatch: CLAIM, pollMs: 50 });
  });

  test('one claimed batch per WEBHOOK_BULK_YIELD_MS while a batch runs, the rest at once after, in order and once each', async () => {
    const created = await t.call('POST', '/api/v1/webhook/', { body: { url: receiver.url, events: [{ object_type: 'lead', action: 'updated' }] } });
    assert.equal(created.status, 200, created.text);
    const hook = created.body.id as string;
    const finished = bulkBatchStarted();
    assert.equal(bulkBusy(), true);
    const base = Date.now();
    await recordEvents(
      t.db,
      Array.from({ length: 200 }, (_, i) => ({ organizationId: t.orgA.organization_id, objectType: 'lead', objectId: 'lead_x', action: 'updated', data: { seq: i }, at: new Date(base + i) })),
    );
    const started = performance.now();
    await waitFor(() => receiver.of(hook).length > 0, 'the first delivery');
    await new Promise((r) => setTimeout(r, 4 * YIELD_MS));
    const elapsed = performance.now() - started;
    const whileBusy = receiver.of(hook).length;
    // At most one batch per yield interval, plus the one under way when counting began.
    const bound = (Math.floor(elapsed / YIELD_MS) + 2) * CLAIM;
    assert.ok(whileBusy > 0 && whileBusy <= bound, `${whileBusy} delivered in ${elapsed.toFixed(0)} ms while a batch ran (at most ${bound})`);
    assert.ok(whileBusy < 200, 'deliveries held back while the batch runs');

    finished();
    assert.equal(bulkBusy(), false);
    const afterIdle = performance.now();
    await waitFor(() => receiver.of(hook).length >= 200, 'the backlog once no batch runs');
    // The remaining batches would take (200 - whileBusy) / CLAIM yield intervals if still yielding.
    const remainingBatches = Math.ceil((200 - whileBusy) / CLAIM);
    assert.ok(performance.now() - afterIdle < (remainingBatches * YIELD_MS) / 2, 'the backlog went without yielding');
    const got = receiver.of(hook).map((r) => r.body.event.data.seq);
    assert.deepEqual(got, Array.from({ length: 200 }, (_, i) => i), 'in order, each once');
  });

  test('a real bulk edit marks its batches and releases the flag when it is done', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await t.call('POST', '/api/v1/lead/', { body: { name: `Edited ${i}` } })).status, 200);
    let sawBusy = false;
    const probe = setInterval(() => (sawBusy ||= bulkBusy()), 1);
    const worker = createBulkActionWorker({ db: t.db, pool: t.pool, config: t.config, clock: systemClock, log: pino({ level: 'silent' }), connectionString: t.connectionString });
    await worker.start();
    try {
      const action = await t.call('POST', '/api/v1/bulk_action/edit/', { body: { s_query: { type: 'object_type', object_type: 'lead' }, type: 'set_lead_status', lead_status_id: (await t.call('GET', '/api/v1/status/lead/')).body.data[1].id, send_done_email: false } });
      assert.equal(action.status, 200, action.text);
      await waitFor(async () => (await t.call('GET', `/api/v1/bulk_action/edit/${action.body.id}/`)).body.status === 'done', 'the edit to finish');
    } finally {
      clearInterval(probe);
      await worker.stop();
    }
    assert.equal(bulkBusy(), false, 'no batch left marked');
    assert.ok(sawBusy, 'the batches were marked while they ran');
  });
});
