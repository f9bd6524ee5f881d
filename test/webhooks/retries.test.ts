import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { loadConfig } from '../../src/config.ts';
import { recordEvents } from '../../src/events/record-event.ts';
import { ManualClock } from '../../src/time.ts';
import { startReceiver, startWebhookWorker, waitFor, type Receiver } from './receiver.ts';

const BASE_MS = 10_000;
const DAY_MS = 86_400_000;

async function setup(env: Record<string, string> = {}) {
  const clock = new ManualClock('2026-03-02T10:00:00Z');
  const t = await createTestApp({ clock, env: { OUTBOUND_ALLOW_HOSTS: '127.0.0.1', WEBHOOK_RETRY_BASE_MS: String(BASE_MS), ...env } });
  const receiver = await startReceiver();
  await startWebhookWorker(t);
  return { t, clock, receiver };
}

async function subscribe(t: TestApp, receiver: Receiver) {
  const response = await t.call('POST', '/api/v1/webhook/', { body: { url: receiver.url, events: [{ object_type: 'lead', action: 'updated' }] } });
  assert.equal(response.status, 200, response.text);
  return response.body as { id: string };
}

/** Records `n` lead.updated events of organization A, in this order, in one statement. */
async function events(t: TestApp, n: number, tag: string): Promise<string[]> {
  const base = Date.now();
  await recordEvents(
    t.db,
    Array.from({ length: n }, (_, i) => ({ organizationId: t.orgA.organization_id, objectType: 'lead', objectId: `lead_${tag}${i}`, action: 'updated', data: { tag, i }, at: new Date(base + i) })),
  );
  return Array.from({ length: n }, (_, i) => `${tag}${i}`);
}

const tagsOf = (receiver: Receiver, id: string) => receiver.of(id).map((r) => `${r.body.event.data.tag}${r.body.event.data.i}`);

async function deliveries(t: TestApp, id: string): Promise<any[]> {
  return (await t.call('GET', `/api/v1/webhook/${id}/deliveries/?_limit=200`)).body.data.reverse();
}

