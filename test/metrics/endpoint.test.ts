import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { enqueueEmails, type EnqueueEmailInput } from '../../src/email/enqueue.ts';
import { startMetricsListener } from '../../src/metrics/listener.ts';
import { createMetricsRegistry } from '../../src/metrics/registry.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { onTestFileEnd } from '../helpers/db.ts';
import { insertAccount, insertLead } from '../email/helpers/fixtures.ts';
import { parseExposition, valueOf } from './exposition.ts';

const TOKEN = 'metrics-token-for-tests-0123456789';

describe('GET /metrics', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ env: { METRICS_TOKEN: TOKEN } });
    // Three queued messages before the first scrape (the database gauges are read at scrape time).
    const org = t.orgA.organization_id;
    const account = await insertAccount(t.db, org, t.orgA.user_id, { email: 'ann@a.example' });
    const lead = await insertLead(t.db, org, 'L1', [{ name: 'C1', emails: ['c1@x.example'] }]);
    const input = (i: number): EnqueueEmailInput => ({
      organizationId: org,
      userId: t.orgA.user_id,
      leadId: lead.leadId,
      contactId: lead.contactIds[0]!,
      emailAccountId: account,
      senderName: 'Ann',
      senderEmail: 'ann@a.example',
      to: [`m${i}@x.example`],
      subject: `m${i}`,
      bodyHtml: `<p>m${i}</p>`,
    });
    const queued = await t.db.transaction().execute((trx) => enqueueEmails(trx, [input(1), input(2), input(3)]));
    await t.db.updateTable('email_activities').set({ status: 'sending' }).where('id', '=', queued[0]!.activityId).execute();
  });

  const scrape = (authorization?: string) => t.app.inject({ method: 'GET', url: '/metrics', headers: authorization ? { authorization } : {} });

  test('without the token, or with a wrong one, is a 401 in Close’s error shape', async () => {
    for (const authorization of [undefined, `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, `Basic ${Buffer.from(`${TOKEN}:`).toString('base64')}`, TOKEN]) {
      const res = await scrape(authorization);
      assert.equal(res.statusCode, 401, String(authorization));
      assert.deepEqual(JSON.parse(res.body), { error: 'Unauthorized' });
      assert.doesNotMatch(res.body, /sluice_/);
    }
  });

  test('with the token: 200, Prometheus text format that parses', async () => {
    const res = await scrape(`Bearer ${TOKEN}`);
    assert.equal(res.statusCode, 200, res.body);
    assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    const parsed = parseExposition(res.body);
    assert.ok(parsed.samples.length > 50, `${parsed.samples.length} samples`);
  });

  test('the latency histogram counts a request under its route template, never the raw URL', async () => {
    const before = parseExposition((await scrape(`Bearer ${TOKEN}`)).body);
    const labels = { method: 'GET', route: '/api/v1/lead/:id/', status_code: '404' };
    const was = valueOf(before, 'sluice_http_request_duration_seconds_count', labels) ?? 0;
    const missing = await t.call('GET', '/api/v1/lead/lead_doesNotExist123/');
    assert.equal(missing.status, 404);
    const res = await scrape(`Bearer ${TOKEN}`);
    const after = parseExposition(res.body);
    assert.equal(valueOf(after, 'sluice_http_request_duration_seconds_count', labels), was + 1);
    assert.equal(valueOf(after, 'sluice_http_request_duration_seconds_bucket', { ...labels, le: '+Inf' }), was + 1);
    assert.doesNotMatch(res.body, /lead_doesNotExist123/);
    // An unknown path is one label value, whatever the path.
    await t.call('GET', '/no/such/path/abc123');
    assert.doesNotMatch((await scrape(`Bearer ${TOKEN}`)).body, /abc123/);
  });

  test('the outbox gauge reflects queued mail; pool gauges and event-loop delay are present', async () => {
    // The event-loop delay histogram restarts at each scrape: give it a few samples (10 ms apart).
    await new Promise((resolve) => setTimeout(resolve, 200));
    const parsed = parseExposition((await scrape(`Bearer ${TOKEN}`)).body);
    assert.equal(valueOf(parsed, 'sluice_email_outbox_messages', { state: 'outbox' }), 2);
    assert.equal(valueOf(parsed, 'sluice_email_outbox_messages', { state: 'sending' }), 1);
    assert.equal(valueOf(parsed, 'sluice_sequence_steps_due'), 0);
    const total = valueOf(parsed, 'sluice_db_pool_clients', { pool: 'api' });
    assert.ok(total !== undefined && total >= 1, `pool clients ${total}`);
    assert.ok(valueOf(parsed, 'sluice_db_pool_idle_clients', { pool: 'api' }) !== undefined);
    assert.equal(valueOf(parsed, 'sluice_db_pool_waiting_requests', { pool: 'api' }), 0);
    const lag = valueOf(parsed, 'nodejs_eventloop_lag_p99_seconds');
    assert.ok(lag !== undefined && Number.isFinite(lag) && lag > 0, `event-loop p99 ${lag}`);
    assert.equal(parsed.types.get('nodejs_eventloop_lag_seconds'), 'gauge');
  });
});

describe('/metrics settings', () => {
  test('neither METRICS_TOKEN nor METRICS_LISTEN: /metrics is not served (404)', async () => {
    const t = await createTestApp();
    const res = await t.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer anything' } });
    assert.equal(res.statusCode, 404);
    assert.doesNotMatch(res.body, /sluice_/);
  });

  test('METRICS_LISTEN serves /metrics without auth on a listener of its own, and nothing else', async () => {
    const config = loadConfig({ METRICS_LISTEN: '127.0.0.1:0' });
    assert.deepEqual(config.metrics, { token: undefined, listen: { host: '127.0.0.1', port: 0 } });
    // With METRICS_LISTEN alone the API port does not serve it.
    const t = await createTestApp({ env: { METRICS_LISTEN: '127.0.0.1:0' } });
    assert.equal((await t.app.inject({ method: 'GET', url: '/metrics' })).statusCode, 404);

    const registry = createMetricsRegistry({ db: t.db, pools: { worker: t.pool } });
    const listener = await startMetricsListener(registry, config.metrics.listen!);
    onTestFileEnd(() => listener.close());
    const res = await fetch(`http://127.0.0.1:${listener.port}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const parsed = parseExposition(await res.text());
    assert.ok(valueOf(parsed, 'sluice_db_pool_clients', { pool: 'worker' }) !== undefined);
    assert.equal((await fetch(`http://127.0.0.1:${listener.port}/api/v1/me/`)).status, 404);
    assert.equal((await fetch(`http://127.0.0.1:${listener.port}/metrics`, { method: 'POST' })).status, 404);
  });

  test('METRICS_LISTEN must be host:port', () => {
    assert.deepEqual(loadConfig({ METRICS_LISTEN: '[::1]:9464' }).metrics.listen, { host: '::1', port: 9464 });
    assert.deepEqual(loadConfig({ METRICS_LISTEN: ':9464' }).metrics.listen, { host: '0.0.0.0', port: 9464 });
    for (const bad of ['9464x', 'host', 'host:', 'host:70000', 'host:-1']) assert.throws(() => loadConfig({ METRICS_LISTEN: bad }), /METRICS_LISTEN/, bad);
  });
});
