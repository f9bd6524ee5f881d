/**
 * Two real `sluice serve --role api` processes on one database, one key hammered through both at
 * once: together they let through what one process lets through (RATE_LIMIT_PER_KEY per second
 * after a first second's burst), within 10%. Counted in memory, each process would let through its
 * own full share: twice the limit.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestApp } from '../helpers/app.ts';
import { spawnServe } from './serve-process.ts';

const RATE = 10;
const SECONDS = 5;
const LOOPS_PER_PROCESS = 6;

test('two api processes enforce the per-key limit of one, within 10%', async (ctx) => {
  const t = await createTestApp();
  const env = { RATE_LIMIT_PER_KEY: String(RATE) };
  const servers = [await spawnServe(t.connectionString, 'api', env), await spawnServe(t.connectionString, 'api', env)];
  await Promise.all(servers.map((s) => s.waitForLog((l) => l.msg === 'ready')));
  const headers = { authorization: `Basic ${Buffer.from(`${t.orgA.api_key}:`).toString('base64')}` };
  const counts = servers.map(() => ({ accepted: 0, refused: 0 }));
  const started = Date.now();
  const stopAt = started + SECONDS * 1000;
  const loop = async (i: number) => {
    while (Date.now() < stopAt) {
      const res = await fetch(`${servers[i]!.baseUrl}/api/v1/me/`, { headers });
      await res.arrayBuffer();
      if (res.status === 200) counts[i]!.accepted += 1;
      else if (res.status === 429) counts[i]!.refused += 1;
      else assert.fail(`unexpected ${res.status}`);
    }
  };
  await Promise.all(servers.flatMap((_, i) => Array.from({ length: LOOPS_PER_PROCESS }, () => loop(i))));
  const elapsed = (Date.now() - started) / 1000;
  const accepted = counts[0]!.accepted + counts[1]!.accepted;
  // A fresh bucket holds one second's worth, then refills at RATE per second.
  const expected = RATE + RATE * elapsed;
  const summary = `${JSON.stringify(counts)} in ${elapsed.toFixed(2)} s: ${accepted} accepted, one process's limit allows ${expected.toFixed(1)}`;
  ctx.diagnostic(summary);
  assert.ok(counts.every((c) => c.accepted > 0 && c.refused > 0), `both processes served and refused: ${summary}`);
  assert.ok(Math.abs(accepted - expected) <= expected * 0.1, summary);
  for (const s of servers) s.child.kill('SIGTERM');
  assert.deepEqual(await Promise.all(servers.map((s) => s.exited)), [0, 0]);
});
