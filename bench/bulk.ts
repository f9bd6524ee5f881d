/**
 * `npm run bench:bulk`: bulk actions at a million leads.
 *
 * Seeds (or reuses, topping it back up after the previous run's delete) an organization of
 * BENCH_LEADS leads (default 1,000,000) in the benchmark database (bench/lib/bench-database.ts),
 * then runs `sluice serve` (API and workers in one process) as a child and, over HTTP:
 * 1. calibrates BULK_BATCH_SIZE: a set_lead_status over BENCH_CALIBRATE_LEADS leads per candidate
 *    size (BENCH_BATCH_SIZES), restarting the server with each;
 * 2. with the chosen size: set_lead_status and set_custom_field over BENCH_EDIT_LEADS (default
 *    350,000) leads, and a delete of BENCH_DELETE_LEADS (default 100,000) leads with their contacts.
 *    The set_custom_field run is paused at about a third and resumed: the time for the PUT to
 *    answer, and that no lead is processed after it, are the pause figures.
 * For each run, the same change is made by one raw SQL UPDATE/DELETE on a copy of the same rows,
 * inserted into the same tables under a scratch organization (same table, indexes and neighbours;
 * for the delete also the copies of their contacts, emails, phones, URLs and addresses, removed by
 * the same cascades), and the ratio engine/raw is reported. Each timed phase starts after a
 * VACUUM (ANALYZE) of the tables the run touches (settle). The server's peak RSS
 * (VmHWM) is read from /proc. For the delete, the WAL each timed phase made the cluster write
 * (bytes, full-page images, checkpoints started) is logged beside it. Prints the tables and writes
 * them into BENCHMARKS.md.
 *
 * Environment: BENCH_LEADS, BENCH_ORG (an organization of the bench database by name instead of
 * `Bulk benchmark: BENCH_LEADS leads`), BENCH_EDIT_LEADS, BENCH_DELETE_LEADS, BENCH_CALIBRATE_LEADS (50,000),
 * BENCH_SERVER_LOG_LEVEL (the server's LOG_LEVEL, default warn; debug logs each batch's ms),
 * BENCH_BATCH_SIZES (e.g. "250,1000,2500,5000"; empty skips calibration and uses BULK_BATCH_SIZE or
 * the default), BENCH_RUNS (a subset of "status,custom,delete"), BENCH_WRITE=0 to skip BENCHMARKS.md; DATABASE_URL / DATA_DIR as for `sluice`.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { loadConfig } from '../src/config.ts';
import { newId } from '../src/ids.ts';
import { seedOrganization } from '../src/seed/seed-organization.ts';
import { apiCall } from './lib/api-call.ts';
import { openBenchDatabase } from './lib/bench-database.ts';
import { timeRolledBack } from './lib/rolled-back.ts';
import { writeBenchmarkSection } from './lib/benchmarks-md.ts';
import { loadAverage } from './lib/load-average.ts';
import { markdownTable } from './lib/table.ts';
import { createApiKey } from '../src/auth/api-keys.ts';
import { createOrganization } from '../src/orgs/create-organization.ts';
import { freePort } from '../scripts/free-port.ts';

const env = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);
const LEADS = env('BENCH_LEADS', 1_000_000);
const EDIT_LEADS = env('BENCH_EDIT_LEADS', 350_000);
const DELETE_LEADS = env('BENCH_DELETE_LEADS', 100_000);
const CALIBRATE_LEADS = env('BENCH_CALIBRATE_LEADS', 50_000);
/** Which runs to make (BENCH_RUNS, e.g. "delete"); all three by default. */
const RUNS = new Set((process.env.BENCH_RUNS ?? 'status,custom,delete').split(',').map((r) => r.trim()));
const SIZES = (process.env.BENCH_BATCH_SIZES ?? '250,1000,2500,5000').split(',').filter(Boolean).map(Number);
/** Issue 11's targets: edits within 2.0x the raw UPDATE, the delete within 2.5x the raw DELETE. */
const RATIO_TARGET = { edit: 2.0, delete: 2.5 } as const;
const MEMORY_TARGET_MIB = 300;
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const log = (message: string) => process.stderr.write(`${message}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------- the server under test ----------

interface Server {
  readonly baseUrl: string;
  peakMiB(): number;
  rssMiB(): number;
  stop(): Promise<void>;
}

function procStatus(pid: number, key: string): number {
  const line = fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith(`${key}:`));
  return line ? Number(line.replace(/\D+/g, '')) / 1024 : Number.NaN;
}

async function startServer(databaseUrl: string, batchSize: number): Promise<Server> {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/sluice.js'), 'serve', '--role', 'all'], {
    env: { ...process.env, DATABASE_URL: databaseUrl, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: process.env.BENCH_SERVER_LOG_LEVEL ?? 'warn', RATE_LIMIT_PER_KEY: '0', BULK_BATCH_SIZE: String(batchSize) },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error('server exited');
    try {
      if ((await fetch(`${baseUrl}/healthz`)).ok) break;
    } catch {
      // starting
    }
    if (i > 300) throw new Error('server did not start');
    await sleep(200);
  }
  return {
    baseUrl,
    peakMiB: () => procStatus(child.pid!, 'VmHWM'),
    rssMiB: () => procStatus(child.pid!, 'VmRSS'),
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

// ---------- the organization ----------

async function bulkOrganization(database: Awaited<ReturnType<typeof openBenchDatabase>>) {
  const { db, pool } = database;
  // BENCH_ORG: run on another organization of the bench database by name (e.g. the search
  // benchmark's `Benchmark: 1000000 leads`); a run deletes BENCH_DELETE_LEADS of its leads, and the
  // next run with the same name tops it back up.
  const name = process.env.BENCH_ORG ?? `Bulk benchmark: ${LEADS} leads`;
  let org = await db.selectFrom('organizations').select('id').where('name', '=', name).executeTakeFirst();
  if (!org) org = { id: (await createOrganization(db, { name, userEmail: 'bench@example.com' })).organization_id };
  const count = Number((await pool.query('SELECT count(*) AS n FROM leads WHERE organization_id = $1', [org.id])).rows[0].n);
  if (count < LEADS) {
    log(`seeding ${LEADS - count} leads into ${org.id} (holds ${count})`);
    const summary = await seedOrganization(database, { organizationId: org.id, leads: LEADS - count, seed: `bulk-${Date.now()}` });
    log(`seeded in ${summary.seconds} s`);
  }
  const user = await db.selectFrom('users').select('id').where('organization_id', '=', org.id).executeTakeFirstOrThrow();
  const key = await createApiKey(db, org.id, user.id);
  const scratchName = 'Bulk benchmark: scratch copies';
  let scratch = await db.selectFrom('organizations').select('id').where('name', '=', scratchName).executeTakeFirst();
  if (!scratch) scratch = { id: (await createOrganization(db, { name: scratchName, userEmail: 'scratch@example.com' })).organization_id };
  return { organizationId: org.id, userId: user.id, apiKey: key.key, scratchId: scratch.id };
}

// ---------- one engine run and its raw twin ----------

type Org = Awaited<ReturnType<typeof bulkOrganization>>;

interface RunResult {
  /** VmHWM of the server when the run ended (MiB). */
  peakMiB?: number;
  readonly leads: number;
  readonly engineSeconds: number;
  /** The raw statement on a copy of the rows (see makeCopy). */
  readonly rawSeconds: number;
  /** The raw statement on the very rows the engine took, in a transaction rolled back (see rawOnSameRows). */
  readonly rawSameSeconds: number;
  readonly target: number;
  readonly pause?: { answerMs: number; processedAfter: number };
}

function selection(limit: number, direction: 'asc' | 'desc') {
  return {
    s_query: { type: 'object_type', object_type: 'lead' },
    sort: [{ direction, field: { type: 'regular_field', object_type: 'lead', field_name: 'date_created' } }],
    results_limit: limit,
  };
}

const call = (server: Server, org: Org, method: string, url: string, body?: unknown) => apiCall(server.baseUrl, org.apiKey, method, url, body);

/**
 * Copies the rows the selection will take (before the engine changes them) into the same tables,
 * under a scratch organization: same table, same indexes, same neighbours, so that the raw
 * statement pays what the engine pays per row. Rows are copied in their physical order.
 */
async function makeCopy(pool: pg.Pool, org: Org, scratch: string, limit: number, direction: 'asc' | 'desc', withChildren: boolean): Promise<void> {
  await dropCopy(pool, scratch);
  const columns = async (table: string) =>
    (await pool.query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 AND is_generated = 'NEVER' ORDER BY ordinal_position`,
      [table],
    )).rows.map((r) => r.column_name);
  // Copy ids keep the original's id after a marker, so children find their copied parents.
  const copyId = (col: string, prefix: string) => `'${prefix}_copy' || substr(${col}, ${prefix.length + 2})`;
  const copy = async (table: string, from: string, overrides: Record<string, string>, params: unknown[]) => {
    const cols = (await columns(table)).filter((c) => !(c === 'id' && !overrides.id));
    const select = cols.map((c) => overrides[c] ?? `s.${c}`).join(', ');
    await pool.query(`INSERT INTO ${table} (${cols.join(', ')}) SELECT ${select} FROM ${from}`, params);
  };
  await pool.query('DROP TABLE IF EXISTS bench_bulk_ids');
  await pool.query(
    `CREATE UNLOGGED TABLE bench_bulk_ids AS SELECT id FROM leads WHERE organization_id = $1 ORDER BY date_created ${direction}, id ${direction} LIMIT $2`,
    [org.organizationId, limit],
  );
  await copy('leads', `(SELECT l.*, l.ctid AS c FROM leads l JOIN bench_bulk_ids b ON b.id = l.id WHERE l.organization_id = $1) s ORDER BY s.c`, { id: copyId('s.id', 'lead'), organization_id: '$2' }, [org.organizationId, scratch]);
  if (withChildren) {
    await copy('contacts', `(SELECT c.* FROM contacts c JOIN bench_bulk_ids b ON b.id = c.lead_id WHERE c.organization_id = $1) s`, { id: copyId('s.id', 'cont'), lead_id: copyId('s.lead_id', 'lead'), organization_id: '$2' }, [org.organizationId, scratch]);
    for (const table of ['contact_emails', 'contact_phones', 'contact_urls']) {
      await copy(table, `(SELECT x.* FROM ${table} x JOIN bench_bulk_ids b ON b.id = x.lead_id WHERE x.organization_id = $1) s`, { contact_id: copyId('s.contact_id', 'cont'), lead_id: copyId('s.lead_id', 'lead'), organization_id: '$2' }, [org.organizationId, scratch]);
    }
    await copy('addresses', `(SELECT a.* FROM addresses a JOIN bench_bulk_ids b ON b.id = a.lead_id WHERE a.organization_id = $1) s`, { lead_id: copyId('s.lead_id', 'lead'), organization_id: '$2' }, [org.organizationId, scratch]);
  }
  // bench_bulk_ids stays until the next copy: rawOnSameRows reads it.
  await pool.query('ANALYZE leads');
}

