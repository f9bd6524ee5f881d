/**
 * `npm run bench:scale`: what a second process of each role buys on this machine.
 *
 * On the organization of bench:load (BENCH_LEADS leads, default 300,000; seeded or topped up):
 * 1. Bulk: one `sluice serve --role api` (to create and poll the actions) and 1, then 2,
 *    `--role worker` processes; the time of one set_custom_field bulk edit of BENCH_EDIT_LEADS
 *    (300,000) leads, and of two edits at once (the oldest and the newest BENCH_EDIT_LEADS / 2
 *    leads, disjoint rows), as leads/s. An action is leased to one worker at a time, so a second
 *    worker can only help the second case. Baseline: one raw UPDATE setting the same field on the
 *    same rows, in a transaction rolled back.
 * 2. API: GET /lead/{id}/ with autocannon at BENCH_CONNECTIONS (64) connections for BENCH_SECONDS
 *    (15), against 1, then 2, `--role api` processes (two autocannon instances at once, one per
 *    port, half the connections each, summed: Sluice has no load balancer of its own). Baseline:
 *    the bare Fastify server of bench:load (one process, GET /lead/{id}/'s own statement).
 * The load average is recorded before and after each run (the machine is shared).
 *
 * Environment: BENCH_LEADS, BENCH_EDIT_LEADS, BENCH_SECONDS, BENCH_CONNECTIONS, BENCH_PARTS (a
 * subset of "bulk,api"), BENCH_WRITE=0; DATABASE_URL / DATA_DIR as for `sluice`; server settings
 * (DB_POOL_SIZE, BULK_BATCH_SIZE...) pass through.
 */
import os from 'node:os';
import path from 'node:path';
import { runLoad, sumLoads, type LoadResult } from './lib/autocannon-run.ts';
import { bareServerEnv } from './lib/bare-server-env.ts';
import { openBenchDatabase } from './lib/bench-database.ts';
import { writeBenchmarkSection } from './lib/benchmarks-md.ts';
import { referralField, timeBulkEdits } from './lib/bulk-edit.ts';
import { loadRequest, sampleLoadData } from './lib/load-requests.ts';
import { loadOrganization } from './lib/load-organization.ts';
import { timeRolledBack } from './lib/rolled-back.ts';
import { startChild, startServerProcess, type ServerProcess } from './lib/server-process.ts';
import { ms } from './lib/stats.ts';
import { markdownTable } from './lib/table.ts';

const env = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);
const LEADS = env('BENCH_LEADS', 300_000);
const EDIT_LEADS = Math.min(env('BENCH_EDIT_LEADS', 300_000), LEADS);
const SECONDS = env('BENCH_SECONDS', 15);
const CONNECTIONS = env('BENCH_CONNECTIONS', 64);
const PARTS = (process.env.BENCH_PARTS ?? 'bulk,api').split(',').map((p) => p.trim());
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const log = (message: string) => process.stderr.write(`${message}\n`);
const loadAverage = () => os.loadavg().map((n) => n.toFixed(2)).join(' ');

const stopAll = (servers: ServerProcess[]) => Promise.all(servers.map((s) => s.stop()));

