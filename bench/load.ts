/**
 * `npm run bench:load`: API throughput and latency under load, idle and while a bulk edit runs.
 *
 * Seeds (or reuses and tops up) an organization of BENCH_LEADS leads (default 300,000) in the
 * benchmark database (bench/lib/bench-database.ts), runs `sluice serve` (API and workers in one
 * process, rate limits off) and a bare Fastify server (bench/lib/bare-server.ts: GET /lead/{id}/'s
 * one SQL statement, no auth, no validation) as children, and with autocannon at
 * BENCH_CONNECTIONS (64) connections for BENCH_SECONDS (15) each measures GET /lead/{id}/, two
 * /data/search/ shapes, POST /lead/ and PUT /lead/{id}/: requests/s, p50, p99, errors. Then the same
 * while a set_custom_field bulk edit of BENCH_EDIT_LEADS (300,000) leads runs (a new one starts when
 * one is done; each row says what share of its run overlapped an edit's processing). Alongside each
 * run: CPU of the server and of the machine, and what PostgreSQL's backends were waiting on.
 *
 * Targets (issue 14): GET /lead/{id}/ at least 0.7x the bare server's requests/s; p99 during the
 * bulk edit at most 2x idle. Any non-2xx answer or connection error fails the run (exit code 1)
 * after the tables are printed: no scenario here asks for a 429.
 *
 * Environment: BENCH_LEADS, BENCH_EDIT_LEADS, BENCH_SECONDS, BENCH_CONNECTIONS, BENCH_KINDS (a
 * subset of "get,search-status-date,search-email,post,put"), BENCH_PHASES ("idle,bulk"),
 * BENCH_WRITE=0 to leave BENCHMARKS.md alone; DATABASE_URL / DATA_DIR (use your own, e.g.
 * DATA_DIR=/tmp/load-bench) as for `sluice`; other settings (DB_POOL_SIZE, BULK_BATCH_SIZE,
 * BULK_BATCH_DELAY_MS...) pass through to the server.
 */
import os from 'node:os';
import path from 'node:path';
import { sampleActivity, type ActivitySummary } from './lib/activity-sampler.ts';
import { runLoad, type LoadResult } from './lib/autocannon-run.ts';
import { bareServerEnv } from './lib/bare-server-env.ts';
import type { OpenDatabase } from '../src/db/database.ts';
import { getLeadStatement } from '../src/leads/get-lead.ts';
import { openBenchDatabase } from './lib/bench-database.ts';
import { writeBenchmarkSection } from './lib/benchmarks-md.ts';
import { keepBulkEditRunning, referralField, type BulkKeeper } from './lib/bulk-edit.ts';
import { KIND_LABELS, loadRequest, REQUEST_KINDS, sampleLoadData, type RequestKind } from './lib/load-requests.ts';
import { loadOrganization } from './lib/load-organization.ts';
import { startChild, startServerProcess } from './lib/server-process.ts';
import { ms } from './lib/stats.ts';
import { markdownTable } from './lib/table.ts';

const env = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);
const LEADS = env('BENCH_LEADS', 300_000);
const EDIT_LEADS = Math.min(env('BENCH_EDIT_LEADS', 300_000), LEADS);
const SECONDS = env('BENCH_SECONDS', 15);
const CONNECTIONS = env('BENCH_CONNECTIONS', 64);
const KINDS = (process.env.BENCH_KINDS ?? REQUEST_KINDS.join(',')).split(',').map((k) => k.trim()).filter(Boolean) as RequestKind[];
const PHASES = (process.env.BENCH_PHASES ?? 'idle,bulk').split(',').map((p) => p.trim());
/** Issue 14's targets. */
const GET_RATIO_TARGET = 0.7;
const P99_RATIO_TARGET = 2;
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const log = (message: string) => process.stderr.write(`${message}\n`);
const loadAverage = () => os.loadavg().map((n) => n.toFixed(2)).join(' ');

for (const kind of KINDS) if (!REQUEST_KINDS.includes(kind)) throw new Error(`BENCH_KINDS: unknown kind ${kind}`);

interface Row {
  readonly phase: 'idle' | 'bulk';
  /** bare: the bare server running GET /lead/{id}/'s statement; row: the bare server running a lead-row query only. */
  readonly target: 'sluice' | 'bare' | 'row';
  readonly kind: RequestKind;
  readonly result: LoadResult;
  readonly activity: ActivitySummary;
  readonly loadBefore: string;
  readonly loadAfter: string;
  /** Share of the run during which a bulk edit was processing (bulk phase only). */
  readonly overlap?: number;
}

/** Reads each of `leadIds` once with GET /lead/{id}/'s statement, four at a time. */
async function warmLeads({ pool }: OpenDatabase, organizationId: string, leadIds: readonly string[]): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: 4 }, async () => {
    while (next < leadIds.length) {
      await pool.query(getLeadStatement(organizationId, leadIds[next++]!, 'http://127.0.0.1'));
    }
  }));
}

