/**
 * `npm run bench:search`: Advanced Filtering at a million leads.
 *
 * Seeds (or reuses) one organization with BENCH_LEADS leads (default 1,000,000) in the benchmark
 * database (bench/lib/bench-database.ts), starts `sluice serve --role api` as a child process, and
 * for each shape of bench/lib/search-shapes.ts measures over HTTP the first page of 100, a deep page
 * reached by following cursors, and include_counts; then runs the compiled SQL and a hand-written
 * equivalent alternately and reports their ratio; then pages through a large result watching the
 * server's memory. Prints the tables and writes them, with the command, into BENCHMARKS.md.
 *
 * Environment: BENCH_LEADS, BENCH_RUNS (timed runs per figure, default 15), BENCH_DEEP_PAGE (50),
 * BENCH_MEMORY_ROWS (rows paged in the memory trace, default 300,000: all of the first shape's), BENCH_WRITE=0 to skip
 * BENCHMARKS.md; DATABASE_URL / DATA_DIR choose the database as for `sluice`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openBenchDatabase } from './lib/bench-database.ts';
import { benchOrganization } from './lib/bench-organization.ts';
import { writeBenchmarkSection } from './lib/benchmarks-md.ts';
import { measureShape, traceMemory, type ShapeResult } from './lib/search-measure.ts';
import { searchShapes } from './lib/search-shapes.ts';
import { startServerProcess } from './lib/server-process.ts';
import { capturingDb } from './lib/statement-capture.ts';
import { ms } from './lib/stats.ts';
import { markdownTable } from './lib/table.ts';

const env = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);
const LEADS = env('BENCH_LEADS', 1_000_000);
const RUNS = env('BENCH_RUNS', 15);
const DEEP_PAGE = env('BENCH_DEEP_PAGE', 50);
const MEMORY_ROWS = env('BENCH_MEMORY_ROWS', 300_000);
const FIRST_PAGE_TARGET_MS = 50;
const RATIO_TARGET = 1.2;
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

const log = (message: string) => process.stderr.write(`${message}\n`);

// `postgres://user:secret@host/db` → `postgres://…@host/db`, by index: eslint-plugin-regexp (on for
// the whole repository) rightly flags /\/\/[^@]*@/ as quadratic on a run of slashes.
function withoutCredentials(url: string): string {
  const slashes = url.indexOf('//');
  const at = slashes === -1 ? -1 : url.indexOf('@', slashes + 2);
  return at === -1 ? url : `${url.slice(0, slashes)}//…${url.slice(at)}`;
}

const database = await openBenchDatabase();
try {
  log(`benchmark database: ${withoutCredentials(database.connectionString)}`);
  const org = await benchOrganization(database, LEADS);
  log(org.seeded ? `seeded ${org.leads} leads in ${org.seeded.seconds} s` : `reusing ${org.organizationId} (${org.leads} leads)`);
  const pgVersion = (await database.pool.query('SHOW server_version')).rows[0].server_version as string;
  // Other benchmarks share this database and change their own organizations' rows; fresh statistics
  // and visibility maps keep the plans measured here those of a settled database.
  log('VACUUM (ANALYZE) of the searched tables');
  await database.pool.query('VACUUM (ANALYZE) leads, contacts, contact_emails, contact_phones, contact_urls, addresses');
  const allLeads = Number((await database.pool.query('SELECT count(*) AS n FROM leads')).rows[0].n);
  const allOrgs = Number((await database.pool.query('SELECT count(DISTINCT organization_id) AS n FROM leads')).rows[0].n);

  const capture = capturingDb(database.pool);
  // Rate limits off: the benchmark sends requests back to back and measures latency, not limits.
  const server = await startServerProcess(database.connectionString, { RATE_LIMIT_PER_KEY: '0' });
  const results: ShapeResult[] = [];
  let memoryTrace;
  const idle = server.memory();
  try {
    const ctx = {
      pool: database.pool,
      searchUrl: `${server.baseUrl}/api/v1/data/search/`,
      apiKey: org.apiKey,
      scope: { db: capture.db, organizationId: org.organizationId, userId: org.userId, tzOffsetMinutes: 0, now: new Date() },
      drain: capture.drain,
      runs: RUNS,
      deepPage: DEEP_PAGE,
    };
    const shapes = await searchShapes(database.pool, org.organizationId);
    for (const shape of shapes) {
      log(`measuring: ${shape.name}`);
      results.push(await measureShape(ctx, shape));
    }
    log(`paging ${MEMORY_ROWS} rows through the server, watching its memory`);
    memoryTrace = await traceMemory(ctx, shapes[0]!, MEMORY_ROWS, server.memory);
  } finally {
    // capture.db shares database.pool, which database.close() ends.
    await server.stop();
  }

  const rows = results.map((r) => {
    const ratio = r.compiledSql.median / r.handSql.median;
    return [
      r.shape.name,
      String(r.total),
      `${ms(r.firstPage.median)} / ${ms(r.firstPage.p95)}`,
      r.deepPage ? `${ms(r.deepPage.median)} / ${ms(r.deepPage.p95)} (p.${r.deepPageNumber})` : '– (one page)',
      `${ms(r.counts.median)} / ${ms(r.counts.p95)}`,
      `${ms(r.compiledSql.median)} / ${ms(r.handSql.median)}`,
      `${ratio.toFixed(2)}${r.sameRows ? '' : ' (rows differ!)'}`,
      `${ms(r.compiledCount.median)} / ${ms(r.handCount.median)}`,
      r.firstPage.median <= FIRST_PAGE_TARGET_MS && ratio <= RATIO_TARGET ? 'yes' : 'NO',
    ];
  });
  const table = markdownTable(
    ['shape', 'matches', 'first page p50 / p95 ms', 'deep page p50 / p95 ms', 'include_counts p50 / p95 ms', 'page SQL compiled / hand p50 ms', 'ratio', 'count SQL compiled / hand p50 ms', 'targets met'],
    rows,
  );
  const memoryTable = markdownTable(
    ['rows paged', 'server RSS MiB', 'server peak RSS MiB'],
    (memoryTrace ?? []).map((m) => [String(m.rows), m.rssMiB.toFixed(0), m.peakMiB.toFixed(0)]),
  );

  const misses = results.filter((r) => r.firstPage.median > FIRST_PAGE_TARGET_MS || r.compiledSql.median / r.handSql.median > RATIO_TARGET);
  const explainFile = path.join(ROOT, '.bench', 'search-explain.txt');
  fs.mkdirSync(path.dirname(explainFile), { recursive: true });
  const explains: string[] = [];
  for (const r of results) {
    const plan = await database.pool.query(`EXPLAIN (ANALYZE, BUFFERS) ${r.pageStatement.sql}`, r.pageStatement.parameters as unknown[]);
    explains.push(`## ${r.shape.name}\n${r.pageStatement.sql}\n${JSON.stringify(r.pageStatement.parameters)}\n\n${plan.rows.map((p) => p['QUERY PLAN']).join('\n')}\n`);
  }
  fs.writeFileSync(explainFile, explains.join('\n'));

  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const when = new Date().toISOString().slice(0, 16).replace('T', ' ');
  const report = [
    '## Advanced Filtering (`npm run bench:search`)',
    '',
    `Command: \`${LEADS === 1_000_000 ? '' : `BENCH_LEADS=${LEADS} `}npm run bench:search\` (BENCH_RUNS=${RUNS}, deep page ${DEEP_PAGE}). Run ${when} UTC on ${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, PostgreSQL ${pgVersion}` +
      ` (embedded, default settings unless DATABASE_URL), Node ${process.version}; the machine was shared with other work, so treat small differences as noise.`,
    '',
    `Data: one organization with ${org.leads} leads and ${org.contacts} contacts (\`sluice seed\`, seed "bench")${org.seeded ? `, loaded in ${org.seeded.seconds} s in this run` : ''}; the database held ${allLeads} leads of ${allOrgs} organizations in all.`,
    '',
    'Times in milliseconds, measured by the client over HTTP (keep-alive) against `sluice serve --role api` in a child process: medians and 95th percentiles.',
    '"page SQL" runs the statement the compiler produced for the first page (captured from `search()`), and the hand-written SQL for the same rows, alternately on one pool; ratio = compiled / hand-written median.',
    '"include_counts" is `{"include_counts": true, "results_limit": 0}`, the counting call Close\'s own client makes.',
    '',
    table,
    '',
    `Targets: first page median ≤ ${FIRST_PAGE_TARGET_MS} ms; compiled ≤ ${RATIO_TARGET}× hand-written.`,
    misses.length === 0 ? 'Every shape meets both targets.' : `Shapes missing a target: ${misses.map((r) => r.shape.name).join(', ')} (plans in \`.bench/search-explain.txt\`).`,
    '',
    `Server memory while paging one result (\`${results[0]?.shape.name}\`, \`_limit\` 200, five fields per lead) to ${MEMORY_ROWS} rows; idle RSS before any search: ${idle.rssMiB.toFixed(0)} MiB.`,
    '',
    memoryTable,
  ].join('\n');

  process.stdout.write(`\n${report}\n`);
  if (process.env.BENCH_WRITE !== '0') {
    writeBenchmarkSection(path.join(ROOT, 'BENCHMARKS.md'), 'search', report);
    log('wrote BENCHMARKS.md (section "search")');
  }
} finally {
  await database.close();
}
