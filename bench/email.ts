/**
 * `npm run bench:email`: a bulk email (`POST /bulk_action/email/`) to 100,000 leads (BENCH_EMAILS),
 * each message rendered from a template for its own lead and contact, sent through a `sluice serve`
 * process (API and workers in one, as `npm start` runs it: selection, items, render, enqueue in the
 * batch transactions, delivery worker) to an SMTP sink in another process; against nodemailer
 * sending the same messages, pre-rendered, over an identical pooled transport
 * (EMAIL_SMTP_CONNECTIONS connections, the same number of messages in flight) to the same sink in
 * the same run. Reports messages per second for both, their ratio (target ≥ 0.8, issue 11) and the
 * server's peak RSS (target < 300 MB), and writes the section of BENCHMARKS.md (BENCH_WRITE=0 to skip).
 *
 * The sink is this file run with `--sink`: smtp-server that reads and counts messages (no parsing)
 * and prints its count. Data lives in the `sluice_bench_email` database (bench/lib/bench-database.ts).
 * BENCH_MEMORY_LOG=1 prints every memory sample (about one a second), not only the highest.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SMTPServer } from 'smtp-server';
import { loadConfig } from '../src/config.ts';
import { composeMailOptions } from '../src/email/compose.ts';
import { defaultMaxInFlight } from '../src/email/delivery-worker.ts';
import { smtpTransport } from '../src/email/transports.ts';
import { newId } from '../src/ids.ts';
import { createOrganization } from '../src/orgs/create-organization.ts';
import { signingSecret } from '../src/unsubscribe-links/secret.ts';
import { createApiKey } from '../src/auth/api-keys.ts';
import { apiCall } from './lib/api-call.ts';
import { openBenchDatabase } from './lib/bench-database.ts';
import { startScriptEnv, startServerProcess } from './lib/server-process.ts';
import { writeBenchmarkSection } from './lib/benchmarks-md.ts';
import { loadAverage } from './lib/load-average.ts';
import { markdownTable } from './lib/table.ts';
import { cpuSplit, postmasterPid } from './lib/process-cpu.ts';

const N = Number(process.env.BENCH_EMAILS ?? 100_000);
const BATCH = 1000;
const RATIO_TARGET = 0.8;
const log = (message: string) => process.stderr.write(`${message}\n`);

const METRICS_TOKEN = 'bench-email-memory';

interface MemorySample {
  readonly atMs: number;
  readonly rssMiB: number;
  readonly heapUsedMiB: number;
  readonly heapTotalMiB: number;
  readonly externalMiB: number;
}

const mib = (bytes: number) => Math.round(bytes / 2 ** 20);

/** The server's main-thread heap and external memory from its /metrics, with the RSS read beside it. */
async function sampleMemory(baseUrl: string, rssMiB: number, atMs: number): Promise<MemorySample | undefined> {
  const res = await fetch(new URL('/metrics', baseUrl), { headers: { authorization: `Bearer ${METRICS_TOKEN}` } }).catch(() => undefined);
  if (!res?.ok) return undefined;
  const text = await res.text();
  const value = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
  return {
    atMs,
    rssMiB,
    heapUsedMiB: mib(value('nodejs_heap_size_used_bytes')),
    heapTotalMiB: mib(value('nodejs_heap_size_total_bytes')),
    externalMiB: mib(value('nodejs_external_memory_bytes')),
  };
}

const describeSample = (s: MemorySample) =>
  `RSS ${Math.round(s.rssMiB)} MiB at ${(s.atMs / 1000).toFixed(0)} s, main-thread heap ${s.heapUsedMiB} MiB used of ${s.heapTotalMiB} MiB, external ${s.externalMiB} MiB`;

// ---------- the sink (child process) ----------

function runSink(): void {
  // The parent going away ends the sink.
  process.stdout.on('error', () => process.exit(0));
  let count = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    closeTimeout: 100,
    onData(stream, _session, callback) {
      stream.on('data', () => {});
      stream.on('end', () => {
        count += 1;
        callback();
      });
    },
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.server.address() as { port: number };
    process.stdout.write(`port ${address.port}\n`);
  });
  setInterval(() => process.stdout.write(`count ${count}\n`), 50);
}

interface Sink {
  readonly port: number;
  readonly pid: number;
  count(): number;
  stop(): void;
}