const database = await openBenchDatabase();
const { pool } = database;
const rows: Row[] = [];
let bulkRate = Number.NaN;
try {
  const org = await loadOrganization(database, LEADS, log);
  const data = await sampleLoadData(pool, org.organizationId);
  const fieldId = await referralField(pool, org.organizationId);
  const pgVersion = (await pool.query('SHOW server_version')).rows[0].server_version as string;
  const sluice = await startServerProcess(database.connectionString, { RATE_LIMIT_PER_KEY: '0' }, 'all');
  const bare = await startChild(
    ['--import', 'tsx', path.join(ROOT, 'bench/lib/bare-server.ts')],
    { DATABASE_URL: database.connectionString, ...bareServerEnv(org.organizationId, data.leadIds[0]!) },
    'http',
  );
  const pids = { sluice: sluice.pid, bare: bare.pid };
  try {
    /** One autocannon run of `kind` against `target`, with its CPU and wait samples. */
    const measure = async (phase: Row['phase'], target: Row['target'], kind: RequestKind, keeper?: BulkKeeper): Promise<void> => {
      if (keeper) await keeper.processing();
      const loadBefore = loadAverage();
      const sampler = sampleActivity(pool, target === 'sluice' ? { server: pids.sluice } : { server: pids.bare });
      const from = performance.now();
      const request =
        target === 'sluice' ? loadRequest(kind, data, org.apiKey) : loadRequest(kind, data, null, target === 'bare' ? '' : '/row');
      const result = await runLoad(target === 'sluice' ? sluice.baseUrl : bare.baseUrl, [request], CONNECTIONS, SECONDS);
      const to = performance.now();
      const activity = await sampler.stop();
      const row: Row = { phase, target, kind, result, activity, loadBefore, loadAfter: loadAverage(), ...(keeper ? { overlap: keeper.coverage(from, to) } : {}) };
      rows.push(row);
      log(`${phase} ${target} ${kind}: ${Math.round(result.perSecond)} req/s, p50 ${ms(result.p50Ms)} ms, p99 ${ms(result.p99Ms)} ms, errors ${result.errors}, non-2xx ${JSON.stringify(result.non2xx)}`);
    };
    const phase = async (name: Row['phase'], keeper?: BulkKeeper) => {
      for (const kind of KINDS) {
        await measure(name, 'sluice', kind, keeper);
        if (kind === 'get') {
          await measure(name, 'bare', kind, keeper);
          await measure(name, 'row', kind, keeper);
        }
      }
    };

    // Every sampled lead read once, with its contacts, before anything is measured: 5 s of warm-up
    // touch only a third of them, and whichever target ran first would read the rest from disk for
    // the next. (At 300,000 leads it made no measurable difference: 0.68x both ways.)
    await warmLeads(database, org.organizationId, data.leadIds);
    // Warm both servers (JIT, pools) without recording.
    await runLoad(sluice.baseUrl, [loadRequest('get', data, org.apiKey)], CONNECTIONS, 5);
    await runLoad(bare.baseUrl, [loadRequest('get', data, null, '')], CONNECTIONS, 5);
    if (PHASES.includes('idle')) await phase('idle');
    if (PHASES.includes('bulk')) {
      log(`bulk phase: set_custom_field over ${EDIT_LEADS} leads, restarted when done`);
      const keeper = keepBulkEditRunning({ baseUrl: sluice.baseUrl, apiKey: org.apiKey, organizationId: org.organizationId }, fieldId, EDIT_LEADS);
      try {
        await phase('bulk', keeper);
        bulkRate = keeper.leadsPerSecond();
      } finally {
        await keeper.stop();
      }
    }
  } finally {
    await sluice.stop();
    await bare.stop();
  }

  const markdown = report(org.leads, pgVersion);
  process.stdout.write(`${markdown}\n`);
  if (process.env.BENCH_WRITE !== '0') writeBenchmarkSection(path.join(ROOT, 'BENCHMARKS.md'), 'load', markdown);
} finally {
  await database.close();
}

const failures = rows.filter((r) => r.result.errors > 0 || Object.keys(r.result.non2xx).length > 0);
if (failures.length > 0) {
  for (const f of failures) log(`FAILED: ${f.phase} ${f.target} ${f.kind}: ${f.result.errors} connection errors, non-2xx ${JSON.stringify(f.result.non2xx)}`);
  process.exitCode = 1;
}