/**
 * Times `text` (a raw statement over `organization_id = $1 AND id IN (SELECT id FROM bench_bulk_ids)`,
 * the rows the engine took) in a transaction that is then rolled back: the same rows, where they
 * are, as the engine found them (the copy's rows are packed together in fresh pages, which a real
 * selection's rows are not).
 */
async function rawOnSameRows(pool: pg.Pool, text: string, values: unknown[]): Promise<number> {
  return (await timeRolledBack(pool, async (client) => void (await client.query(text, values)))) / 1000;
}

async function dropCopy(pool: pg.Pool, scratch: string): Promise<void> {
  await pool.query('DELETE FROM leads WHERE organization_id = $1', [scratch]);
}

/**
 * VACUUM (ANALYZE) of the tables a run touches, before each timed phase, as pgbench vacuums before
 * it measures. Without it autovacuum, catching up with the previous phase's dead rows and new
 * leads, ran beside whichever statement was timed next (sampled once a second through a whole run:
 * almost never idle), taking CPU and I/O from the engine or from the raw statement it is compared
 * with, whichever came first. What a phase's own writes make autovacuum do during that phase stays
 * in its time.
 */
async function settle(pool: pg.Pool): Promise<void> {
  const start = performance.now();
  await pool.query('VACUUM (ANALYZE) leads, contacts, contact_emails, contact_phones, contact_urls, addresses, lead_words, events, bulk_actions, bulk_action_items');
  log(`  vacuumed in ${((performance.now() - start) / 1000).toFixed(1)} s`);
}

