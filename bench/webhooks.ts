/**
 * `npm run bench:webhooks`: what webhooks cost a bulk edit, and how fast they deliver (issue 13).
 *
 * In a PostgreSQL of its own (a fresh temporary DATA_DIR and a free EMBEDDED_PG_PORT unless
 * DATABASE_URL or BENCH_DATA_DIR is given: it never touches ./data or the sluice_bench databases of
 * the other benchmarks), an organization of BENCH_WEBHOOK_LEADS generated leads (default 100,000)
 * and `sluice serve --role all` as a child process; two receivers in this process (node:http on
 * loopback, allowed by OUTBOUND_ALLOW_HOSTS): `fast` answers at once, `slow` after BENCH_SLOW_MS
 * (default 5 ms). Then, BENCH_RUNS times (default 1), alternating:
 * 1. a bulk edit (set_custom_field) of every lead with no active webhook (both paused);
 * 2. the same edit with both subscribed to lead.updated: the edit's own time, and for each receiver
 *    when it had every event (each lead's event, each once, signature checked on a sample), giving
 *    deliveries per second; the slow one is waited for up to BENCH_CATCHUP_SECONDS (default 900),
 *    and its rate so far is reported if it has not caught up by then. Both subscriptions are then
 *    deleted and made anew, so every run starts with no backlog.
 * The last line gives the median and range of each kind of run, to set the difference against
 * the noise between runs of the same kind.
 * Before those, what the fan-out trigger adds to one INSERT of 1,000 lead.updated events (a bulk
 * edit batch's event statement), rolled back, median of 9 alternating: the trigger dropped (as
 * before migration 0016, and as migration 0023 leaves a database with no subscription); no active
 * webhook anywhere;
 * active webhooks in another organization only; the two subscriptions of this organization active.
 * Prints Markdown tables; BENCH_WRITE=1 also writes them into BENCHMARKS.md.
 */
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../scripts/free-port.ts';

const LEADS = Number(process.env.BENCH_WEBHOOK_LEADS ?? 100_000);
const SLOW_MS = Number(process.env.BENCH_SLOW_MS ?? 5);
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 1));
const CATCHUP_S = Number(process.env.BENCH_CATCHUP_SECONDS ?? 900);
const log = (message: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${message}\n`);
const sleep = (msec: number) => new Promise((resolve) => setTimeout(resolve, msec));
const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' / ');

// Its own database unless told otherwise: set before anything reads the configuration.
let tempDir: string | undefined;
if (!process.env.DATABASE_URL) {
  if (process.env.BENCH_DATA_DIR) process.env.DATA_DIR = process.env.BENCH_DATA_DIR;
  else process.env.DATA_DIR = tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-webhooks-'));
  process.env.EMBEDDED_PG_PORT = String(await freePort());
}
const { createApiKey } = await import('../src/auth/api-keys.ts');
const { createOrganization } = await import('../src/orgs/create-organization.ts');
const { seedOrganization } = await import('../src/seed/seed-organization.ts');
const { apiCall } = await import('./lib/api-call.ts');
const { openBenchDatabase } = await import('./lib/bench-database.ts');
const { writeBenchmarkSection } = await import('./lib/benchmarks-md.ts');
const { startServerProcess } = await import('./lib/server-process.ts');
const { markdownTable } = await import('./lib/table.ts');
const { timeRolledBack } = await import('./lib/rolled-back.ts');
const { summarize } = await import('./lib/stats.ts');
const { cpuSplit, postmasterPid } = await import('./lib/process-cpu.ts');

interface Receiver {
  readonly name: string;
  url: string;
  key: string;
  subscriptionId: string;
  /** Event ids received for the current run, and how many requests in all. */
  seen: Set<string>;
  requests: number;
  badSignatures: number;
  first: number;
  last: number;
  close(): Promise<void>;
}

async function startReceiver(name: string, delayMs: number): Promise<Receiver> {
  const receiver: Receiver = { name, url: '', key: '', subscriptionId: '', seen: new Set(), requests: 0, badSignatures: 0, first: 0, last: 0, close: async () => {} };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const body = JSON.parse(raw) as { subscription_id: string; event: { id: string; object_type: string; action: string } };
      const answer = () => {
        if (body.subscription_id === receiver.subscriptionId && body.event.object_type === 'lead' && body.event.action === 'updated') {
          receiver.requests += 1;
          if (receiver.first === 0) receiver.first = performance.now();
          receiver.last = performance.now();
          receiver.seen.add(body.event.id);
          if (receiver.requests % 1000 === 1) {
            const ts = String(req.headers['close-sig-timestamp']);
            const want = createHmac('sha256', Buffer.from(receiver.key, 'hex')).update(ts + raw).digest('hex');
            if (want !== req.headers['close-sig-hash']) receiver.badSignatures += 1;
          }
        }
        res.writeHead(200).end();
      };
      if (delayMs > 0) setTimeout(answer, delayMs);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/${name}`;
  receiver.close = () => new Promise((resolve) => server.close(() => resolve()));
  return receiver;
}

