/**
 * The whole server killed with SIGKILL during API writes, like a power cut: `sluice serve` with no
 * DATABASE_URL (so it runs embedded PostgreSQL as its child), then the node process and every
 * postgres process at once. Started again on the same DATA_DIR, PostgreSQL recovers from its WAL,
 * and every write that was answered 200 (lead created, lead updated) is there.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { freePort } from '../../scripts/free-port.ts';
import { onTestFileEnd } from '../helpers/db.ts';
import { request, startSluice, until } from './helpers/processes.ts';
import { startTraffic, type TrafficResult } from './helpers/traffic.ts';

// One round costs two starts of sluice serve with its PostgreSQL (the first runs initdb): about a
// minute at load 20, so the suite does one.
const ROUNDS = 1;
const WRITES_BEFORE_KILL = 100;

/** The postmaster's pid (first line of postmaster.pid) and all its child processes. */
function postgresProcesses(pgDir: string): number[] {
  const postmaster = Number(fs.readFileSync(path.join(pgDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const children: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === postmaster) children.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return [postmaster, ...children];
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('sluice serve and its embedded PostgreSQL SIGKILLed during writes: every write answered 200 survives the restart', async (t) => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-faults-whole-'));
  onTestFileEnd(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const key = `faults_${randomBytes(24).toString('hex')}`;
  const env = { DATA_DIR: dataDir, DATABASE_URL: '', EMBEDDED_PG_PORT: String(await freePort()), SLUICE_API_KEY: key };
  const port = await freePort();
  const pgDir = path.join(dataDir, 'pg');
  let server = await startSluice('all', env, port);
  onTestFileEnd(() => {
    // A postgres left by a failed run must not outlive the test.
    if (fs.existsSync(path.join(pgDir, 'postmaster.pid'))) for (const pid of postgresProcesses(pgDir)) if (alive(pid)) process.kill(pid, 'SIGKILL');
  });
  const results: TrafficResult[] = [];
  const figures: string[] = [];
  let kills = 0;
  for (let round = 1; round <= ROUNDS; round++) {
    const traffic = startTraffic([server.url, server.url], key);
    await until(() => traffic.answers.filter((x) => x.op === 'update' && x.status === 200).length >= WRITES_BEFORE_KILL, 'writes to be answered', 120_000, 10);
    // Power cut: the node process and every postgres process at the same moment.
    const victims = [server.proc.pid!, ...postgresProcesses(pgDir)];
    const cutAt = Date.now();
    for (const pid of victims) process.kill(pid, 'SIGKILL');
    kills += victims.length > 1 ? 2 : 1;
    await server.exited;
    await until(() => victims.every((pid) => !alive(pid)), 'every killed process to be gone', 10_000, 20);
    const killedAt = Date.now();
    const result = await traffic.stop();
    results.push(result);
    server = await startSluice('all', env, port);
    const restartMs = Date.now() - killedAt;
    const inFlight = result.answers.filter((x) => x.status === 0 && x.sent <= cutAt).length;
    for (const r of results) await r.verify(server.url);
    const acknowledged = [...result.written.values()];
    figures.push(
      `round ${round}: ${result.written.size} creates and ${acknowledged.filter((v) => v !== null).length} updates answered 200 before the kill, ` +
        `${inFlight} requests in flight cut off; restarted (WAL recovery) in ${restartMs} ms, all acknowledged writes there`,
    );
  }
  // The cut-off writes either happened or not, but the server answers normally.
  const check = await request(server.url, key, 'GET', '/api/v1/lead/?_limit=1');
  assert.equal(check.status, 200);
  const total = results.reduce((n, r) => n + r.written.size, 0);
  assert.ok(total >= ROUNDS * WRITES_BEFORE_KILL);
  t.diagnostic(`killed the server and its PostgreSQL with SIGKILL ${ROUNDS === 1 ? 'once' : `${ROUNDS} times`} (${kills} SIGKILLs counted: node + postmaster); ${figures.join('; ')}`);
});