/** The cluster's WAL and checkpoint counters (PostgreSQL 17's pg_stat_wal and pg_stat_checkpointer). */
async function walCounters(pool: pg.Pool): Promise<Record<string, number>> {
  const { rows } = await pool.query(
    `SELECT w.wal_records, w.wal_fpi, w.wal_bytes, w.wal_buffers_full, c.num_timed, c.num_requested, c.buffers_written
     FROM pg_stat_wal w, pg_stat_checkpointer c`,
  );
  return Object.fromEntries(Object.entries(rows[0] as Record<string, string>).map(([k, v]) => [k, Number(v)]));
}

/**
 * Runs `fn` and logs the WAL the whole cluster wrote meanwhile: bytes, records, full-page images
 * (each a whole 8 kB page, written on a page's first change after a checkpoint starts) and the
 * checkpoints that started, so that what a phase pays for checkpoints can be set against its time.
 */
async function withWal<T>(pool: pg.Pool, label: string, fn: () => Promise<T>): Promise<T> {
  const before = await walCounters(pool);
  const result = await fn();
  const after = await walCounters(pool);
  const d = (k: string) => after[k]! - before[k]!;
  log(`  ${label}: WAL ${(d('wal_bytes') / 2 ** 20).toFixed(0)} MiB, ${d('wal_records').toLocaleString('en-US')} records, ` +
    `${d('wal_fpi').toLocaleString('en-US')} full-page images, WAL buffers full ${d('wal_buffers_full')} times; ` +
    `checkpoints started: ${d('num_timed')} timed, ${d('num_requested')} requested (buffers written by the checkpointer: ${d('buffers_written')})`);
  return result;
}

