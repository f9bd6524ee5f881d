/**
 * The fan-out writes one inbox row per event statement and matching subscription (migration 0019),
 * not one delivery per event; the worker turns those rows into deliveries (drain-inbox.ts) and
 * sends them in event order, each once. The backlog limit counts the inbox too, except what was
 * kept over a pause; deleting a subscription deletes its inbox.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { recordEvents } from '../../src/events/record-event.ts';
import { claimDeliveries, claimSubscriptions } from '../../src/webhooks/claim.ts';
import { pauseOverBacklog, pruneDeliveries } from '../../src/webhooks/reaper.ts';
import { startReceiver, startWebhookWorker, waitFor, type Receiver } from './receiver.ts';

const LEAD_UPDATED = [{ object_type: 'lead', action: 'updated' }];

async function subscribe(t: TestApp, url: string, events: unknown[] = LEAD_UPDATED, key = t.orgA.api_key): Promise<string> {
  const response = await t.call('POST', '/api/v1/webhook/', { key, body: { url, events } });
  assert.equal(response.status, 200, response.text);
  return response.body.id as string;
}

/**
 * Records `n` lead.updated events of organization A in one statement, their dates shuffled so that
 * the log's order is not the order they were passed in; returns their ids in the log's order.
 */
async function recordStatement(t: TestApp, n: number, tag: string): Promise<string[]> {
  const base = Date.now();
  const offsets = Array.from({ length: n }, (_, i) => (i * 7) % n);
  await recordEvents(
    t.db,
    offsets.map((offset, i) => ({ organizationId: t.orgA.organization_id, objectType: 'lead', objectId: `lead_${tag}${i}`, action: 'updated', data: { tag, i }, at: new Date(base + offset) })),
  );
  const { rows } = await sql<{ id: string }>`
    SELECT id FROM events WHERE organization_id = ${t.orgA.organization_id} AND data->>'tag' = ${tag} ORDER BY date_updated, id`.execute(t.db);
  assert.equal(rows.length, n);
  return rows.map((r) => r.id);
}

const inboxOf = (t: TestApp) => t.db.selectFrom('webhook_inbox').select(['id', 'webhook_id', 'organization_id', 'event_ids']).orderBy('id').execute();
const deliveryCount = async (t: TestApp, webhookId?: string) => {
  let query = t.db.selectFrom('webhook_deliveries').select((eb) => eb.fn.countAll<string>().as('n'));
  if (webhookId) query = query.where('webhook_id', '=', webhookId);
  return Number((await query.executeTakeFirstOrThrow()).n);
};

describe('the webhook inbox: one row per statement and subscription, delivered in event order', () => {
  let t: TestApp;
  let receiver: Receiver;
  const hooks: Record<'first' | 'second' | 'otherKind' | 'otherOrg', string> = { first: '', second: '', otherKind: '', otherOrg: '' };
  const expected: string[] = [];
  before(async () => {
    t = await createTestApp({ env: { OUTBOUND_ALLOW_HOSTS: '127.0.0.1' } });
    receiver = await startReceiver();
    hooks.first = await subscribe(t, receiver.url);
    hooks.second = await subscribe(t, receiver.url);
    hooks.otherKind = await subscribe(t, receiver.url, [{ object_type: 'contact', action: 'created' }, { object_type: 'lead', action: 'deleted' }]);
    hooks.otherOrg = await subscribe(t, receiver.url, LEAD_UPDATED, t.orgB.api_key);
  });

  test('one statement of 60 events for two matching subscriptions writes two inbox rows, in the log\'s order, and no delivery', async () => {
    const ids = await recordStatement(t, 60, 'a');
    expected.push(...ids);
    const inbox = await inboxOf(t);
    assert.deepEqual(inbox.map((r) => r.webhook_id), [hooks.first, hooks.second].sort(), 'one row per matching subscription, in webhook id order');
    for (const row of inbox) {
      assert.equal(row.organization_id, t.orgA.organization_id);
      assert.deepEqual(row.event_ids, ids, 'the statement\'s events by (date_updated, id)');
    }
    assert.equal(await deliveryCount(t), 0, 'no delivery rows in the recording transaction');
  });

  test('a subscription that does not match (another action, another organization) gets no inbox row', async () => {
    const inbox = await inboxOf(t);
    assert.ok(inbox.length > 0);
    assert.ok(inbox.every((r) => r.webhook_id !== hooks.otherKind && r.webhook_id !== hooks.otherOrg));
  });

  test('the worker turns the rows into deliveries and sends each event once, in event order, across statements and claims', async () => {
    expected.push(...(await recordStatement(t, 25, 'b')));
    assert.equal((await inboxOf(t)).length, 4, 'two statements, two subscriptions');
    // Claims of 7: several drains and claims per inbox row, and a row larger than a claim.
    await startWebhookWorker(t, { claimBatch: 7 });
    for (const hook of [hooks.first, hooks.second]) {
      await waitFor(() => receiver.of(hook).length >= expected.length, `${expected.length} deliveries to ${hook}`);
    }
    await waitFor(async () => (await t.db.selectFrom('webhook_deliveries').select('id').where('status', '!=', 'delivered').execute()).length === 0, 'every outcome recorded');
    for (const hook of [hooks.first, hooks.second]) {
      assert.deepEqual(receiver.of(hook).map((r) => r.body.event.id), expected, 'each once, in event order');
      assert.equal(await deliveryCount(t, hook), expected.length);
    }
    assert.deepEqual(await inboxOf(t), [], 'the inbox is drained');
    for (const hook of [hooks.otherKind, hooks.otherOrg]) {
      assert.equal(receiver.of(hook).length, 0);
      assert.equal(await deliveryCount(t, hook), 0);
    }
  });
});