async function startSink(): Promise<Sink> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--sink'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let count = 0;
  let buffer = '';
  const port = await new Promise<number>((resolve) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) {
        if (line.startsWith('port ')) resolve(Number(line.slice(5)));
        if (line.startsWith('count ')) count = Number(line.slice(6));
      }
    });
  });
  return { port, pid: child.pid!, count: () => count, stop: () => child.kill('SIGKILL') };
}

async function waitForCount(sink: Sink, target: number): Promise<void> {
  while (sink.count() < target) await new Promise((r) => setTimeout(r, 20));
}

async function main(): Promise<void> {
  // The sink is on loopback, which tenants' SMTP may only reach when the operator allows it.
  const config = loadConfig({ ...process.env, OUTBOUND_ALLOW_HOSTS: '127.0.0.1' });
  const database = await openBenchDatabase('sluice_bench_email');
  const { db } = database;
  const sink = await startSink();
  log(`sink on port ${sink.port}`);

  // ---------- data: one organization with N leads, one contact and one email each ----------
  // One organization per size (the 100,000-lead one keeps its first name), reused across runs.
  const orgName = N === 100_000 ? 'Email bench' : `Email bench: ${N} leads`;
  let org = await db.selectFrom('organizations').select(['id']).where('name', '=', orgName).executeTakeFirst();
  if (!org) {
    const created = await createOrganization(db, { name: orgName, userEmail: 'bench@seller.example' });
    org = { id: created.organization_id };
  }
  const orgId = org.id;
  const user = await db.selectFrom('users').select('id').where('organization_id', '=', orgId).executeTakeFirstOrThrow();
  const status = await db.selectFrom('lead_statuses').select('id').where('organization_id', '=', orgId).orderBy('position').executeTakeFirstOrThrow();
  const have = Number((await db.selectFrom('leads').select((eb) => eb.fn.countAll<number>().as('n')).where('organization_id', '=', orgId).executeTakeFirstOrThrow()).n);
  if (have < N) {
    log(`seeding ${N - have} leads`);
    for (let i = have; i < N; i += BATCH) {
      const leads = [];
      const contacts = [];
      const emails = [];
      for (let j = i; j < Math.min(N, i + BATCH); j++) {
        const leadId = newId('lead');
        const contactId = newId('cont');
        leads.push({ id: leadId, organization_id: orgId, name: `Company ${j}`, status_id: status.id, custom: '{}' });
        contacts.push({ id: contactId, organization_id: orgId, lead_id: leadId, name: `Person${j} Surname${j}`, custom: '{}' });
        emails.push({ organization_id: orgId, contact_id: contactId, lead_id: leadId, position: 0, email: `person${j}@company${j}.example`, type: 'office' });
      }
      await db.insertInto('leads').values(leads).execute();
      await db.insertInto('contacts').values(contacts).execute();
      await db.insertInto('contact_emails').values(emails).execute();
    }
  }
  await db.deleteFrom('email_activities').where('organization_id', '=', orgId).execute();
  await db.deleteFrom('email_send_ledger').where('organization_id', '=', orgId).execute();
  await db.deleteFrom('connected_accounts').where('organization_id', '=', orgId).execute();
  const accountId = newId('emailacct');
  await db
    .insertInto('connected_accounts')
    .values({ id: accountId, organization_id: orgId, user_id: user.id, email: 'bench@seller.example', smtp_host: '127.0.0.1', smtp_port: sink.port, smtp_require_tls: false })
    .execute();
  const templateId = newId('tmpl');
  await db
    .insertInto('email_templates')
    .values({
      id: templateId,
      organization_id: orgId,
      name: 'Bench',
      subject: 'Hello {{ contact.first_name }} at {{ lead.display_name }}',
      body:
        '<p>Hi {{ contact.first_name | default: "there" }},</p><p>We help companies like {{ lead.display_name }} ship faster. ' +
        'Would you have 15 minutes next week?</p><p>Best,<br>{{ user.first_name }} {{ user.last_name }}<br>{{ organization.name }}</p>' +
        '<p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p>',
    })
    .execute();
  const total = Number((await db.selectFrom('leads').select((eb) => eb.fn.countAll<number>().as('n')).where('organization_id', '=', orgId).executeTakeFirstOrThrow()).n);
  if (total !== N) throw new Error(`the "${orgName}" organization holds ${total} leads, not BENCH_EMAILS=${N}: drop it or use its size`);
  const secret = await signingSecret(config);

  // ---------- Sluice: a bulk email through the API of a `sluice serve` process ----------
  // The real path (selection, items, render, enqueue, delivery) in a server of its own, API and
  // workers in one process as `npm start` runs them, so that its memory is the server's alone.
  const key = await createApiKey(db, orgId, user.id);
  const server = await startServerProcess(database.connectionString, { OUTBOUND_ALLOW_HOSTS: '127.0.0.1', RATE_LIMIT_PER_KEY: '0', METRICS_TOKEN }, 'all');
  const sinkStart = sink.count();
  const loadBefore = loadAverage();
  const postmaster = await postmasterPid(database.pool);
  const sluiceCpu = cpuSplit({ server: server.pid, sink: sink.pid }, postmaster);
  const t0 = performance.now();
  const created = await apiCall<{ id: string }>(server.baseUrl, key.key, 'POST', '/bulk_action/email/', {
    s_query: { type: 'object_type', object_type: 'lead' },
    template_id: templateId,
    contact_preference: 'lead',
    email_account_id: accountId,
    send_done_email: false,
  });
  let enqueueMs = 0;
  let rssPeak = 0;
  // Where the memory is: the main thread's heap and external memory (prom-client's default metrics)
  // beside the RSS, sampled about once a second; the sample with the highest RSS is reported.
  let atPeak: MemorySample | undefined;
  let lastSample = 0;
  while (sink.count() < sinkStart + N) {
    await new Promise((r) => setTimeout(r, 250));
    rssPeak = Math.max(rssPeak, server.memory().peakMiB);
    if (performance.now() - lastSample >= 1000) {
      lastSample = performance.now();
      const sample = await sampleMemory(server.baseUrl, server.memory().rssMiB, performance.now() - t0);
      if (sample && (!atPeak || sample.rssMiB > atPeak.rssMiB)) atPeak = sample;
      if (sample && process.env.BENCH_MEMORY_LOG === '1') log(`memory: ${describeSample(sample)}, ${sink.count() - sinkStart} delivered`);
    }
    if (enqueueMs === 0) {
      const action = await apiCall<{ status: string }>(server.baseUrl, key.key, 'GET', `/bulk_action/email/${created.id}/`);
      if (action.status === 'done') enqueueMs = performance.now() - t0;
      else if (action.status === 'error' || action.status === 'cancelled') throw new Error(`bulk email ended ${action.status}`);
    }
  }
  const sluiceMs = performance.now() - t0;
  const sluiceCpuSeconds = sluiceCpu();
  const sluicePeak = Math.max(rssPeak, server.memory().peakMiB);
  await server.stop();
  // Every outcome, not only `sent`: a message the sink accepted but not recorded as sent shows here.
  const outcomes = await db
    .selectFrom('email_activities')
    .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
    .where('organization_id', '=', orgId)
    .groupBy('status')
    .execute();
  const sent = Number(outcomes.find((o) => o.status === 'sent')?.n ?? 0);
  if (sent !== N) log(`outcomes: ${outcomes.map((o) => `${o.status} ${o.n}`).join(', ')}; the sink accepted ${sink.count() - sinkStart}`);
  log(`sluice: ${N} in ${(sluiceMs / 1000).toFixed(1)} s (bulk action done at ${(enqueueMs / 1000).toFixed(1)} s), ${sent} sent, server peak ${Math.round(sluicePeak)} MiB`);
  if (atPeak) log(`memory at the highest sampled RSS: ${describeSample(atPeak)}`);

  // ---------- baseline: the same messages, pre-rendered, straight through nodemailer ----------
  const rows = await db.selectFrom('email_activities').selectAll().where('organization_id', '=', orgId).execute();
  // The baseline stays nodemailer composing each message itself (MailComposer), as a bare pool would.
  const messages = rows.map((row) => composeMailOptions(row, config.publicUrl, secret));
  const transport = smtpTransport({ host: '127.0.0.1', port: sink.port, maxConnections: config.email.smtpConnections });
  const inFlightLimit = defaultMaxInFlight(config.email.smtpConnections);
  const baseStart = sink.count();
  const baseCpu = cpuSplit({ sink: sink.pid }, postmaster);
  const b0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlightLimit }, async () => {
      while (next < messages.length) await transport.send(messages[next++]!);
    }),
  );
  await waitForCount(sink, baseStart + messages.length);
  const baseMs = performance.now() - b0;
  const baseCpuSeconds = baseCpu();
  transport.close();
  log(`nodemailer: ${messages.length} in ${(baseMs / 1000).toFixed(1)} s`);
  sink.stop();
  await db.deleteFrom('email_activities').where('organization_id', '=', orgId).execute();
  await database.close();

  const sluiceRate = N / (sluiceMs / 1000);
  const baseRate = messages.length / (baseMs / 1000);
  const ratio = sluiceRate / baseRate;
  const cpu = os.cpus();
  const cpuCell = (sender: number, split: Record<string, number>) => `${sender.toFixed(1)} / ${split.postgres!.toFixed(1)} / ${split.sink!.toFixed(1)}`;
  log(`CPU seconds, sender / PostgreSQL / sink: Sluice ${cpuCell(sluiceCpuSeconds.server!, sluiceCpuSeconds)}, nodemailer ${cpuCell(baseCpuSeconds.bench!, baseCpuSeconds)}`);
  const table = markdownTable(
    ['path', 'messages', 'seconds', 'msgs/s', 'CPU seconds: sender (server or this process) / PostgreSQL / sink'],
    [
      ['Sluice: bulk email (select, render, enqueue) + delivery worker', String(N), (sluiceMs / 1000).toFixed(1), sluiceRate.toFixed(0), cpuCell(sluiceCpuSeconds.server!, sluiceCpuSeconds)],
      ['nodemailer alone, pre-rendered, same pool settings', String(messages.length), (baseMs / 1000).toFixed(1), baseRate.toFixed(0), cpuCell(baseCpuSeconds.bench!, baseCpuSeconds)],
    ],
  );
  const section = `## Bulk email delivery (\`npm run bench:email\`)

Command: \`npm run bench:email\` (BENCH_EMAILS=${N}). Run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${cpu.length} × ${cpu[0]?.model.trim() ?? 'CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}; load average (1 / 5 / 15 min) ${loadBefore} before the Sluice run, ${loadAverage()} after the baseline.

A bulk email through the API of a \`sluice serve\` process (API and workers in one, with the environment \`npm start\` gives it: ${Object.entries(startScriptEnv()).map(([k, v]) => `${k}=${v}`).join(', ') || 'none'}): each message is rendered from a Liquid template for its own lead and contact (with a signed unsubscribe link), enqueued as an email activity in the bulk action's batch transactions (BULK_BATCH_SIZE) and delivered by the delivery worker (EMAIL_SMTP_CONNECTIONS=${config.email.smtpConnections} pooled connections, ${defaultMaxInFlight(config.email.smtpConnections)} messages in flight, outcomes written back in batches) to an SMTP sink (smtp-server) in another process. The baseline sends the same ${messages.length} messages, already rendered, through a nodemailer pool with the same settings and the same number in flight, to the same sink. Times run from the POST (Sluice) or the first send (nodemailer) to the sink's last acceptance; CPU seconds are the processes' user and system time over the same span (/proc; PostgreSQL's whole process tree).

${table}

Ratio Sluice / nodemailer: **${ratio.toFixed(2)}** (target ≥ ${RATIO_TARGET}: ${ratio >= RATIO_TARGET ? 'met' : 'NOT met'}). The bulk action itself (selection, render, enqueue) was done after ${(enqueueMs / 1000).toFixed(1)} s. Peak RSS of the server process (API and workers in one): ${Math.round(sluicePeak)} MiB (target < 300 MB: ${sluicePeak * 1.048576 < 300 ? 'met' : 'NOT met'}).${atPeak ? ` At the highest RSS sampled (once a second from the server's \`/metrics\`): ${describeSample(atPeak)}; the rest of the RSS is code, the template rendering thread's heap and allocator overhead.` : ''}
`;
  process.stdout.write(`${section}\n`);
  if (process.env.BENCH_WRITE !== '0') writeBenchmarkSection(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'BENCHMARKS.md'), 'email', section);
}

if (process.argv.includes('--sink')) runSink();
else await main();