const database = await openBenchDatabase();
const { pool } = database;
const bulkRows: string[][] = [];
const apiRows: string[][] = [];
try {
  const org = await loadOrganization(database, LEADS, log);
  const fieldId = await referralField(pool, org.organizationId);
  const url = database.connectionString;
  const base = { RATE_LIMIT_PER_KEY: '0' };

  if (PARTS.includes('bulk')) {
    const before = loadAverage();
    const rawMs = await timeRolledBack(pool, async (client) => {
      await client.query(
        `UPDATE leads SET custom = jsonb_set(custom, ARRAY[$2::text], to_jsonb($3::text)), date_updated = now()
          WHERE organization_id = $1 AND id IN (SELECT id FROM leads WHERE organization_id = $1 ORDER BY date_created, id LIMIT $4)`,
        [org.organizationId, fieldId, `raw ${Date.now()}`, EDIT_LEADS],
      );
    });
    const rawRate = EDIT_LEADS / (rawMs / 1000);
    bulkRows.push(['raw UPDATE (one statement, rolled back)', '–', String(EDIT_LEADS), `${(rawMs / 1000).toFixed(1)} s`, String(Math.round(rawRate)), '1.00x', `${before} → ${loadAverage()}`]);
    for (const workers of [1, 2]) {
      const api = await startServerProcess(url, base, 'api');
      const started: ServerProcess[] = [api];
      try {
        for (let i = 0; i < workers; i++) started.push(await startServerProcess(url, base, 'worker'));
        const target = { baseUrl: api.baseUrl, apiKey: org.apiKey, organizationId: org.organizationId };
        for (const [label, directions, leads] of [
          ['one edit', ['asc'], EDIT_LEADS],
          ['two edits at once (oldest and newest halves)', ['asc', 'desc'], Math.floor(EDIT_LEADS / 2)],
        ] as const) {
          const loadBefore = loadAverage();
          log(`bulk: ${label}, ${workers} worker process(es)`);
          const run = await timeBulkEdits(target, fieldId, leads, directions);
          const rate = run.leads / run.seconds;
          bulkRows.push([label, String(workers), String(run.leads), `${run.seconds.toFixed(1)} s`, String(Math.round(rate)), `${(rate / rawRate).toFixed(2)}x`, `${loadBefore} → ${loadAverage()}`]);
          log(`  ${Math.round(rate)} leads/s`);
        }
      } finally {
        await stopAll(started);
      }
    }
  }

  if (PARTS.includes('api')) {
    const data = await sampleLoadData(pool, org.organizationId);
    const bare = await startChild(
      ['--import', 'tsx', path.join(ROOT, 'bench/lib/bare-server.ts')],
      { DATABASE_URL: url, ...bareServerEnv(org.organizationId, data.leadIds[0]!) },
      'http',
    );
    let bareResult: LoadResult;
    try {
      await runLoad(bare.baseUrl, [loadRequest('get', data, null, '')], CONNECTIONS, 5);
      const loadBefore = loadAverage();
      bareResult = await runLoad(bare.baseUrl, [loadRequest('get', data, null, '')], CONNECTIONS, SECONDS);
      apiRows.push(apiRow("bare Fastify, GET /lead/{id}/'s statement (1 process)", bareResult, bareResult, loadBefore));
    } finally {
      await bare.stop();
    }
    let single: LoadResult | undefined;
    for (const processes of [1, 2]) {
      const servers: ServerProcess[] = [];
      try {
        for (let i = 0; i < processes; i++) servers.push(await startServerProcess(url, base, 'api'));
        const per = Math.floor(CONNECTIONS / processes);
        const run = () => Promise.all(servers.map((s) => runLoad(s.baseUrl, [loadRequest('get', data, org.apiKey)], per, SECONDS)));
        await Promise.all(servers.map((s) => runLoad(s.baseUrl, [loadRequest('get', data, org.apiKey)], per, 5)));
        const loadBefore = loadAverage();
        log(`api: GET /lead/{id}/ against ${processes} api process(es)`);
        const result = sumLoads(await run());
        single ??= result;
        apiRows.push(apiRow(`GET /lead/{id}/, ${processes} \`--role api\` process${processes > 1 ? 'es' : ''}`, result, bareResult, loadBefore, single));
        if (result.errors > 0 || Object.keys(result.non2xx).length > 0) process.exitCode = 1;
      } finally {
        await stopAll(servers);
      }
    }
  }

  const markdown = [
    '## Scaling out (`npm run bench:scale`)',
    '',
    `${org.leads.toLocaleString('en-US')}-lead organization; ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}) shared by PostgreSQL, every Sluice process`,
    `and the load generator, and with other work (load average beside each run); run ${new Date().toISOString().slice(0, 16)}Z.`,
    '',
    bulkRows.length > 0
      ? markdownTable(['bulk edit (set_custom_field)', 'worker processes', 'leads', 'time (POST to done)', 'leads/s', 'vs raw UPDATE', 'load avg before → after'], bulkRows)
      : '(bulk part not run)',
    '',
    apiRows.length > 0
      ? markdownTable([`API traffic (autocannon, ${CONNECTIONS} connections in all, ${SECONDS} s)`, 'req/s', 'p50 ms', 'p99 ms', 'errors / non-2xx', 'vs bare', 'vs 1 process', 'load avg before → after'], apiRows)
      : '(API part not run)',
    '',
    'Reproduce: `DATA_DIR=/tmp/load-bench npm run bench:scale` (BENCH_LEADS, BENCH_EDIT_LEADS, BENCH_SECONDS, BENCH_CONNECTIONS, BENCH_PARTS; see bench/scale.ts).',
  ].join('\n');
  process.stdout.write(`${markdown}\n`);
  if (process.env.BENCH_WRITE !== '0') writeBenchmarkSection(path.join(ROOT, 'BENCHMARKS.md'), 'scale', markdown);
} finally {
  await database.close();
}

function apiRow(label: string, result: LoadResult, bare: LoadResult, loadBefore: string, single?: LoadResult): string[] {
  return [
    label,
    String(Math.round(result.perSecond)),
    ms(result.p50Ms),
    ms(result.p99Ms),
    `${result.errors} / ${Object.values(result.non2xx).reduce((a, b) => a + b, 0)}`,
    `${(result.perSecond / bare.perSecond).toFixed(2)}x`,
    single ? `${(result.perSecond / single.perSecond).toFixed(2)}x` : '–',
    `${loadBefore} → ${loadAverage()}`,
  ];
}