const database = await openBenchDatabase('sluice_bench_webhooks');
const { db, pool } = database;
const receivers: Receiver[] = [];
let server: Awaited<ReturnType<typeof startServerProcess>> | undefined;
try {
  const name = `Webhook benchmark: ${LEADS} leads`;
  let org = await db.selectFrom('organizations').select('id').where('name', '=', name).executeTakeFirst();
  if (!org) org = { id: (await createOrganization(db, { name, userEmail: 'webhooks@example.com' })).organization_id };
  const organizationId = org.id;
  const count = Number((await pool.query('SELECT count(*) AS n FROM leads WHERE organization_id = $1', [organizationId])).rows[0].n);
  if (count < LEADS) {
    log(`seeding ${LEADS - count} leads`);
    await seedOrganization(database, { organizationId, leads: LEADS - count, seed: `webhooks-${Date.now()}` });
  }
  await pool.query('ANALYZE leads, contacts, events');
  const user = await db.selectFrom('users').select('id').where('organization_id', '=', organizationId).executeTakeFirstOrThrow();
  const apiKey = (await createApiKey(db, organizationId, user.id)).key;
  const field = (await pool.query(`SELECT id FROM custom_fields WHERE organization_id = $1 AND name = 'Referral Source'`, [organizationId])).rows[0].id as string;
  const pgVersion = (await pool.query('SHOW server_version')).rows[0].server_version as string;
  const loadBefore = load();

  receivers.push(await startReceiver('fast', 0), await startReceiver('slow', SLOW_MS));
  server = await startServerProcess(
    database.connectionString,
    { RATE_LIMIT_PER_KEY: '0', OUTBOUND_ALLOW_HOSTS: '127.0.0.1', WEBHOOK_MAX_BACKLOG: String(LEADS * 2 + 1000) },
    'all',
  );
  const call = <T>(method: string, url: string, body?: unknown) => apiCall<T>(server!.baseUrl, apiKey, method, url, body);
  /** New paused subscriptions for both receivers (the old ones deleted): a run starts with no backlog. */
  const subscribeAfresh = async () => {
    for (const receiver of receivers) {
      if (receiver.subscriptionId) await call('DELETE', `/webhook/${receiver.subscriptionId}/`);
      const hook = await call<{ id: string; signature_key: string }>('POST', '/webhook/', { url: receiver.url, events: [{ object_type: 'lead', action: 'updated' }], status: 'paused' });
      receiver.subscriptionId = hook.id;
      receiver.key = hook.signature_key;
    }
  };
  await subscribeAfresh();

  // The trigger's cost on one batch's event statement.
  const other = await createOrganization(db, { name: `Webhook benchmark neighbour ${Date.now()}`, userEmail: 'neighbour@example.com' });
  await pool.query(
    `INSERT INTO webhooks (id, organization_id, url, events, status, signature_key) VALUES ($1, $2, 'http://127.0.0.1:9/', '[{"object_type":"lead","action":"updated"}]', 'paused', 'unused')`,
    [`whsub_bench_${Date.now()}`, other.organization_id],
  );
  const setStatus = (orgId: string, status: string) => pool.query('UPDATE webhooks SET status = $2 WHERE organization_id = $1', [orgId, status]);
  const insertSql = `INSERT INTO events (id, organization_id, object_type, object_id, lead_id, action, changed_fields, data, previous_data, meta, date_created, date_updated)
         SELECT 'ev_bench' || g || md5(random()::text), $1, 'lead', 'lead_bench' || g, 'lead_bench' || g, 'updated', '["custom.x"]',
                jsonb_build_object('id', 'lead_bench' || g, 'custom.x', 'v'), '{"custom.x": null}', '{"bulk_action_id": "bulkedit_x"}', clock_timestamp(), clock_timestamp()
         FROM generate_series(1, 1000) g`;
  /**
   * The same INSERT with the fan-out trigger dropped inside the transaction: events as before
   * migration 0016. Dropped, not disabled: a disabled trigger's transition table is still filled.
   */
  const insertWithoutTrigger = async () => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('DROP TRIGGER events_webhook_fan_out ON events');
      const start = performance.now();
      await client.query(insertSql, [organizationId]);
      const elapsed = performance.now() - start;
      await client.query('ROLLBACK');
      return elapsed;
    } finally {
      client.release();
    }
  };
  const insertBatch = () =>
    timeRolledBack(pool, async (client) => {
      await client.query(insertSql, [organizationId]);
    });
  const setups: [string, () => Promise<unknown>, () => Promise<number>][] = [
    ['no fan-out trigger (before migration 0016)', async () => { await setStatus(organizationId, 'paused'); await setStatus(other.organization_id, 'paused'); }, insertWithoutTrigger],
    ['no active webhook', async () => { await setStatus(organizationId, 'paused'); await setStatus(other.organization_id, 'paused'); }, insertBatch],
    ['active webhook in another organization only', async () => { await setStatus(organizationId, 'paused'); await setStatus(other.organization_id, 'active'); }, insertBatch],
    ['two active subscriptions (lead.updated) in this organization', async () => { await setStatus(organizationId, 'active'); await setStatus(other.organization_id, 'paused'); }, insertBatch],
  ];
  const samples = setups.map(() => [] as number[]);
  for (let i = 0; i < 10; i++) {
    for (const [index, [, prepare, insert]] of setups.entries()) {
      await prepare();
      const ms = await insert();
      if (i > 0) samples[index]!.push(ms);
    }
  }
  await pool.query('DELETE FROM webhooks WHERE organization_id = $1', [other.organization_id]);
  await setStatus(organizationId, 'paused');
  const fanOut = setups.map(([label], index) => {
    const sum = summarize(samples[index]!);
    return [label, `${sum.median.toFixed(1)} ms`, `${sum.p95.toFixed(1)} ms`, `${(sum.median / summarize(samples[0]!).median).toFixed(2)}x`];
  });
  log(`fan-out cost: ${fanOut.map((r) => `${r[0]} ${r[1]}`).join('; ')}`);

  const postmaster = await postmasterPid(pool);
  /** CPU seconds of each process during the last edit: PostgreSQL, the server, this process (the receivers). */
  let lastCpu: Record<string, number> = {};
  const cpuCell = (cpu: Record<string, number>) =>
    `${cpu.postgres!.toFixed(1)} / ${cpu.server!.toFixed(1)} / ${cpu.bench!.toFixed(1)}`;
  let round = 0;
  async function bulkEdit(): Promise<number> {
    round += 1;
    const start = performance.now();
    const cpu = cpuSplit({ server: server!.pid }, postmaster);
    const created = await call<{ id: string }>('POST', '/bulk_action/edit/', {
      type: 'set_custom_field',
      custom_field_id: field,
      custom_field_value: `round ${round} ${Date.now()}`,
      s_query: { type: 'object_type', object_type: 'lead' },
      send_done_email: false,
    });
    for (;;) {
      await sleep(200);
      const action = await call<{ status: string; error_message?: string; n_leads_processed: number }>('GET', `/bulk_action/edit/${created.id}/`);
      if (action.status === 'done') break;
      if (action.status === 'error') throw new Error(`bulk edit failed: ${action.error_message}`);
    }
    lastCpu = cpu();
    return (performance.now() - start) / 1000;
  }

  const rows: string[][] = [];
  const without: number[] = [];
  const withHooks: number[] = [];
  const cpuWithout: Record<string, number>[] = [];
  const cpuWith: Record<string, number>[] = [];
  for (let run = 1; run <= RUNS; run++) {
    log(`run ${run}: bulk edit of ${LEADS} leads, no active webhook`);
    const a = await bulkEdit();
    without.push(a);
    cpuWithout.push(lastCpu);
    log(`  ${a.toFixed(1)} s; CPU s postgres / server / bench ${cpuCell(lastCpu)}`);
    rows.push([`${run}`, 'none active', `${a.toFixed(1)} s`, `${Math.round(LEADS / a)}`, cpuCell(lastCpu), '', '', '']);

    for (const receiver of receivers) {
      receiver.seen = new Set();
      receiver.requests = 0;
      receiver.first = 0;
      receiver.last = 0;
      await call('PUT', `/webhook/${receiver.subscriptionId}/`, { status: 'active' });
    }
    log(`run ${run}: bulk edit of ${LEADS} leads, two active webhooks (fast, slow ${SLOW_MS} ms)`);
    const editStart = performance.now();
    const b = await bulkEdit();
    withHooks.push(b);
    cpuWith.push(lastCpu);
    const editCpu = lastCpu;
    log(`  ${b.toFixed(1)} s; CPU s postgres / server / bench ${cpuCell(lastCpu)}; fast has ${receivers[0]!.seen.size}, slow ${receivers[1]!.seen.size}`);
    const deadline = performance.now() + CATCHUP_S * 1000;
    while (receivers.some((r) => r.seen.size < LEADS) && performance.now() < deadline) {
      await sleep(1000);
      if (Math.round(performance.now() / 1000) % 30 === 0) log(`  fast ${receivers[0]!.seen.size}, slow ${receivers[1]!.seen.size}`);
    }
    const cells = receivers.map((r) => {
      const done = r.seen.size >= LEADS;
      const seconds = ((done ? r.last : performance.now()) - editStart) / 1000;
      const rate = r.seen.size / ((r.last - r.first) / 1000 || 1);
      return `${r.name}: ${r.seen.size}/${LEADS} events${r.requests > r.seen.size ? ` (+${r.requests - r.seen.size} repeats)` : ''}, ${done ? 'all' : 'not all'} ${seconds.toFixed(1)} s after the edit started, ${Math.round(rate)} deliveries/s${r.badSignatures ? `, ${r.badSignatures} bad signatures` : ''}`;
    });
    rows.push([`${run}`, `fast + slow (${SLOW_MS} ms)`, `${b.toFixed(1)} s`, `${Math.round(LEADS / b)}`, cpuCell(editCpu), cells[0]!, cells[1]!, `${(b / a).toFixed(2)}x`]);
    // What the slow receiver has not had by now is dropped with its subscription: the next run's
    // edit without webhooks must not share the machine with this run's deliveries, and the next
    // run's edit with them starts from no backlog, like the first.
    await subscribeAfresh();
  }
  const range = (xs: number[]) => `median ${summarize(xs).median.toFixed(1)} s (${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)} s)`;
  const medianCpu = (runs: Record<string, number>[]) =>
    cpuCell(Object.fromEntries(['postgres', 'server', 'bench'].map((k) => [k, summarize(runs.map((r) => r[k]!)).median])));
  const spread = [
    `Edit without webhooks: ${range(without)}; with both delivering: ${range(withHooks)}; ratio of medians ${(summarize(withHooks).median / summarize(without).median).toFixed(2)}x.`,
    `CPU seconds during the edit (median; PostgreSQL / server / this process, whose receivers stand for systems elsewhere): without webhooks ${medianCpu(cpuWithout)}, with ${medianCpu(cpuWith)}.`,
  ].join(' ');
  log(spread);

  const table = markdownTable(['run', 'webhooks', 'bulk edit', 'leads/s', 'CPU s during the edit (PostgreSQL / server / bench)', 'fast receiver', 'slow receiver', 'edit time vs none'], rows);
  const markdown = [
    `Command: \`npm run bench:webhooks\` (BENCH_WEBHOOK_LEADS=${LEADS}, BENCH_SLOW_MS=${SLOW_MS}, BENCH_RUNS=${RUNS}). Run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC;`,
    `PostgreSQL ${pgVersion}; ${os.cpus().length} CPUs, load ${loadBefore} before, ${load()} after; Node ${process.version}; WEBHOOK_MAX_IN_FLIGHT default (1).`,
    '',
    'One INSERT of 1,000 lead.updated events (a bulk edit batch\'s event statement), rolled back, median of 9:',
    '',
    markdownTable(['webhooks', 'median', 'p95', 'vs no trigger'], fanOut),
    '',
    'Bulk edit of every lead, through the API and the engine (`sluice serve --role all`):',
    '',
    table,
    '',
    spread,
  ].join('\n');
  process.stdout.write(`${markdown}\n`);
  if (process.env.BENCH_WRITE === '1') writeBenchmarkSection(path.resolve('BENCHMARKS.md'), 'Webhooks under a bulk edit', markdown);
} finally {
  await server?.stop();
  for (const receiver of receivers) await receiver.close();
  await database.close();
  if (tempDir) fs.rmSync(tempDir, { recursive: true, force: true });
}