async function timed(pool: pg.Pool, text: string, values: unknown[]): Promise<number> {
  const start = performance.now();
  await pool.query(text, values);
  return (performance.now() - start) / 1000;
}

/** Runs one action to done, pausing it once at `pauseAt` (fraction) if given; returns seconds spent unpaused. */
async function runAction(server: Server, org: Org, kind: string, body: Record<string, unknown>, pauseAt?: number) {
  const start = performance.now();
  const created = await call(server, org, 'POST', `/bulk_action/${kind}/`, { ...body, send_done_email: false });
  let pausedMs = 0;
  let pause: RunResult['pause'];
  for (;;) {
    await sleep(250);
    const action = await call(server, org, 'GET', `/bulk_action/${kind}/${created.id}/`);
    if (action.status === 'done') return { seconds: (performance.now() - start - pausedMs) / 1000, action, pause };
    if (action.status === 'error') throw new Error(`action failed: ${String(action.error_message)}`);
    const n = Number(action.n_leads ?? 0);
    if (pauseAt !== undefined && !pause && n > 0 && Number(action.n_leads_processed) >= n * pauseAt) {
      const sent = performance.now();
      const paused = await call(server, org, 'PUT', `/bulk_action/${kind}/${created.id}/`, { status: 'paused' });
      const answerMs = performance.now() - sent;
      await sleep(2000);
      const later = await call(server, org, 'GET', `/bulk_action/${kind}/${created.id}/`);
      pause = { answerMs, processedAfter: Number(later.n_leads_processed) - Number(paused.n_leads_processed) };
      await call(server, org, 'PUT', `/bulk_action/${kind}/${created.id}/`, { status: 'resuming' });
      pausedMs += performance.now() - sent;
    }
  }
}

