/**
 * Several workers on one database, and WEBHOOK_MAX_IN_FLIGHT above 1: each subscription is
 * delivered by one worker at a time (its lease), every event once, in order; and no subscription
 * ever has more POSTs open than the setting allows.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { recordEvents } from '../../src/events/record-event.ts';
import { startReceiver, startWebhookWorker, waitFor } from './receiver.ts';

async function record(t: TestApp, n: number, tag: string) {
  const base = Date.now();
  await recordEvents(
    t.db,
    Array.from({ length: n }, (_, i) => ({ organizationId: t.orgA.organization_id, objectType: 'lead', objectId: `lead_${tag}${i}`, action: 'updated', data: { i }, at: new Date(base + i) })),
  );
}

describe('webhook workers side by side', () => {
  test('three workers, four subscriptions: every event exactly once per subscription, in order', async () => {
    const t = await createTestApp({ env: { OUTBOUND_ALLOW_HOSTS: '127.0.0.1' } });
    const receiver = await startReceiver();
    for (let w = 0; w < 3; w++) await startWebhookWorker(t, { workerId: `w${w}`, claimBatch: 7 });
    const hooks: string[] = [];
    for (let h = 0; h < 4; h++) hooks.push((await t.call('POST', '/api/v1/webhook/', { body: { url: receiver.url, events: [{ object_type: 'lead', action: 'updated' }] } })).body.id as string);
    for (let round = 0; round < 4; round++) await record(t, 50, `r${round}`);
    await waitFor(() => hooks.every((id) => receiver.of(id).length >= 200), 'all deliveries');
    for (const id of hooks) {
      const got = receiver.of(id).map((r) => `${r.body.event.object_id}`);
      const expected = [0, 1, 2, 3].flatMap((round) => Array.from({ length: 50 }, (_, i) => `lead_r${round}${i}`));
      assert.deepEqual(got, expected);
    }
  });

  test('WEBHOOK_MAX_IN_FLIGHT=3: never more than three POSTs of a subscription open at once', async () => {
    const t = await createTestApp({ env: { OUTBOUND_ALLOW_HOSTS: '127.0.0.1', WEBHOOK_MAX_IN_FLIGHT: '3' } });
    const receiver = await startReceiver();
    await startWebhookWorker(t);
    let open = 0;
    let most = 0;
    const waiting: (() => void)[] = [];
    receiver.respond = () => {
      open += 1;
      most = Math.max(most, open);
      return {
        wait: new Promise<void>((resolve) => waiting.push(resolve)).then(() => {
          open -= 1;
        }),
      };
    };
    const hook = (await t.call('POST', '/api/v1/webhook/', { body: { url: receiver.url, events: [{ object_type: 'lead', action: 'updated' }] } })).body;
    await record(t, 30, 'f');
    // Answer one at a time, only when three are open, until all 30 arrived.
    while (receiver.of(hook.id).length < 30) {
      await waitFor(() => open === 3 || (receiver.of(hook.id).length === 30 && open > 0), 'three open');
      waiting.shift()!();
    }
    while (waiting.length > 0) waiting.shift()!();
    assert.equal(most, 3);
    assert.equal(new Set(receiver.of(hook.id).map((r) => r.body.event.id)).size, 30);
    await waitFor(async () => {
      const page = (await t.call('GET', `/api/v1/webhook/${hook.id}/deliveries/?status=delivered`)).body;
      return page.data.length === 30;
    }, 'all recorded delivered');
  });

  test('with one lane and two busy subscriptions, lanes take turns: both progress before either is done', async () => {
    const t = await createTestApp({ env: { OUTBOUND_ALLOW_HOSTS: '127.0.0.1', WEBHOOK_WORKER_LANES: '1' } });
    const receiver = await startReceiver();
    receiver.respond = () => ({ wait: new Promise((resolve) => setTimeout(resolve, 2)) });
    const hooks: string[] = [];
    for (let h = 0; h < 2; h++) hooks.push((await t.call('POST', '/api/v1/webhook/', { body: { url: receiver.url, events: [{ object_type: 'lead', action: 'updated' }] } })).body.id as string);
    await record(t, 150, 'turn');
    await startWebhookWorker(t, { laneTurnMs: 100, claimBatch: 10 });
    await waitFor(() => hooks.every((id) => receiver.of(id).length === 150), 'both subscriptions');
    // Where the first subscription to finish finished, the other had already had deliveries.
    const order = receiver.received.map((r) => r.body.subscription_id);
    const done = hooks.map((id) => order.lastIndexOf(id));
    const first = done[0]! < done[1]! ? 0 : 1;
    const other = hooks[1 - first]!;
    assert.ok(order.slice(0, done[first]!).includes(other), 'the other subscription got a turn before the first was done');
  });
});