function report(leads: number, pgVersion: string): string {
  const find = (phase: Row['phase'], target: Row['target'], kind: RequestKind) => rows.find((r) => r.phase === phase && r.target === target && r.kind === kind);
  const waits = (a: ActivitySummary) => a.waits.slice(0, 3).map(([w, n]) => `${w} ${n.toFixed(1)}`).join(', ') || '–';
  const main = markdownTable(
    ['phase', 'request', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'errors / non-2xx', 'server CPU', 'machine CPU', 'active / idle-in-tx backends', 'top waits (backends)', 'bulk overlap', 'load avg before → after'],
    rows.map((r) => [
      r.phase,
      r.target === 'bare' ? "bare Fastify, GET /lead/{id}/'s statement" : r.target === 'row' ? 'bare Fastify, lead-row query only' : KIND_LABELS[r.kind],
      String(Math.round(r.result.perSecond)),
      ms(r.result.p50Ms),
      ms(r.result.p99Ms),
      ms(r.result.maxMs),
      `${r.result.errors} / ${Object.values(r.result.non2xx).reduce((a, b) => a + b, 0)}`,
      `${Math.round(r.activity.processCpu.server ?? Number.NaN)}%`,
      `${Math.round(r.activity.machineCpu)}%`,
      `${r.activity.active.toFixed(1)} / ${r.activity.idleInTransaction.toFixed(1)}`,
      waits(r.activity),
      r.overlap === undefined ? '–' : `${Math.round(r.overlap * 100)}%`,
      `${r.loadBefore} → ${r.loadAfter}`,
    ]),
  );
  const ratios: string[][] = [];
  for (const phase of ['idle', 'bulk'] as const) {
    const s = find(phase, 'sluice', 'get');
    const b = find(phase, 'bare', 'get');
    if (s && b) {
      const ratio = s.result.perSecond / b.result.perSecond;
      ratios.push([`GET /lead/{id}/ req/s, Sluice / bare (${phase})`, `${ratio.toFixed(2)}x`, `≥ ${GET_RATIO_TARGET}x: ${ratio >= GET_RATIO_TARGET ? 'met' : 'missed'}`]);
    }
    const r = find(phase, 'row', 'get');
    if (s && r) ratios.push([`GET /lead/{id}/ req/s, Sluice / bare lead-row query only (${phase})`, `${(s.result.perSecond / r.result.perSecond).toFixed(2)}x`, '(for reference)']);
  }
  for (const kind of KINDS) {
    const idle = find('idle', 'sluice', kind);
    const busy = find('bulk', 'sluice', kind);
    if (idle && busy) {
      const ratio = busy.result.p99Ms / idle.result.p99Ms;
      ratios.push([`${KIND_LABELS[kind]} p99, bulk / idle`, `${ratio.toFixed(2)}x`, `≤ ${P99_RATIO_TARGET}x: ${ratio <= P99_RATIO_TARGET ? 'met' : 'missed'}`]);
    }
  }
  return [
    '## Load (`npm run bench:load`)',
    '',
    `${leads.toLocaleString('en-US')}-lead organization; PostgreSQL ${pgVersion}; ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), shared with other work`,
    `(the load average is given beside each run); run ${new Date().toISOString().slice(0, 16)}Z. autocannon (in the benchmark process) at ${CONNECTIONS} connections for ${SECONDS} s per row`,
    'against `sluice serve` (API and workers in one process, rate limits off, default pools) and a bare Fastify server',
    '(bench/lib/bare-server.ts, same pool size), each its own process. Ids and emails are sampled',
    'from the organization and cycled. "bulk": while a set_custom_field bulk edit of',
    `${EDIT_LEADS.toLocaleString('en-US')} leads runs (restarted when done; "bulk overlap" is the share of the row's run an edit was processing;`,
    `it processed ${Number.isFinite(bulkRate) ? Math.round(bulkRate).toLocaleString('en-US') : '–'} leads/s while the load ran). Server CPU is % of one core; backends and waits are means of`,
    'pg_stat_activity samples every 250 ms (client backends of the database; waits of active ones).',
    'GET /lead/{id}/ sends one prepared statement to PostgreSQL: authentication, which also counts the request for the rate limits,',
    'and the lead with its contacts, addresses and custom fields built as JSON (src/leads/get-lead.ts, rate-limit.ts). "bare Fastify,',
    'GET /lead/{id}/\'s statement" runs the lead\'s part of it alone, prepared, and returns its JSON: no authentication, validation, rate',
    'limits, hooks or logging; the target\'s ratio is against it. "lead-row query only": the lead with its status and',
    'users, no contacts or addresses (what the lead alone costs).',
    '',
    main,
    '',
    markdownTable(['figure', 'value', 'target'], ratios),
    '',
    'Reproduce: `DATA_DIR=/tmp/load-bench npm run bench:load` (BENCH_LEADS, BENCH_EDIT_LEADS, BENCH_SECONDS, BENCH_CONNECTIONS,',
    'BENCH_KINDS, BENCH_PHASES; see bench/load.ts).',
  ].join('\n');
}