async function newStatus(pool: pg.Pool, org: Org): Promise<string> {
  const id = newId('stat');
  await pool.query(
    `INSERT INTO lead_statuses (id, organization_id, label, position) SELECT $1, $2, $3, coalesce(max(position), 0) + 1 FROM lead_statuses WHERE organization_id = $2`,
    [id, org.organizationId, `Bench ${new Date().toISOString()}`],
  );
  return id;
}

async function setStatusRun(server: Server, pool: pg.Pool, org: Org, leads: number): Promise<RunResult> {
  const status = await newStatus(pool, org);
  await makeCopy(pool, org, org.scratchId, leads, 'asc', false);
  await settle(pool);
  const run = await runAction(server, org, 'edit', { ...selection(leads, 'asc'), type: 'set_lead_status', lead_status_id: status });
  await settle(pool);
  const rawSeconds = await timed(pool, 'UPDATE leads SET status_id = $1, date_updated = now(), updated_by = $2 WHERE organization_id = $3', [status, org.userId, org.scratchId]);
  await settle(pool);
  // After the engine (which warmed the cache for it): another new status, so that every row changes.
  const rawSameSeconds = await rawOnSameRows(
    pool,
    'UPDATE leads SET status_id = $2, date_updated = now(), updated_by = $3 WHERE organization_id = $1 AND id IN (SELECT id FROM bench_bulk_ids)',
    [org.organizationId, await newStatus(pool, org), org.userId],
  );
  await dropCopy(pool, org.scratchId);
  return { leads: Number(run.action.n_leads_processed), engineSeconds: run.seconds, rawSeconds, rawSameSeconds, target: RATIO_TARGET.edit };
}

async function setCustomRun(server: Server, pool: pg.Pool, org: Org, leads: number): Promise<RunResult> {
  const field = (await pool.query(`SELECT id FROM custom_fields WHERE organization_id = $1 AND name = 'Referral Source'`, [org.organizationId])).rows[0].id as string;
  const value = `bench ${Date.now()}`;
  await makeCopy(pool, org, org.scratchId, leads, 'asc', false);
  await settle(pool);
  const run = await runAction(server, org, 'edit', { ...selection(leads, 'asc'), type: 'set_custom_field', custom_field_id: field, custom_field_value: value }, 0.33);
  await settle(pool);
  const rawSeconds = await timed(
    pool,
    'UPDATE leads SET custom = jsonb_set(custom, ARRAY[$1::text], to_jsonb($2::text)), date_updated = now(), updated_by = $3 WHERE organization_id = $4',
    [field, value, org.userId, org.scratchId],
  );
  await settle(pool);
  const rawSameSeconds = await rawOnSameRows(
    pool,
    'UPDATE leads SET custom = jsonb_set(custom, ARRAY[$2::text], to_jsonb($3::text)), date_updated = now(), updated_by = $4 WHERE organization_id = $1 AND id IN (SELECT id FROM bench_bulk_ids)',
    [org.organizationId, field, `${value} again`, org.userId],
  );
  await dropCopy(pool, org.scratchId);
  return { leads: Number(run.action.n_leads_processed), engineSeconds: run.seconds, rawSeconds, rawSameSeconds, target: RATIO_TARGET.edit, pause: run.pause };
}

