import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { before, describe, test } from 'node:test';
import pino from 'pino';
import { createBulkActionWorker } from '../../src/bulk-actions/worker.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { onTestFileEnd } from '../helpers/db.ts';
import { insertLeads, statuses, TARGET_QUERY, waitFor, waitForStatus } from '../bulk-actions/fixtures.ts';
import { parseExposition, valueOf } from './exposition.ts';

const TOKEN = 'metrics-token-for-tests-0123456789';

interface LogLine {
  readonly msg: string;
  readonly level: number;
  readonly bulk_action_id?: string;
  readonly [key: string]: unknown;
}

describe('a bulk action in metrics and logs', () => {
  let t: TestApp;
  const lines: LogLine[] = [];
  before(async () => {
    t = await createTestApp({ env: { METRICS_TOKEN: TOKEN, BULK_BATCH_SIZE: '5', BULK_BATCH_DELAY_MS: '150' } });
    await insertLeads(t.db, t.orgA.organization_id, 12);
  });

  const scrape = async () => {
    const res = await t.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(res.statusCode, 200);
    return parseExposition(res.body);
  };
  const create = async () => {
    const [, , qualified] = await statuses(t.db, t.orgA.organization_id);
    const res = await t.call('POST', '/api/v1/bulk_action/edit/', {
      body: { s_query: TARGET_QUERY, type: 'set_lead_status', lead_status_id: qualified!.id, send_done_email: false },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.id as string;
  };
  const startWorker = async () => {
    // The worker's log stream, captured line by line as `sluice serve` would write it.
    const sink = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n')) if (line !== '') lines.push(JSON.parse(line) as LogLine);
        done();
      },
    });
    const worker = createBulkActionWorker(
      { db: t.db, pool: t.pool, config: t.config, clock: t.clock, log: pino({ level: 'debug' }, sink), connectionString: t.connectionString },
      { pollMs: 200 },
    );
    await worker.start();
    onTestFileEnd(() => worker.stop());
  };
  const of = (id: string) => lines.filter((line) => line.bulk_action_id === id);

  test('the items counter advances by the action’s leads; the actions gauge shows it by state and kind', async () => {
    const id = await create();
    const first = await scrape();
    assert.equal(valueOf(first, 'sluice_bulk_actions', { state: 'created', kind: 'edit' }), 1);
    const items = valueOf(first, 'sluice_bulk_action_items_processed_total', { kind: 'edit', outcome: 'done' }) ?? 0;
    const batches = valueOf(first, 'sluice_bulk_action_batches_total', { kind: 'edit' }) ?? 0;

    await startWorker();
    await waitForStatus(t.db, id, ['done']);
    const after = await scrape();
    assert.equal(valueOf(after, 'sluice_bulk_action_items_processed_total', { kind: 'edit', outcome: 'done' }), items + 12);
    assert.equal(valueOf(after, 'sluice_bulk_action_batches_total', { kind: 'edit' }), batches + 3, '12 leads in batches of 5');
    assert.equal(valueOf(after, 'sluice_bulk_action_items_processed_total', { kind: 'edit', outcome: 'skipped' }), undefined);
  });

  test('its log lines follow it by bulk_action_id from claim to done', async () => {
    const [action] = await t.db.selectFrom('bulk_actions').select('id').execute();
    const mine = await waitFor(async () => (of(action!.id).some((l) => l.msg === 'bulk action done') ? of(action!.id) : undefined));
    assert.deepEqual(
      mine.map((line) => line.msg),
      ['claimed bulk action', 'bulk action loaded', 'bulk action batch', 'bulk action batch', 'bulk action batch', 'bulk action done'],
    );
    assert.equal(mine[1]!.n_leads, 12);
    assert.deepEqual(mine.filter((l) => l.msg === 'bulk action batch').map((l) => l.n), [5, 5, 2]);
    for (const line of mine.slice(1, -1)) assert.equal(typeof line.ms, 'number', `${line.msg} carries its duration`);
    assert.equal(mine.at(-1)!.items, 12);
  });

  test('a pause and a resume are seen in its log lines too', async () => {
    const id = await create();
    await waitFor(async () => of(id).some((l) => l.msg === 'bulk action batch'), 20_000, 'a first batch');
    const paused = await t.call('PUT', `/api/v1/bulk_action/edit/${id}/`, { body: { status: 'paused' } });
    assert.equal(paused.body.status, 'paused');
    await waitFor(async () => of(id).some((l) => l.msg === 'bulk action stopped'), 20_000, 'the stop');
    const resumed = await t.call('PUT', `/api/v1/bulk_action/edit/${id}/`, { body: { status: 'resuming' } });
    assert.equal(resumed.body.status, 'resuming');
    await waitForStatus(t.db, id, ['done']);
    const mine = await waitFor(async () => (of(id).some((l) => l.msg === 'bulk action done') ? of(id) : undefined));
    const messages = mine.map((line) => line.msg).filter((msg) => msg !== 'bulk action batch');
    assert.deepEqual(messages, ['claimed bulk action', 'bulk action loaded', 'bulk action stopped', 'claimed bulk action', 'bulk action done']);
    assert.equal(mine.find((l) => l.msg === 'bulk action stopped')!.reason, 'paused');
    assert.equal(mine.filter((l) => l.msg === 'claimed bulk action')[1]!.status, 'processing');
    assert.equal(mine.filter((l) => l.msg === 'bulk action batch').reduce((sum, l) => sum + Number(l.n), 0), 12, 'every lead once');
  });
});
