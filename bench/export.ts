/**
 * `npm run bench:export`: exporting a million leads.
 *
 * Seeds (or reuses) the benchmark organization of BENCH_LEADS leads (default 1,000,000; the one
 * `bench:search` uses, bench/lib/bench-organization.ts), starts `sluice serve --role all` (API and
 * workers in one process, DATA_DIR a temporary folder for the files) as a child, and over HTTP, for
 * each format of BENCH_EXPORT_FORMATS (default "json,csv"): exports every lead with Close's default
 * fields (POST /export/lead/ to `done`, polled every 500 ms), then downloads the file with the API
 * key (gzip decoded by the client, bytes counted, nothing kept). The server's peak RSS (VmHWM, read
 * from /proc) is taken after each export and each download, and its RSS when idle after start.
 *
 * Baseline, measured in the same run against the same database: one `COPY (SELECT …) TO STDOUT`
 * producing the same leads with their contacts (emails, phones, URLs), addresses, custom values,
 * status label and user names, as one JSON object per lead (json) or one CSV row (csv), piped
 * through gzip (zlib's default level, as the export uses) into a byte counter. It does not format
 * phone numbers, build the deprecated `custom` dict by field name, or record progress and events,
 * which the export does. Reported as the ratio export time / baseline time.
 *
 * Then the JSON export once more on a server started with NODE_OPTIONS=--max-old-space-size=
 * BENCH_HEAP_CAP_MIB (default 128; 0 skips it): V8 grows its heap lazily, so the default server's
 * peak says more about V8's heuristics than about what the export keeps alive; the capped run shows
 * the latter.
 *
 * Environment: BENCH_LEADS, BENCH_EXPORT_FORMATS, BENCH_HEAP_CAP_MIB, BENCH_WRITE=0 to skip BENCHMARKS.md;
 * DATABASE_URL / DATA_DIR choose the database as for `sluice`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { OpenDatabase } from '../src/db/database.ts';
import { apiCall } from './lib/api-call.ts';
import { openBenchDatabase } from './lib/bench-database.ts';
import { benchOrganization, type BenchOrganization } from './lib/bench-organization.ts';
import { writeBenchmarkSection } from './lib/benchmarks-md.ts';
import { startServerProcess, type ServerProcess } from './lib/server-process.ts';
import { markdownTable } from './lib/table.ts';
import { loadAverage } from './lib/load-average.ts';

const LEADS = process.env.BENCH_LEADS ? Number(process.env.BENCH_LEADS) : 1_000_000;
const FORMATS = (process.env.BENCH_EXPORT_FORMATS ?? 'json,csv').split(',').filter((f): f is 'json' | 'csv' => f === 'json' || f === 'csv');
const MEMORY_TARGET_MIB = 300;
/** A second JSON run on a server with V8's old space capped at this many MiB (0: skip). */
const HEAP_CAP_MIB = process.env.BENCH_HEAP_CAP_MIB ? Number(process.env.BENCH_HEAP_CAP_MIB) : 128;
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const log = (message: string) => process.stderr.write(`${message}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const mib = (bytes: number) => bytes / 1024 / 1024;

const api = (server: ServerProcess, org: BenchOrganization, method: string, url: string, body?: unknown) => apiCall(server.baseUrl, org.apiKey, method, url, body);

/** A sink that counts what goes through it. */
function counter(): Writable & { bytes: number } {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      sink.bytes += chunk.length;
      done();
    },
  }) as Writable & { bytes: number };
  sink.bytes = 0;
  return sink;
}

interface ExportRun {
  readonly format: string;
  readonly docs: number;
  readonly seconds: number;
  readonly fileBytes: number;
  readonly peakAfterExport: number;
  readonly downloadSeconds: number;
  readonly downloadedBytes: number;
  readonly peakAfterDownload: number;
  readonly baselineSeconds: number;
  readonly baselineBytes: number;
}

async function runExport(server: ServerProcess, org: BenchOrganization, format: 'json' | 'csv') {
  const start = performance.now();
  const created = await api(server, org, 'POST', '/export/lead/', { format, type: 'leads', send_done_email: false });
  let last = '';
  for (;;) {
    await sleep(500);
    const now = await api(server, org, 'GET', `/export/${created.id}/`);
    if (now.status === 'done') return { seconds: (performance.now() - start) / 1000, exported: now };
    if (now.status === 'error') throw new Error(`export failed: ${String(now.error_message)}`);
    const line = `${now.status} ${now.n_docs_processed}/${now.n_docs ?? '?'}`;
    if (line.split(' ')[0] !== last.split(' ')[0] || Number(now.n_docs_processed) % 100_000 < 1000) log(`  ${line}`);
    last = line;
  }
}

async function download(server: ServerProcess, org: BenchOrganization, id: string): Promise<{ seconds: number; bytes: number }> {
  const start = performance.now();
  const res = await fetch(`${server.baseUrl}/api/v1/export/${id}/download/`, {
    headers: { authorization: `Basic ${Buffer.from(`${org.apiKey}:`).toString('base64')}` },
  });
  if (!res.ok || !res.body) throw new Error(`download: ${res.status}`);
  // fetch decodes Content-Encoding: gzip, as a client would: the count is of CSV or JSON bytes.
  let bytes = 0;
  for await (const chunk of res.body) bytes += (chunk as Uint8Array).length;
  return { seconds: (performance.now() - start) / 1000, bytes };
}

/** The same leads in one statement; `format` json: one object per lead, csv: one row per lead. */
function baselineSql(organizationId: string, format: 'json' | 'csv'): string {
  const org = pg.escapeLiteral(organizationId);
  const contacts = `(SELECT coalesce(json_agg(json_build_object(
      'id', c.id, 'organization_id', c.organization_id, 'lead_id', c.lead_id, 'name', c.name, 'title', c.title,
      'emails', (SELECT coalesce(json_agg(json_build_object('email', e.email, 'type', e.type, 'is_unsubscribed', u.email IS NOT NULL) ORDER BY e.position), '[]')
                 FROM contact_emails e LEFT JOIN unsubscribed_emails u ON u.organization_id = e.organization_id AND u.email = lower(e.email)
                 WHERE e.organization_id = c.organization_id AND e.contact_id = c.id),
      'phones', (SELECT coalesce(json_agg(json_build_object('phone', p.phone, 'type', p.type, 'country', p.country) ORDER BY p.position), '[]')
                 FROM contact_phones p WHERE p.organization_id = c.organization_id AND p.contact_id = c.id),
      'urls', (SELECT coalesce(json_agg(json_build_object('url', x.url, 'type', x.type) ORDER BY x.position), '[]')
               FROM contact_urls x WHERE x.organization_id = c.organization_id AND x.contact_id = c.id),
      'custom', c.custom, 'created_by', c.created_by, 'updated_by', c.updated_by, 'date_created', c.date_created, 'date_updated', c.date_updated
    ) ORDER BY c.date_created, c.id), '[]') FROM contacts c WHERE c.organization_id = l.organization_id AND c.lead_id = l.id)`;
  const addresses = `(SELECT coalesce(json_agg(json_build_object('label', a.label, 'address_1', a.address_1, 'address_2', a.address_2, 'city', a.city,
      'state', a.state, 'zipcode', a.zipcode, 'country', a.country) ORDER BY a.position), '[]')
    FROM addresses a WHERE a.organization_id = l.organization_id AND a.lead_id = l.id)`;
  const from = `FROM leads l
    LEFT JOIN lead_statuses s ON s.organization_id = l.organization_id AND s.id = l.status_id
    LEFT JOIN users cu ON cu.organization_id = l.organization_id AND cu.id = l.created_by
    LEFT JOIN users uu ON uu.organization_id = l.organization_id AND uu.id = l.updated_by
    WHERE l.organization_id = ${org}
    ORDER BY l.date_created DESC, l.id DESC`;
  const createdName = `nullif(concat_ws(' ', cu.first_name, cu.last_name), '')`;
  const updatedName = `nullif(concat_ws(' ', uu.first_name, uu.last_name), '')`;
  if (format === 'json') {
    return `COPY (SELECT json_build_object('addresses', ${addresses}, 'contacts', ${contacts}, 'created_by', l.created_by,
      'created_by_name', ${createdName}, 'custom', l.custom, 'date_created', l.date_created, 'date_updated', l.date_updated,
      'description', l.description, 'display_name', l.name, 'id', l.id, 'name', l.name, 'status_id', l.status_id, 'status_label', s.label,
      'updated_by', l.updated_by, 'updated_by_name', ${updatedName}, 'url', l.url) ${from}) TO STDOUT`;
  }
  return `COPY (SELECT ${addresses}, ${contacts}, l.created_by, ${createdName}, ${updatedName}, l.custom, l.date_created, l.date_updated, l.description,
    l.name, l.id, l.name, l.status_id, s.label, l.updated_by, l.url ${from}) TO STDOUT WITH (FORMAT csv, HEADER)`;
}

async function baseline(pool: pg.Pool, organizationId: string, format: 'json' | 'csv'): Promise<{ seconds: number; bytes: number }> {
  const client = await pool.connect();
  try {
    await client.query('SET statement_timeout = 0');
    const start = performance.now();
    const sink = counter();
    await pipeline(client.query(copyTo(baselineSql(organizationId, format))), zlib.createGzip(), sink);
    return { seconds: (performance.now() - start) / 1000, bytes: sink.bytes };
  } finally {
    client.release();
  }
}

interface ServerRuns {
  readonly nodeOptions: string;
  readonly idle: number;
  readonly peak: number;
  readonly runs: ExportRun[];
}

/** Starts a server (NODE_OPTIONS `nodeOptions`), exports `formats` with it, and measures each against the baseline. */
async function measure(database: OpenDatabase, org: BenchOrganization, dataDir: string, nodeOptions: string, formats: readonly ('json' | 'csv')[]): Promise<ServerRuns> {
  const server = await startServerProcess(
    database.connectionString,
    { RATE_LIMIT_PER_KEY: '0', DATA_DIR: dataDir, NODE_OPTIONS: [process.env.NODE_OPTIONS ?? '', nodeOptions].join(' ').trim() },
    'all',
  );
  const runs: ExportRun[] = [];
  let idle = Number.NaN;
  try {
    await sleep(3000);
    idle = server.memory().rssMiB;
    for (const format of formats) {
      log(`export of ${org.leads} leads as ${format}${nodeOptions ? ` (server NODE_OPTIONS ${nodeOptions})` : ''}`);
      const { seconds, exported } = await runExport(server, org, format);
      const peakAfterExport = server.memory().peakMiB;
      log(`  done in ${seconds.toFixed(1)} s; downloading`);
      const got = await download(server, org, String(exported.id));
      const peakAfterDownload = server.memory().peakMiB;
      log(`baseline: COPY … TO STDOUT through gzip (${format})`);
      const base = await baseline(database.pool, org.organizationId, format);
      runs.push({
        format,
        docs: Number(exported.n_docs_processed),
        seconds,
        fileBytes: Number(exported.file_size),
        peakAfterExport,
        downloadSeconds: got.seconds,
        downloadedBytes: got.bytes,
        peakAfterDownload,
        baselineSeconds: base.seconds,
        baselineBytes: base.bytes,
      });
      fs.rmSync(path.join(dataDir, 'exports', `${String(exported.id)}.${format}.gz`), { force: true });
    }
    return { nodeOptions, idle, peak: server.memory().peakMiB, runs };
  } finally {
    await server.stop();
  }
}

const database = await openBenchDatabase();
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-export-'));
try {
  const org = await benchOrganization(database, LEADS);
  const pgVersion = (await database.pool.query('SHOW server_version')).rows[0].server_version as string;
  const loadBefore = loadAverage();
  const measured = [await measure(database, org, dataDir, '', FORMATS)];
  if (HEAP_CAP_MIB > 0) measured.push(await measure(database, org, dataDir, `--max-old-space-size=${HEAP_CAP_MIB}`, ['json']));
  const loadAfter = loadAverage();

  const table = markdownTable(
    ['server', 'format', 'leads', 'export (POST to done)', 'leads/s', 'file (gzip)', 'baseline: COPY + gzip', 'ratio', 'server idle / peak RSS after export', 'download (decoded)', 'peak after download'],
    measured.flatMap((m) =>
      m.runs.map((r) => [
        m.nodeOptions === '' ? 'default' : `\`${m.nodeOptions}\``,
        r.format,
        String(r.docs),
        `${r.seconds.toFixed(1)} s`,
        String(Math.round(r.docs / r.seconds)),
        `${mib(r.fileBytes).toFixed(0)} MiB`,
        `${r.baselineSeconds.toFixed(1)} s (${mib(r.baselineBytes).toFixed(0)} MiB)`,
        `${(r.seconds / r.baselineSeconds).toFixed(2)}x`,
        `${Math.round(m.idle)} / ${Math.round(r.peakAfterExport)} MiB`,
        `${r.downloadSeconds.toFixed(1)} s, ${mib(r.downloadedBytes).toFixed(0)} MiB`,
        `${Math.round(r.peakAfterDownload)} MiB`,
      ]),
    ),
  );
  const markdown = [
    '## Exports (`npm run bench:export`)',
    '',
    `${org.leads.toLocaleString('en-US')}-lead organization (${org.contacts.toLocaleString('en-US')} contacts); PostgreSQL ${pgVersion};`,
    `${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}); load average ${loadBefore}`,
    `(1/5/15 min) before the run, ${loadAfter} after; run ${new Date().toISOString().slice(0, 10)}.`,
    'Each export takes every lead with Close\'s default fields, through `sluice serve --role all` (API and workers in one',
    'process, default BULK_BATCH_SIZE), timed from the POST to `done` as seen over HTTP (loading the set included). The',
    'baseline, in the same run, is one `COPY (SELECT …) TO STDOUT` of the same leads with their contacts, emails, phones,',
    'URLs, addresses, custom values, status label and user names (one JSON object or CSV row per lead) piped through gzip',
    'at the same level; it formats no phone numbers, builds no `custom` dict by name and records no progress or events.',
    HEAP_CAP_MIB > 0
      ? `The last row runs the JSON export again on a server whose V8 old space is capped at ${HEAP_CAP_MIB} MiB: what the export keeps alive is small, and the default server's higher peak is V8 letting garbage accumulate before collecting it.`
      : '',
    '',
    table,
    '',
    `Peak server memory (VmHWM of \`sluice serve\`) with default settings: ${Math.round(measured[0]!.peak)} MiB (the bulk-action benchmark's target: < ${MEMORY_TARGET_MIB} MiB).`,
    '',
    'Reproduce: `npm run bench:export` (BENCH_LEADS, BENCH_EXPORT_FORMATS, BENCH_HEAP_CAP_MIB; see bench/export.ts).',
  ].join('\n');
  process.stdout.write(`${markdown}\n`);
  if (process.env.BENCH_WRITE !== '0') writeBenchmarkSection(path.join(ROOT, 'BENCHMARKS.md'), 'export', markdown);
} finally {
  fs.rmSync(dataDir, { recursive: true, force: true });
  await database.close();
}
