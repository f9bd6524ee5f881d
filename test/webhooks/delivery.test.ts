import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { before, describe, test } from 'node:test';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { onTestFileEnd } from '../helpers/db.ts';
import { recordEvents } from '../../src/events/record-event.ts';
import { expectedSignature, startReceiver, startWebhookWorker, waitFor, type Receiver } from './receiver.ts';

describe('webhook delivery to a real receiver', () => {
  let t: TestApp;
  let receiver: Receiver;
  before(async () => {
    t = await createTestApp({ env: { OUTBOUND_ALLOW_HOSTS: '127.0.0.1' } });
    receiver = await startReceiver();
    await startWebhookWorker(t);
  });

  const subscribe = async (events: unknown[], key = t.orgA.api_key) => {
    const response = await t.call('POST', '/api/v1/webhook/', { key, body: { url: receiver.url, events } });
    assert.equal(response.status, 200, response.text);
    return response.body as { id: string; signature_key: string };
  };

  test('each event is POSTed as {subscription_id, event} with the event as the log serializes it, signed as Close documents', async () => {
    const hook = await subscribe([{ object_type: 'lead', action: 'created' }]);
    // Organization B's events never reach A's subscription (B gets its own, for its own events).
    const theirs = await subscribe([{ object_type: 'lead', action: 'created' }], t.orgB.api_key);
    await t.call('POST', '/api/v1/lead/', { key: t.orgB.api_key, body: { name: 'Their lead' } });
    const lead = (await t.call('POST', '/api/v1/lead/', { body: { name: 'Signed lead' } })).body;
    const [got] = await waitFor(() => receiver.of(hook.id).length > 0 && receiver.of(hook.id), 'the delivery');
    assert.equal(got!.body.subscription_id, hook.id);
    assert.equal(got!.body.event.object_id, lead.id);
    assert.equal(got!.body.event.action, 'created');
    const logged = await t.call('GET', `/api/v1/event/${got!.body.event.id}/`);
    assert.deepEqual(got!.body.event, logged.body, 'the same object the event log serves');
    const timestamp = String(got!.headers['close-sig-timestamp']);
    assert.match(timestamp, /^\d+$/);
    assert.equal(got!.headers['close-sig-hash'], expectedSignature(hook.signature_key, timestamp, got!.raw));
    assert.notEqual(got!.headers['close-sig-hash'], expectedSignature(theirs.signature_key, timestamp, got!.raw));
    assert.equal(got!.headers['content-type'], 'application/json');

    await waitFor(() => receiver.of(theirs.id).length > 0, 'their delivery');
    assert.ok(receiver.of(hook.id).every((r) => r.body.event.organization_id === t.orgA.organization_id));
    assert.ok(receiver.of(theirs.id).every((r) => r.body.event.organization_id === t.orgB.organization_id));
    assert.equal(receiver.of(hook.id).length, 1);
    // Other object types and actions are not sent.
    await t.call('PUT', `/api/v1/lead/${lead.id}/`, { body: { name: 'Renamed' } });
    const probe = await subscribe([{ object_type: 'lead', action: 'updated' }]);
    await t.call('PUT', `/api/v1/lead/${lead.id}/`, { body: { name: 'Renamed again' } });
    await waitFor(() => receiver.of(probe.id).length > 0, 'the probe subscription');
    assert.equal(receiver.of(hook.id).length, 1, 'lead.updated is not a lead.created subscription\'s');
    for (const id of [hook.id, theirs.id, probe.id]) await t.call('DELETE', `/api/v1/webhook/${id}/`, { key: id === theirs.id ? t.orgB.api_key : t.orgA.api_key });
  });

  test('a subscription gets its events in the order they were recorded, one statement\'s events included', async () => {
    const hook = await subscribe([{ object_type: 'lead', action: 'updated' }]);
    const lead = (await t.call('POST', '/api/v1/lead/', { body: { name: 'Ordered 0' } })).body;
    for (let i = 1; i <= 15; i++) await t.call('PUT', `/api/v1/lead/${lead.id}/`, { body: { name: `Ordered ${i}` } });
    // 300 events in one INSERT, as a bulk edit writes them.
    const base = Date.now();
    await recordEvents(
      t.db,
      Array.from({ length: 300 }, (_, i) => ({
        organizationId: t.orgA.organization_id,
        objectType: 'lead',
        objectId: lead.id,
        action: 'updated',
        data: { seq: i },
        at: new Date(base + i),
      })),
    );
    await waitFor(() => receiver.of(hook.id).length >= 315, 'all 315 deliveries');
    const got = receiver.of(hook.id);
    assert.equal(got.length, 315, 'each once');
    assert.deepEqual(got.slice(0, 15).map((r) => r.body.event.data.name), Array.from({ length: 15 }, (_, i) => `Ordered ${i + 1}`));
    assert.deepEqual(got.slice(15).map((r) => r.body.event.data.seq), Array.from({ length: 300 }, (_, i) => i));
    await t.call('DELETE', `/api/v1/webhook/${hook.id}/`);
  });

  test('extra_filter: only events it matches are sent; the others are logged as filtered', async () => {
    const hook = await subscribe([
      { object_type: 'lead', action: 'updated', extra_filter: { type: 'field_accessor', field: 'changed_fields', filter: { type: 'contains', value: 'name' } } },
    ]);
    const lead = (await t.call('POST', '/api/v1/lead/', { body: { name: 'Filter me' } })).body;
    await t.call('PUT', `/api/v1/lead/${lead.id}/`, { body: { description: 'not the name' } });
    await t.call('PUT', `/api/v1/lead/${lead.id}/`, { body: { name: 'Filtered in' } });
    await waitFor(() => receiver.of(hook.id).length > 0, 'the name change');
    const log = await waitFor(async () => {
      const page = (await t.call('GET', `/api/v1/webhook/${hook.id}/deliveries/`)).body;
      return page.data.length === 2 && page.data.every((d: any) => d.status !== 'pending' && d.status !== 'sending') && page;
    }, 'both deliveries to finish');
    assert.deepEqual(log.data.map((d: any) => d.status), ['delivered', 'filtered']);
    const [sent] = receiver.of(hook.id);
    assert.ok(sent!.body.event.changed_fields.includes('name'));
    assert.equal(receiver.of(hook.id).length, 1);
    // The delivery log shows the attempt.
    const [delivered] = log.data;
    assert.equal(delivered.n_attempts, 1);
    assert.equal(delivered.attempts[0].status_code, 200);
    assert.equal(delivered.attempts[0].error, null);
    assert.ok(Number.isInteger(delivered.attempts[0].latency_ms));
    await t.call('DELETE', `/api/v1/webhook/${hook.id}/`);
  });

  test('a slow receiver holds only its own subscription: another gets every event of a bulk edit meanwhile, and the slow one catches up', async () => {
    const slow = await startReceiver('/slow');
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    slow.respond = () => ({ wait: held });
    const fast = await subscribe([{ object_type: 'lead', action: 'updated' }]);
    const slowHook = (await t.call('POST', '/api/v1/webhook/', { body: { url: slow.url, events: [{ object_type: 'lead', action: 'updated' }] } })).body;
    const leads = await Promise.all(Array.from({ length: 5 }, (_, i) => t.call('POST', '/api/v1/lead/', { body: { name: `Bulk ${i}` } })));
    const { data: statuses } = (await t.call('GET', '/api/v1/status/lead/')).body;
    const base = Date.now();
    await recordEvents(
      t.db,
      leads.map((l, i) => ({ organizationId: t.orgA.organization_id, objectType: 'lead', objectId: l.body.id, action: 'updated', data: { i, status_id: statuses[1].id }, at: new Date(base + i) })),
    );
    // The two subscriptions are delivered independently, so either may be first to be sent to;
    // what matters is that the fast one gets all 5 while the slow one holds its first.
    await waitFor(() => receiver.of(fast.id).length === 5 && slow.of(slowHook.id).length === 1, 'the fast receiver to get all 5 while the slow one holds its first');
    assert.equal(slow.of(slowHook.id).length, 1, 'the slow one is still on its first');
    release();
    await waitFor(() => slow.of(slowHook.id).length === 5, 'the slow receiver to catch up');
    assert.deepEqual(slow.of(slowHook.id).map((r) => r.body.event.data.i), [0, 1, 2, 3, 4]);
    assert.deepEqual(receiver.of(fast.id).map((r) => r.body.event.data.i), [0, 1, 2, 3, 4]);
    await t.call('DELETE', `/api/v1/webhook/${fast.id}/`);
    await t.call('DELETE', `/api/v1/webhook/${slowHook.id}/`);
  });

  test('redirects are not followed: a 307 is a failed attempt and its Location gets nothing', async () => {
    const target = await startReceiver('/target');
    const server = http.createServer((_req, res) => {
      res.writeHead(307, { location: target.url });
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    onTestFileEnd(() => new Promise((resolve) => server.close(() => resolve())));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const hook = (await t.call('POST', '/api/v1/webhook/', { body: { url, events: [{ object_type: 'lead', action: 'created' }] } })).body;
    await t.call('POST', '/api/v1/lead/', { body: { name: 'Redirected' } });
    const [row] = await waitFor(async () => {
      const rows = (await t.call('GET', `/api/v1/webhook/${hook.id}/deliveries/`)).body.data;
      return rows[0]?.n_attempts === 1 && rows[0].status === 'pending' && rows;
    }, 'the redirected attempt');
    assert.equal(row.attempts[0].status_code, 307);
    assert.match(row.attempts[0].error, /HTTP 307/);
    assert.equal(target.received.length, 0);
    await t.call('DELETE', `/api/v1/webhook/${hook.id}/`);
  });
});