async function deleteRun(server: Server, pool: pg.Pool, org: Org, leads: number): Promise<RunResult> {
  await makeCopy(pool, org, org.scratchId, leads, 'desc', true);
  await settle(pool);
  // Before the engine, while the rows exist (so this one warms the cache for the engine; the copy's
  // figure, taken after, errs the other way).
  const rawSameSeconds = await withWal(pool, 'raw DELETE, same rows (rolled back)', () =>
    rawOnSameRows(pool, 'DELETE FROM leads WHERE organization_id = $1 AND id IN (SELECT id FROM bench_bulk_ids)', [org.organizationId]));
  await settle(pool);
  const run = await withWal(pool, 'engine', () => runAction(server, org, 'delete', selection(leads, 'desc')));
  await settle(pool);
  const rawSeconds = await withWal(pool, 'raw DELETE, copy', () => timed(pool, 'DELETE FROM leads WHERE organization_id = $1', [org.scratchId]));
  return { leads: Number(run.action.n_leads_processed), engineSeconds: run.seconds, rawSeconds, rawSameSeconds, target: RATIO_TARGET.delete };
}

// ---------- main ----------

const database = await openBenchDatabase();
const { pool } = database;
try {
  const org = await bulkOrganization(database);
  const pgVersion = (await pool.query('SHOW server_version')).rows[0].server_version as string;
  const calibration: { size: number; leadsPerSecond: number; batchMs: number }[] = [];
  let chosen = loadConfig().bulk.batchSize;
  // After seeding or topping up (which loads the machine itself), before anything timed.
  const loadBefore = loadAverage();
  for (const size of SIZES) {
    const server = await startServer(database.connectionString, size);
    try {
      log(`calibrating BULK_BATCH_SIZE=${size} over ${CALIBRATE_LEADS} leads`);
      const result = await setStatusRun(server, pool, org, CALIBRATE_LEADS);
      const leadsPerSecond = result.leads / result.engineSeconds;
      calibration.push({ size, leadsPerSecond, batchMs: (size / leadsPerSecond) * 1000 });
    } finally {
      await server.stop();
    }
  }
  if (calibration.length > 0) {
    // The fastest size whose batches stay under a second. A pause does not wait for the batch in
    // flight (run-batch.ts: the batch rolls back), so the bound is what a batch holds: the row locks
    // a user's own write to one of its leads waits on, and the work a pause throws away.
    const fit = calibration.filter((c) => c.batchMs < 1000);
    const best = (fit.length > 0 ? fit : calibration).reduce((a, b) => (b.leadsPerSecond > a.leadsPerSecond ? b : a));
    chosen = best.size;
  }
  log(`BULK_BATCH_SIZE=${chosen}`);

  const server = await startServer(database.connectionString, chosen);
  const runs: [string, RunResult][] = [];
  let peak = Number.NaN;
  await sleep(3000);
  const idle = server.rssMiB();
  try {
    if (RUNS.has('status')) {
      log(`set_lead_status over ${EDIT_LEADS} leads`);
      runs.push(['set_lead_status', await setStatusRun(server, pool, org, EDIT_LEADS)]);
      runs.at(-1)![1].peakMiB = server.peakMiB();
    }
    if (RUNS.has('custom')) {
      log(`set_custom_field over ${EDIT_LEADS} leads (paused once)`);
      runs.push(['set_custom_field', await setCustomRun(server, pool, org, EDIT_LEADS)]);
      runs.at(-1)![1].peakMiB = server.peakMiB();
    }
    if (RUNS.has('delete')) {
      log(`delete of ${DELETE_LEADS} leads with their contacts`);
      runs.push(['delete (with contacts)', await deleteRun(server, pool, org, DELETE_LEADS)]);
      runs.at(-1)![1].peakMiB = server.peakMiB();
    }
  } finally {
    peak = server.peakMiB();
    await server.stop();
    await dropCopy(pool, org.scratchId);
  }
  const loadAfter = loadAverage();

  const table = markdownTable(
    ['action', 'leads', 'engine', 'leads/s', 'raw, same rows (rolled back)', 'ratio', 'raw on a copy', 'ratio', 'target', 'server peak RSS so far'],
    runs.map(([name, r]) => {
      const same = r.engineSeconds / r.rawSameSeconds;
      const copy = r.engineSeconds / r.rawSeconds;
      // Edits are judged against the same rows (timed after the engine, so on a cache the engine
      // warmed); the delete's same-rows figure runs before the engine, so it is judged on the worse.
      const judged = r.target === RATIO_TARGET.delete ? Math.max(same, copy) : same;
      return [
        name,
        String(r.leads),
        `${r.engineSeconds.toFixed(1)} s`,
        String(Math.round(r.leads / r.engineSeconds)),
        `${r.rawSameSeconds.toFixed(1)} s`,
        `${same.toFixed(2)}x`,
        `${r.rawSeconds.toFixed(1)} s`,
        `${copy.toFixed(2)}x`,
        `≤ ${r.target}x: ${judged <= r.target ? 'met' : 'missed'}`,
        `${Math.round(r.peakMiB ?? Number.NaN)} MiB`,
      ];
    }),
  );
  const calibrationTable = calibration.length
    ? markdownTable(
        ['BULK_BATCH_SIZE', 'leads/s', 'time per batch'],
        calibration.map((c) => [String(c.size), String(Math.round(c.leadsPerSecond)), `${Math.round(c.batchMs)} ms`]),
      )
    : '(calibration skipped)';
  const pause = runs.find(([, r]) => r.pause)?.[1].pause;
  const markdown = [
    '## Bulk actions (`npm run bench:bulk`)',
    '',
    `${LEADS.toLocaleString('en-US')}-lead organization; PostgreSQL ${pgVersion}; ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'});`,
    `load average (1 / 5 / 15 min) ${loadBefore} before the timed runs, ${loadAfter} after them;`,
    `run ${new Date().toISOString().slice(0, 10)}. Engine time is from the POST to \`done\` as seen over HTTP (loading included, the pause excluded);`,
    'the raw figures are one SQL statement making the same change (a) to the very rows the engine took, in a transaction rolled',
    'back (edits: after the engine, on the cache it warmed; delete: before it), and (b) to a copy of the same rows inserted',
    'into the same tables under a scratch organization (packed in fresh pages; for the delete also copies of their contacts,',
    'emails, phones, URLs and addresses, removed by the same cascades). Edits are judged on (a), the delete on the worse of the',
    'two. The engine also writes one event per lead (a delete event holds the whole lead, its contacts get events of their own),',
    'one outcome per item and the materialised set, which the raw statement does not. Each timed phase, the engine\'s and each',
    'raw statement, starts after a VACUUM (ANALYZE) of the tables the run touches.',
    '',
    `Batch size, measured with set_lead_status over ${CALIBRATE_LEADS.toLocaleString('en-US')} leads (chosen: ${chosen}, the fastest with batches under 1 s):`,
    '',
    calibrationTable,
    '',
    table,
    '',
    pause
      ? `Pause: the PUT \`{"status": "paused"}\` answered in ${Math.round(pause.answerMs)} ms (target < 1000 ms); leads processed in the 2 s after it answered: ${pause.processedAfter}.`
      : 'Pause: not measured.',
    `Peak server memory (VmHWM of \`sluice serve\`, API and workers in one process): ${Math.round(peak)} MiB (target < ${MEMORY_TARGET_MIB} MiB); idle after start: ${Math.round(idle)} MiB.`,
    '',
    'Reproduce: `npm run bench:bulk` (BENCH_LEADS, BENCH_EDIT_LEADS, BENCH_DELETE_LEADS, BENCH_BATCH_SIZES; see bench/bulk.ts).',
  ].join('\n');
  process.stdout.write(`${markdown}\n`);
  if (process.env.BENCH_WRITE !== '0') writeBenchmarkSection(path.join(ROOT, 'BENCHMARKS.md'), 'bulk', markdown);
} finally {
  await database.close();
}