describe('a statement of several kinds of events', () => {
  test('a subscription to two of its kinds gets one row with both merged in the log\'s order; one to a single kind gets that kind only', async () => {
    const t = await createTestApp({ env: { OUTBOUND_ALLOW_HOSTS: '127.0.0.1' } });
    const both = await subscribe(t, 'http://127.0.0.1:9/', [...LEAD_UPDATED, { object_type: 'contact', action: 'updated' }]);
    const leadsOnly = await subscribe(t, 'http://127.0.0.1:9/');
    const base = Date.now();
    // Interleaved in time, passed in reverse: neither the kinds nor the input order is the log's.
    const kinds = Array.from({ length: 40 }, (_, i) => (i % 3 === 0 ? 'contact' : 'lead'));
    await recordEvents(
      t.db,
      kinds.map((objectType, i) => ({ organizationId: t.orgA.organization_id, objectType, objectId: `${objectType}_${i}`, action: 'updated', data: { tag: 'm', i }, at: new Date(base + i) })).reverse(),
    );
    const { rows } = await sql<{ id: string; object_type: string }>`
      SELECT id, object_type FROM events WHERE organization_id = ${t.orgA.organization_id} AND data->>'tag' = 'm' ORDER BY date_updated, id`.execute(t.db);
    const inbox = await inboxOf(t);
    assert.equal(inbox.length, 2);
    assert.deepEqual(inbox.find((r) => r.webhook_id === both)?.event_ids, rows.map((r) => r.id));
    assert.deepEqual(inbox.find((r) => r.webhook_id === leadsOnly)?.event_ids, rows.filter((r) => r.object_type === 'lead').map((r) => r.id));
  });
});

describe('claiming a subscription for its inbox', () => {
  test('a subscription with only inbox rows is due; behind a delivery waiting for its retry it is not', async () => {
    const t = await createTestApp({ env: { OUTBOUND_ALLOW_HOSTS: '127.0.0.1' } });
    const ready = await subscribe(t, 'http://127.0.0.1:9/');
    const waiting = await subscribe(t, 'http://127.0.0.1:9/');
    await recordStatement(t, 3, 'c');
    await sql`INSERT INTO webhook_deliveries (webhook_id, organization_id, event_id, next_attempt_at)
              VALUES (${waiting}, ${t.orgA.organization_id}, 'ev_retrying', now() + interval '1 hour')`.execute(t.db);
    const claimed = await claimSubscriptions(t.db, 'wh-test', 10, 30, new Date(), []);
    assert.deepEqual(claimed.map((w) => w.id), [ready]);
  });
});

describe('the backlog limit counts the inbox, not what was kept over a pause', () => {
  test('pauses on inbox events; re-activated, the kept backlog (drained or not) does not pause it again; new events over the limit do', async () => {
    const t = await createTestApp({ env: { OUTBOUND_ALLOW_HOSTS: '127.0.0.1', WEBHOOK_MAX_BACKLOG: '5' } });
    const settings = t.config.webhooks;
    const hook = await subscribe(t, 'http://127.0.0.1:9/');
    const status = async () => (await t.call('GET', `/api/v1/webhook/${hook}/`)).body.status as string;

    const kept = await recordStatement(t, 8, 'k');
    assert.deepEqual(await pauseOverBacklog(t.db, settings, t.clock), [hook], 'eight events waiting in the inbox are over the limit');
    assert.equal(await status(), 'paused');
    assert.equal((await inboxOf(t)).length, 1, 'the backlog is kept');

    assert.equal((await t.call('PUT', `/api/v1/webhook/${hook}/`, { body: { status: 'active' } })).status, 200);
    assert.deepEqual(await pauseOverBacklog(t.db, settings, t.clock), [], 'the kept inbox row does not count');
    const fresh = await recordStatement(t, 3, 'f');
    assert.deepEqual(await pauseOverBacklog(t.db, settings, t.clock), [], 'three new events are within the limit');

    // One claim drains both rows (the kept one and the new one) in one statement.
    assert.deepEqual((await claimSubscriptions(t.db, 'wh-test', 1, 30, new Date(), [])).map((w) => w.id), [hook]);
    const claim = await claimDeliveries(t.db, hook, 'wh-test', 100, new Date());
    assert.deepEqual(claim?.deliveries.map((d) => d.event_id), [...kept, ...fresh]);
    assert.deepEqual(await inboxOf(t), []);
    const { backlog_from } = await t.db.selectFrom('webhooks').select('backlog_from').where('id', '=', hook).executeTakeFirstOrThrow();
    assert.equal(backlog_from, claim!.deliveries[kept.length - 1]!.id, 'the count starts after the kept events\' deliveries');
    assert.deepEqual(await pauseOverBacklog(t.db, settings, t.clock), [], 'eleven undone deliveries, of which three count');

    // Three more in the inbox: six past the activation, over the limit.
    await recordStatement(t, 3, 'g');
    assert.deepEqual(await pauseOverBacklog(t.db, settings, t.clock), [hook]);
    assert.equal(await status(), 'paused');
  });
});

