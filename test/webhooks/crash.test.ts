/**
 * A delivery worker killed with SIGKILL while a POST is on the wire, then a new one started: every
 * event reaches the receiver at least once, and the only events received twice are deliveries that
 * were `sending` (claimed, outcome not committed) when the worker died. Nothing recorded as
 * delivered is sent again; nothing is lost.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { describe, test } from 'node:test';
import { createTestApp } from '../helpers/app.ts';
import { onTestFileEnd } from '../helpers/db.ts';
import { recordEvents } from '../../src/events/record-event.ts';
import { startReceiver, waitFor } from './receiver.ts';

const N = 300;
const KILL_AT = 150;

async function spawnChild(connectionString: string, id: string) {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'test/webhooks/worker-child.ts'], {
    env: { ...process.env, DATA_DIR: '/tmp/sluice-test-data', DATABASE_URL: connectionString, OUTBOUND_ALLOW_HOSTS: '127.0.0.1', WEBHOOK_LEASE_SECONDS: '1', CHILD_WORKER_ID: id },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => proc.on('exit', () => resolve()));
  onTestFileEnd(async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    await exited;
  });
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: proc.stdout! }).on('line', (line) => line === 'ready' && resolve());
    void exited.then(() => reject(new Error('worker child exited before ready')));
  });
  return { proc, exited };
}

describe('a webhook worker killed with SIGKILL mid-delivery', () => {
  test('every event delivered at least once; duplicates only among the deliveries in flight at the kill', async (context) => {
    const t = await createTestApp({ env: { OUTBOUND_ALLOW_HOSTS: '127.0.0.1' } });
    const receiver = await startReceiver();
    const hook = (await t.call('POST', '/api/v1/webhook/', { body: { url: receiver.url, events: [{ object_type: 'lead', action: 'updated' }] } })).body;
    const base = Date.now();
    await recordEvents(
      t.db,
      Array.from({ length: N }, (_, i) => ({ organizationId: t.orgA.organization_id, objectType: 'lead', objectId: `lead_${i}`, action: 'updated', data: { i }, at: new Date(base + i) })),
    );

    const first = await spawnChild(t.connectionString, 'child-1');
    let killed!: () => void;
    const wasKilled = new Promise<void>((resolve) => (killed = resolve));
    receiver.respond = (_r, index) => {
      if (index !== KILL_AT) return undefined;
      // The POST is on the wire and unanswered: kill the worker now.
      first.proc.kill('SIGKILL');
      void first.exited.then(killed);
      return { wait: new Promise(() => {}) };
    };
    await wasKilled;
    const atKill = await t.db.selectFrom('webhook_deliveries').select(['id', 'event_id', 'status']).where('webhook_id', '=', hook.id).execute();
    const inFlight = new Set(atKill.filter((d) => d.status === 'sending').map((d) => d.event_id));
    const recorded = new Set(atKill.filter((d) => d.status === 'delivered').map((d) => d.event_id));
    assert.ok(inFlight.size > 0, 'the kill caught deliveries in flight');
    assert.ok(recorded.size > 0 && recorded.size < N, 'and some already recorded');
    const killedEvent = receiver.received[KILL_AT]!.body.event.id as string;
    assert.ok(inFlight.has(killedEvent), 'the POST on the wire is one of them');

    receiver.respond = () => undefined;
    await spawnChild(t.connectionString, 'child-2');
    await waitFor(async () => {
      const left = await t.db.selectFrom('webhook_deliveries').select('id').where('webhook_id', '=', hook.id).where('status', '!=', 'delivered').execute();
      return left.length === 0;
    }, 'every delivery recorded', 60_000);

    const counts = new Map<string, number>();
    for (const r of receiver.of(hook.id)) counts.set(r.body.event.id, (counts.get(r.body.event.id) ?? 0) + 1);
    const all = await t.db.selectFrom('webhook_deliveries').select('event_id').where('webhook_id', '=', hook.id).execute();
    assert.equal(all.length, N);
    for (const { event_id } of all) assert.ok((counts.get(event_id) ?? 0) >= 1, `${event_id} delivered`);
    const twice = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
    assert.ok(twice.includes(killedEvent), 'the interrupted POST was sent again');
    for (const id of twice) assert.ok(inFlight.has(id), `${id} sent twice although it was not in flight at the kill`);
    assert.ok([...counts.values()].every((n) => n <= 2));
    for (const id of recorded) assert.equal(counts.get(id), 1, `${id} was recorded delivered and sent again`);
    context.diagnostic(`${N} events; at the kill ${recorded.size} recorded delivered, ${inFlight.size} in flight ('sending'); ${twice.length} received twice`);
  });
});