describe('retries: exponential backoff with jitter on the injected clock; later events wait for the failing one', () => {
  let s: Awaited<ReturnType<typeof setup>>;
  before(async () => {
    s = await setup({ WEBHOOK_TIMEOUT_MS: '300', WEBHOOK_MAX_RESPONSE_BYTES: '1000' });
  });

  test('a failing delivery is retried after 5-10 s, then 10-20 s, and the next event is sent only after it succeeds', async () => {
    const { t, clock, receiver } = s;
    const hook = await subscribe(t, receiver);
    receiver.respond = (_r, index) => (index < 2 ? { status: 500, body: 'boom' } : undefined);
    const sent = await events(t, 2, 'r');

    const afterAttempt = async (n: number) =>
      waitFor(async () => {
        const [first] = await deliveries(t, hook.id);
        return first?.n_attempts === n && first.status !== 'sending' && first;
      }, `attempt ${n} to be recorded`);

    let head = await afterAttempt(1);
    assert.equal(head.status, 'pending');
    assert.equal(head.attempts[0].status_code, 500);
    assert.match(head.attempts[0].error, /HTTP 500: boom/);
    let wait = Date.parse(head.next_attempt_at) - Date.parse(head.attempts[0].date);
    assert.ok(wait >= BASE_MS / 2 && wait <= BASE_MS, `first retry in ${wait} ms`);
    assert.equal(receiver.of(hook.id).length, 1);
    const webhook = (await t.call('GET', `/api/v1/webhook/${hook.id}/`)).body;
    assert.ok(webhook.failing_since, 'the subscription shows it is failing');
    assert.match(webhook.last_error, /HTTP 500/);

    clock.advance(wait);
    head = await afterAttempt(2);
    assert.ok(Date.parse(head.attempts[1].date) >= Date.parse(head.attempts[0].date) + wait, 'not retried before its time');
    wait = Date.parse(head.next_attempt_at) - Date.parse(head.attempts[1].date);
    assert.ok(wait >= BASE_MS && wait <= 2 * BASE_MS, `second retry in ${wait} ms`);

    clock.advance(wait);
    await waitFor(() => receiver.of(hook.id).length === 4, 'the retry and the next event');
    assert.deepEqual(tagsOf(receiver, hook.id), [sent[0], sent[0], sent[0], sent[1]]);
    const log = await waitFor(async () => {
      const rows = await deliveries(t, hook.id);
      return rows.every((d) => d.status === 'delivered') && rows;
    }, 'both delivered');
    assert.deepEqual(log[0].attempts.map((a: any) => a.status_code), [500, 500, 200]);
    assert.equal((await t.call('GET', `/api/v1/webhook/${hook.id}/`)).body.failing_since, null);
  });

  test('timeouts and refused connections are failed attempts too', async () => {
    const { t } = s;
    const dead = (await t.call('POST', '/api/v1/webhook/', { body: { url: 'http://127.0.0.1:1/nothing', events: [{ object_type: 'lead', action: 'updated' }] } })).body;
    await events(t, 1, 'd');
    const [row] = await waitFor(async () => {
      const rows = await deliveries(t, dead.id);
      return rows[0]?.n_attempts === 1 && rows[0].status === 'pending' && rows;
    }, 'the refused attempt');
    assert.equal(row.attempts[0].status_code, null);
    assert.match(row.attempts[0].error, /ECONNREFUSED/);
    await t.call('DELETE', `/api/v1/webhook/${dead.id}/`);

    // A receiver that never answers: the attempt ends at WEBHOOK_TIMEOUT_MS.
    const hanging = await startReceiver('/hang');
    hanging.respond = () => ({ wait: new Promise(() => {}) });
    const slow = (await t.call('POST', '/api/v1/webhook/', { body: { url: hanging.url, events: [{ object_type: 'lead', action: 'updated' }] } })).body;
    await events(t, 1, 'h');
    const [timedOut] = await waitFor(async () => {
      const rows = await deliveries(t, slow.id);
      return rows[0]?.n_attempts === 1 && rows[0].status === 'pending' && rows;
    }, 'the timed-out attempt');
    assert.match(timedOut.attempts[0].error, /within 300 ms/);
    assert.ok(timedOut.attempts[0].latency_ms >= 250 && timedOut.attempts[0].latency_ms < 5000, String(timedOut.attempts[0].latency_ms));
    await t.call('DELETE', `/api/v1/webhook/${slow.id}/`);
  });

  test('a 200 answer is read only up to WEBHOOK_MAX_RESPONSE_BYTES and counts as delivered', async () => {
    const { t } = s;
    const big = await startReceiver('/big');
    big.respond = () => ({ body: 'x'.repeat(5_000_000) });
    const hook = (await t.call('POST', '/api/v1/webhook/', { body: { url: big.url, events: [{ object_type: 'lead', action: 'updated' }] } })).body;
    await events(t, 2, 'z');
    const rows = await waitFor(async () => {
      const r = await deliveries(t, hook.id);
      return r.length === 2 && r.every((d) => d.status === 'delivered') && r;
    }, 'both delivered');
    assert.equal(rows[0].attempts[0].status_code, 200);
    await t.call('DELETE', `/api/v1/webhook/${hook.id}/`);
  });
});

describe('giving up after WEBHOOK_RETRY_WINDOW_SECONDS (72 h) when the subscription does not pause first', () => {
  test('the delivery ends failed and the next one is sent', async () => {
    const { t, clock, receiver } = await setup({ WEBHOOK_PAUSE_AFTER_FAILING_SECONDS: String(10 * 86_400) });
    const hook = await subscribe(t, receiver);
    // The first attempt, and the one 72 h later, fail; then the receiver is back.
    receiver.respond = (_r, index) => (index <= 1 ? { status: 502 } : undefined);
    const sent = await events(t, 2, 'g');
    await waitFor(() => receiver.of(hook.id).length === 1, 'the first attempt');
    await waitFor(async () => (await deliveries(t, hook.id))[0]?.status === 'pending', 'the failure recorded');
    clock.advance(3 * DAY_MS);
    await waitFor(() => receiver.of(hook.id).length === 3, 'the last attempt and the next event');
    const rows = await waitFor(async () => {
      const r = await deliveries(t, hook.id);
      return r[1]?.status === 'delivered' && r;
    }, 'the next event delivered');
    assert.equal(rows[0].status, 'failed');
    assert.equal(rows[0].n_attempts, 2);
    assert.ok(rows[0].date_done);
    assert.deepEqual(tagsOf(receiver, hook.id), [sent[0], sent[0], sent[1]]);
    assert.equal((await t.call('GET', `/api/v1/webhook/${hook.id}/`)).body.status, 'active');
  });
});