describe('deleting a subscription deletes its inbox', () => {
  test('DELETE removes its rows at once; the reaper removes rows of subscriptions that no longer exist', async () => {
    const t = await createTestApp({ env: { OUTBOUND_ALLOW_HOSTS: '127.0.0.1' } });
    const gone = await subscribe(t, 'http://127.0.0.1:9/');
    const stays = await subscribe(t, 'http://127.0.0.1:9/');
    await recordStatement(t, 4, 'd');
    await recordStatement(t, 2, 'e');
    assert.equal((await inboxOf(t)).filter((r) => r.webhook_id === gone).length, 2);
    assert.equal((await t.call('DELETE', `/api/v1/webhook/${gone}/`)).status, 200);
    assert.deepEqual([...new Set((await inboxOf(t)).map((r) => r.webhook_id))], [stays]);

    // What a fan-out that read the subscription before its delete committed leaves behind.
    await sql`INSERT INTO webhook_inbox (webhook_id, organization_id, event_ids) VALUES ('whsub_gone', ${t.orgA.organization_id}, ARRAY['ev_x', 'ev_y'])`.execute(t.db);
    assert.equal(await pruneDeliveries(t.db, t.config.webhooks), 1);
    assert.deepEqual((await inboxOf(t)).map((r) => r.webhook_id), [stays, stays]);
    assert.equal(await pruneDeliveries(t.db, t.config.webhooks), 0);
  });
});

describe('the drain follows the log across transactions that commit out of order', () => {
  test('a row stamped after a transaction still open waits for it; both then go in the log\'s order, not the inbox\'s', async () => {
    const t = await createTestApp({ env: { OUTBOUND_ALLOW_HOSTS: '127.0.0.1' } });
    const hook = await subscribe(t, 'http://127.0.0.1:9/');
    const event = (tag: string, at: Date) => ({ organizationId: t.orgA.organization_id, objectType: 'lead', objectId: `lead_${tag}`, action: 'updated', data: { tag }, at });
    const idOf = async (tag: string) =>
      (await sql<{ id: string }>`SELECT id FROM events WHERE data->>'tag' = ${tag}`.execute(t.db)).rows[0]!.id;
    const drain = async () => {
      await claimSubscriptions(t.db, 'wh-test', 1, 30, new Date(), []);
      return (await claimDeliveries(t.db, hook, 'wh-test', 100, new Date()))?.deliveries.map((d) => d.event_id) ?? [];
    };

    // Transaction A begins (its xact_start is the horizon while it is open) and stamps its event
    // first, but writes it, and so takes its inbox id, after B has committed.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let began!: () => void;
    const aBegan = new Promise<void>((resolve) => (began = resolve));
    const a = t.db.transaction().execute(async (trx) => {
      await sql`SELECT 1`.execute(trx);
      const stampA = new Date();
      began();
      await released;
      await recordEvents(trx, [event('a', stampA)]);
    });
    await aBegan;
    await new Promise((resolve) => setTimeout(resolve, 5));
    await recordEvents(t.db, [event('b', new Date())]);
    const b = await idOf('b');

    assert.deepEqual(await drain(), [], 'B is stamped after A began: it waits while A is open');
    assert.deepEqual((await inboxOf(t)).map((r) => r.event_ids), [[b]]);
    release();
    await a;
    const aId = await idOf('a');
    assert.deepEqual((await inboxOf(t)).map((r) => r.event_ids), [[b], [aId]], 'in the inbox, B before A');
    assert.deepEqual(await drain(), [aId, b], 'delivered in the log\'s order');
  });
});