describe('auto-pause after 3 days of failing; re-activation delivers the backlog', () => {
  test('paused with the reason on the webhook and a webhook.paused event; PUT active delivers every kept event in order', async () => {
    const { t, clock, receiver } = await setup();
    const hook = await subscribe(t, receiver);
    let down = true;
    receiver.respond = () => (down ? { status: 503 } : undefined);
    const sent = await events(t, 3, 'p');
    await waitFor(async () => (await deliveries(t, hook.id))[0]?.n_attempts === 1, 'the first failure');
    clock.advance(3 * DAY_MS + 1000);
    const paused = await waitFor(async () => {
      const w = (await t.call('GET', `/api/v1/webhook/${hook.id}/`)).body;
      return w.status === 'paused' && w;
    }, 'the subscription to pause');
    assert.match(paused.status_reason, /failed since/);
    assert.match(paused.status_reason, /HTTP 503/);
    assert.ok(paused.date_paused);
    const logged = (await t.call('GET', `/api/v1/event/?object_type=webhook&action=paused`)).body.data;
    assert.equal(logged.length, 1);
    assert.equal(logged[0].object_id, hook.id);
    assert.equal(logged[0].meta.cause, 'failing');
    assert.equal(logged[0].data.status, 'paused');
    // Nothing is given up: the three events wait.
    assert.deepEqual((await deliveries(t, hook.id)).map((d) => d.status), ['pending', 'pending', 'pending']);
    // Events recorded while paused are not queued.
    await events(t, 1, 'x');

    down = false;
    const active = await t.call('PUT', `/api/v1/webhook/${hook.id}/`, { body: { status: 'active' } });
    assert.equal(active.body.status, 'active');
    assert.equal(active.body.status_reason, null);
    assert.equal(active.body.failing_since, null);
    // The head waits for its retry time; bring it about.
    clock.advance(BASE_MS * 2);
    await waitFor(() => tagsOf(receiver, hook.id).filter((x) => x !== sent[0]).length === 2, 'the backlog');
    const got = tagsOf(receiver, hook.id);
    assert.deepEqual(got.slice(-3), sent);
    assert.ok(!got.includes('x0'));
  });
});

describe('auto-pause when the backlog is over WEBHOOK_MAX_BACKLOG', () => {
  test('paused with its reason while the receiver hangs; re-activated, it delivers all and stays active', async () => {
    const { t, receiver } = await setup({ WEBHOOK_MAX_BACKLOG: '5' });
    const hook = await subscribe(t, receiver);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    receiver.respond = (_r, index) => (index === 0 ? { wait: held } : undefined);
    const sent = await events(t, 12, 'b');
    const paused = await waitFor(async () => {
      const w = (await t.call('GET', `/api/v1/webhook/${hook.id}/`)).body;
      return w.status === 'paused' && w;
    }, 'the backlog pause');
    assert.match(paused.status_reason, /More than 5 events/);
    const logged = (await t.call('GET', `/api/v1/event/?object_type=webhook&action=paused`)).body.data;
    assert.equal(logged[0].meta.cause, 'backlog');
    release();
    // The claimed batch may finish; then the lane stops. Re-activate and everything arrives once, in order.
    await t.call('PUT', `/api/v1/webhook/${hook.id}/`, { body: { status: 'active' } });
    await waitFor(() => new Set(tagsOf(receiver, hook.id)).size === 12, 'all 12');
    assert.deepEqual(tagsOf(receiver, hook.id), sent);
    assert.equal((await t.call('GET', `/api/v1/webhook/${hook.id}/`)).body.status, 'active');
  });
});

describe('outbound policy at delivery time', () => {
  test('a worker without 127.0.0.1 in OUTBOUND_ALLOW_HOSTS refuses the loopback receiver, and records why', async () => {
    const t = await createTestApp({ env: { OUTBOUND_ALLOW_HOSTS: '127.0.0.1' } });
    const receiver = await startReceiver();
    const strict = loadConfig({ ...process.env, DATA_DIR: '/tmp/sluice-test-data', OUTBOUND_ALLOW_HOSTS: '' });
    await startWebhookWorker(t, { config: strict });
    const hook = await subscribe(t, receiver);
    const named = (await t.call('POST', '/api/v1/webhook/', { body: { url: receiver.url.replace('127.0.0.1', 'localhost'), events: [{ object_type: 'lead', action: 'updated' }] } })).body;
    await events(t, 1, 'o');
    for (const id of [hook.id, named.id]) {
      const [row] = await waitFor(async () => {
        const rows = await deliveries(t, id);
        return rows[0]?.n_attempts === 1 && rows[0].status === 'pending' && rows;
      }, 'the refused attempt');
      assert.match(row.attempts[0].error, /loopback/);
      assert.match(row.attempts[0].error, /OUTBOUND_ALLOW_HOSTS/);
    }
    assert.equal(receiver.received.length, 0);
  });
});
