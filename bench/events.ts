/**
 * `npm run bench:events`: the event log (`GET /event/`) at BENCH_EVENT_LEADS leads (default 100,000).
 *
 * In the benchmark database (bench/lib/bench-database.ts), an organization of that many generated
 * leads (seeded on first use, topped back up after the previous run's delete) and `sluice serve
 * --role all` as a child process; then, over HTTP:
 * 1. a bulk edit (set_custom_field) of every lead; meanwhile a reader walks the log of its events
 *    down from the top every few seconds (page latency while batches commit);
 * 2. once done, the whole walk of its events by cursor (`object_type=lead&action=updated`, 50 a
 *    page), checked: one event per lead with meta.bulk_action_id, none twice;
 * 3. first-page and deep-page latency (a cursor at the middle of the log) for Close's filter
 *    combinations, over HTTP, and each statement's EXPLAIN ANALYZE (execution time, buffers);
 * 4. a bulk delete of every lead with a reader walking down from the middle of the run and polling
 *    cursor_previous for the rest, checked like 2 for `lead.deleted`;
 * 5. what the log's indexes cost writers: 100,000 events inserted into a copy of the table with
 *    0001's indexes and with today's;
 * 6. retention: pruneEvents of everything in the benchmark database (cutoff now), rows per second;
 * and the size of each events index. Prints the tables and writes them into BENCHMARKS.md.
 *
 * Environment: BENCH_EVENT_LEADS, BULK_BATCH_SIZE (default: the server's), BENCH_WRITE=0 to skip
 * BENCHMARKS.md; DATABASE_URL / DATA_DIR as for `sluice`.
 */
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { createApiKey } from '../src/auth/api-keys.ts';
import { encodeEventCursor } from '../src/events/event-cursor.ts';
import { eventsQuery, type EventFilters } from '../src/events/list-events.ts';
import { pruneEvents } from '../src/events/prune-events.ts';
import { createOrganization } from '../src/orgs/create-organization.ts';
import { seedOrganization } from '../src/seed/seed-organization.ts';
import { apiCall } from './lib/api-call.ts';
import { openBenchDatabase } from './lib/bench-database.ts';
import { writeBenchmarkSection } from './lib/benchmarks-md.ts';
import { startServerProcess } from './lib/server-process.ts';
import { ms, summarize, timeRuns } from './lib/stats.ts';
import { markdownTable } from './lib/table.ts';
import { loadAverage } from './lib/load-average.ts';

const LEADS = Number(process.env.BENCH_EVENT_LEADS ?? 100_000);
const LIMIT = 50;
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const log = (message: string) => process.stderr.write(`${message}\n`);
const sleep = (msec: number) => new Promise((resolve) => setTimeout(resolve, msec));

interface Event {
  readonly id: string;
  readonly object_id: string;
  readonly meta: Record<string, unknown>;
  readonly date_updated: string;
}
interface Page {
  readonly data: Event[];
  readonly cursor_next: string | null;
  readonly cursor_previous: string | null;
}

const database = await openBenchDatabase();
const { db, pool } = database;
try {
  const name = `Event benchmark: ${LEADS} leads`;
  let org = await db.selectFrom('organizations').select('id').where('name', '=', name).executeTakeFirst();
  if (!org) org = { id: (await createOrganization(db, { name, userEmail: 'events@example.com' })).organization_id };
  const organizationId = org.id;
  const count = Number((await pool.query('SELECT count(*) AS n FROM leads WHERE organization_id = $1', [organizationId])).rows[0].n);
  if (count < LEADS) {
    log(`seeding ${LEADS - count} leads into ${organizationId}`);
    await seedOrganization(database, { organizationId, leads: LEADS - count, seed: `events-${Date.now()}` });
  }
  // VACUUM too: the previous run's retention step deleted every event, and a deployment's
  // autovacuum would have cleared those rows long before; this run's server, a child process,
  // does not live long enough to. Their dead index entries would otherwise be read by every page
  // whose range they fall in (measured: 3,318 to 18,666 buffers a page instead of 3 to 12).
  await pool.query('VACUUM (ANALYZE) leads, contacts, events');
  const user = await db.selectFrom('users').select('id').where('organization_id', '=', organizationId).executeTakeFirstOrThrow();
  const apiKey = (await createApiKey(db, organizationId, user.id)).key;
  const field = (await pool.query(`SELECT id FROM custom_fields WHERE organization_id = $1 AND name = 'Referral Source'`, [organizationId])).rows[0].id as string;
  const pgVersion = (await pool.query('SHOW server_version')).rows[0].server_version as string;
  const loadBefore = loadAverage();
  const runStart = new Date();

  const server = await startServerProcess(database.connectionString, { RATE_LIMIT_PER_KEY: '0' }, 'all');
  const call = <T>(method: string, url: string, body?: unknown) => apiCall<T>(server.baseUrl, apiKey, method, url, body);
  const page = (query: string, cursor?: string | null) => call<Page>('GET', `/event/?${query}&_limit=${LIMIT}${cursor ? `&_cursor=${cursor}` : ''}`);
  const since = `date_updated__gte=${encodeURIComponent(runStart.toISOString())}`;

  /** Walks `query` down; returns the events, each page's milliseconds and the first page's cursor_previous. */
  async function walkDown(query: string) {
    const events: Event[] = [];
    const pageMs: number[] = [];
    let cursor: string | null | undefined;
    let previous: string | null = null;
    do {
      const start = performance.now();
      const p = await page(query, cursor);
      pageMs.push(performance.now() - start);
      if (cursor === undefined) previous = p.cursor_previous;
      events.push(...p.data);
      cursor = p.cursor_next;
    } while (cursor);
    return { events, pageMs, previous };
  }

  /** Runs a bulk action to done; `during` reads alongside it until `running()` turns false. */
  async function runAction(kind: string, body: Record<string, unknown>, during?: (id: string, running: () => boolean) => Promise<void>) {
    const start = performance.now();
    const created = await call<{ id: string }>('POST', `/bulk_action/${kind}/`, { ...body, s_query: { type: 'object_type', object_type: 'lead' }, send_done_email: false });
    let running = true;
    const background = during?.(created.id, () => running);
    try {
      for (;;) {
        await sleep(250);
        const action = await call<{ status: string; error_message?: string }>('GET', `/bulk_action/${kind}/${created.id}/`);
        if (action.status === 'done') break;
        if (action.status === 'error') throw new Error(`action failed: ${action.error_message}`);
      }
    } finally {
      running = false;
    }
    const seconds = (performance.now() - start) / 1000;
    await background;
    return { id: created.id, seconds };
  }

  function checkOnePerLead(events: readonly Event[], actionId: string): { leads: number; repeats: number; missing: number } {
    const ids = new Set<string>();
    let repeats = 0;
    const perLead = new Map<string, number>();
    for (const e of events) {
      if (ids.has(e.id)) repeats++;
      ids.add(e.id);
      if (e.meta.bulk_action_id === actionId) perLead.set(e.object_id, (perLead.get(e.object_id) ?? 0) + 1);
    }
    const twice = [...perLead.values()].filter((n) => n !== 1).length;
    return { leads: perLead.size, repeats: repeats + twice, missing: LEADS - perLead.size };
  }

  const rows: string[][] = [];
  try {
    // 1. The bulk edit, read while it runs.
    log(`bulk edit of ${LEADS} leads`);
    const duringEdit: number[] = [];
    const edit = await runAction('edit', { type: 'set_custom_field', custom_field_id: field, custom_field_value: `bench ${Date.now()}` }, async (_id, running) => {
      while (running()) {
        const walk = await walkDown(`object_type=lead&action=updated&${since}`);
        duringEdit.push(...walk.pageMs);
        await sleep(2000);
      }
    });
    const editEvents = Number((await pool.query(`SELECT count(*) AS n FROM events WHERE organization_id = $1 AND meta->>'bulk_action_id' = $2`, [organizationId, edit.id])).rows[0].n);
    rows.push(['bulk edit (set_custom_field)', `${edit.seconds.toFixed(1)} s`, `${Math.round(LEADS / edit.seconds)} leads/s`, `${editEvents} events`]);
    const during = summarize(duringEdit);
    rows.push(['pages read while the edit ran', `${during.n} pages`, `median ${ms(during.median)} ms`, `p95 ${ms(during.p95)} ms`]);

    // 2. The whole walk of the edit's events.
    log('walking the edit’s events');
    const walkStart = performance.now();
    const walk = await walkDown(`object_type=lead&action=updated&${since}`);
    const walkSeconds = (performance.now() - walkStart) / 1000;
    const editCheck = checkOnePerLead(walk.events, edit.id);
    const walkPages = summarize(walk.pageMs);
    rows.push([
      `walk of the edit's events (${walk.pageMs.length} pages of ${LIMIT})`,
      `${walkSeconds.toFixed(1)} s`,
      `median ${ms(walkPages.median)} ms, p95 ${ms(walkPages.p95)} ms a page`,
      `${editCheck.leads} leads with one event; ${editCheck.missing} missing, ${editCheck.repeats} repeated`,
    ]);

    // 3. Filters: first page and a page from the middle of the log. The log was analysed above
    // while nearly empty (the previous run pruned it); the object and lead indexes are keyed by an
    // expression whose selectivity the planner learns only from ANALYZE (migration 0026), which
    // autovacuum runs on a log this size within a minute. Measured as a running deployment sees it.
    await pool.query('ANALYZE events');
    log('filter latencies');
    const sample = (await pool.query(`SELECT id, lead_id, object_id, request_id FROM events WHERE organization_id = $1 AND request_id IS NOT NULL ORDER BY date_updated DESC LIMIT 1`, [organizationId])).rows[0] ?? {};
    const someLead = (await pool.query(`SELECT lead_id FROM events WHERE organization_id = $1 AND meta->>'bulk_action_id' = $2 LIMIT 1`, [organizationId, edit.id])).rows[0].lead_id as string;
    const total = Number((await pool.query('SELECT count(*) AS n FROM events WHERE organization_id = $1', [organizationId])).rows[0].n);
    const middle = (await sql<{ id: string; at: string }>`
      SELECT id, to_char(date_updated AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS at FROM events
      WHERE organization_id = ${organizationId} ORDER BY date_updated DESC, id DESC OFFSET ${Math.floor(total / 2)} LIMIT 1`.execute(db)).rows[0]!;
    const deepCursor = encodeEventCursor({ direction: 'next', position: { at: middle.at, id: middle.id }, bounds: {} });
    const shapes: [string, string, Omit<EventFilters, 'dates'>][] = [
      ['(none)', '', {}],
      ['object_type + action', 'object_type=lead&action=updated', { objectType: 'lead', action: 'updated' }],
      ['object_type + action (rare)', 'object_type=lead&action=deleted', { objectType: 'lead', action: 'deleted' }],
      ['object_type alone', 'object_type=lead', { objectType: 'lead' }],
      ['action alone', 'action=updated', { action: 'updated' }],
      ['object_type + object_id', `object_type=lead&object_id=${someLead}`, { objectType: 'lead', objectId: someLead }],
      ['lead_id', `lead_id=${someLead}`, { leadId: someLead }],
      ['lead_id + object_type', `lead_id=${someLead}&object_type=contact`, { leadId: someLead, objectType: 'contact' }],
      ['user_id', `user_id=${user.id}`, { userId: user.id }],
      ['user_id + object_type + action', `user_id=${user.id}&object_type=lead&action=updated`, { userId: user.id, objectType: 'lead', action: 'updated' }],
      ['request_id', `request_id=${sample.request_id ?? 'req_none'}`, { requestId: sample.request_id ?? 'req_none' }],
    ];
    const filterRows: string[][] = [];
    for (const [label, query, filters] of shapes) {
      const first = summarize(await timeRuns(() => page(query), 20, 2, 10_000));
      const deep = summarize(await timeRuns(() => page(query, deepCursor), 20, 2, 10_000));
      const explain = async (after?: { at: string; id: string }) => {
        const compiled = eventsQuery({ organizationId, filters: { ...filters, dates: {} }, direction: 'next', after, limit: LIMIT + 1 }).compile(db);
        const plan = (await pool.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${compiled.sql}`, compiled.parameters as unknown[])).rows[0]['QUERY PLAN'][0];
        const buffers = (plan.Plan['Shared Hit Blocks'] ?? 0) + (plan.Plan['Shared Read Blocks'] ?? 0);
        return `${plan['Execution Time'].toFixed(2)} ms, ${buffers} buffers`;
      };
      filterRows.push([label, `${ms(first.median)} / ${ms(first.p95)} ms`, `${ms(deep.median)} / ${ms(deep.p95)} ms`, await explain(), await explain({ at: middle.at, id: middle.id })]);
    }

    // 4. The bulk delete, walked from the middle of the run and polled to its end.
    log(`bulk delete of ${LEADS} leads`);
    let deleteCheck = { leads: 0, repeats: 0, missing: LEADS };
    let seenMidRun = 0;
    let polls = 0;
    const del = await runAction('delete', {}, async (actionId) => {
      const query = `object_type=lead&action=deleted&${since}`;
      while ((await page(query)).data.length === 0) await sleep(20);
      const down = await walkDown(query);
      seenMidRun = down.events.length;
      const all = [...down.events];
      let cursor = down.previous;
      for (;;) {
        polls++;
        let got = 0;
        // Read before polling: after it, the last batch and the final transition could both commit
        // in between and the loop would end one batch short.
        const { status } = await db.selectFrom('bulk_actions').select('status').where('id', '=', actionId).executeTakeFirstOrThrow();
        while (cursor) {
          const p = await page(query, cursor);
          if (p.data.length === 0) break;
          all.push(...p.data);
          got += p.data.length;
          cursor = p.cursor_previous;
        }
        if (status === 'done' && got === 0) break;
        await sleep(200);
      }
      deleteCheck = checkOnePerLead(all, actionId);
    });
    rows.push(['bulk delete (with contacts)', `${del.seconds.toFixed(1)} s`, `${Math.round(LEADS / del.seconds)} leads/s`, '']);
    rows.push([
      'walk during the delete, then polling cursor_previous',
      `${seenMidRun} seen by the first walk, ${polls} polls`,
      '',
      `${deleteCheck.leads} leads with one lead.deleted; ${deleteCheck.missing} missing, ${deleteCheck.repeats} repeated`,
    ]);

    // 5. What the log's indexes cost writers: the same rows inserted into a copy of the events table
    // with 0001's indexes and with today's, alternately (bulk-edit-shaped rows: lead, user and
    // bulk_action_id set, no request; then API-shaped rows: a request id too).
    log('write cost of the indexes');
    const writeRows: string[][] = [];
    await pool.query('DROP TABLE IF EXISTS bench_events_before, bench_events_now');
    await pool.query('CREATE TABLE bench_events_now (LIKE events INCLUDING ALL)');
    await pool.query('CREATE TABLE bench_events_before (LIKE events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)');
    await pool.query(`ALTER TABLE bench_events_before ADD PRIMARY KEY (id);
      CREATE INDEX ON bench_events_before (organization_id, date_updated, id);
      CREATE INDEX ON bench_events_before (organization_id, object_type, object_id);
      CREATE INDEX ON bench_events_before (organization_id, (meta->>'bulk_action_id')) WHERE meta ? 'bulk_action_id'`);
    const WRITE_ROWS = 100_000;
    for (const [shape, request] of [['bulk edit', 'NULL'], ['API request', `'req_' || (g / 10)`]] as const) {
      const insert = (table: string) => `
        INSERT INTO ${table} (id, organization_id, object_type, object_id, lead_id, action, user_id, request_id, changed_fields, data, previous_data, meta, date_created, date_updated)
        SELECT 'ev_' || md5(random()::text || g), 'orga_bench', 'lead', 'lead_' || md5(g::text), 'lead_' || md5(g::text), 'updated', 'user_bench', ${request},
               '["custom.cf_x"]', jsonb_build_object('id', g, 'display_name', 'Lead ' || g, 'custom.cf_x', 'gold'), '{"custom.cf_x": null}',
               jsonb_build_object('bulk_action_id', 'bulkedit_bench'), clock_timestamp(), clock_timestamp()
        FROM generate_series(1, ${WRITE_ROWS}) g`;
      const times: Record<string, number[]> = { before: [], now: [] };
      for (let run = 0; run < 3; run++) {
        for (const which of run % 2 === 0 ? ['before', 'now'] : ['now', 'before']) {
          await pool.query(`TRUNCATE bench_events_${which}`);
          const start = performance.now();
          await pool.query(insert(`bench_events_${which}`));
          times[which]!.push(performance.now() - start);
        }
      }
      const before = summarize(times.before!).median;
      const now = summarize(times.now!).median;
      writeRows.push([shape, `${ms(before)} ms`, `${ms(now)} ms`, `${(now / before).toFixed(2)}x`]);
    }
    await pool.query('DROP TABLE bench_events_before, bench_events_now');

    // 6. Index sizes, then retention of everything this run wrote.
    // The log is partitioned by day (migration 0029): each size sums the partitions'.
    const sizes = (await pool.query(`SELECT i.indexrelid::regclass::text AS name, (SELECT sum(pg_relation_size(relid)) FROM pg_partition_tree(i.indexrelid)) AS bytes
      FROM pg_index i WHERE i.indrelid = 'events'::regclass ORDER BY 1`)).rows as { name: string; bytes: string }[];
    const eventRows = Number((await pool.query('SELECT count(*) AS n FROM events')).rows[0].n);
    const tableBytes = Number((await pool.query(`SELECT sum(pg_relation_size(relid)) AS b FROM pg_partition_tree('events')`)).rows[0].b);
    log('pruning');
    const pruneStart = performance.now();
    const pruned = await pruneEvents(db, { cutoff: new Date() });
    const pruneSeconds = (performance.now() - pruneStart) / 1000;
    rows.push([
      'retention: prune everything older than now',
      `${pruned.partitions} day partitions dropped, ${pruned.deleted} rows deleted, in ${pruneSeconds.toFixed(1)} s`,
      `${Math.round(pruned.deleted / pruneSeconds)} deleted rows/s`,
      `${pruned.batches} batches of ≤ 5,000, 100 ms apart`,
    ]);

    const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;
    const markdown = [
      '## Event log (`npm run bench:events`)',
      '',
      `${LEADS.toLocaleString('en-US')}-lead organization (about 1.5 contacts a lead); PostgreSQL ${pgVersion}; ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'});`,
      `load average (1 / 5 / 15 min) ${loadBefore} at the start, ${loadAverage()} at the end; run ${new Date().toISOString().slice(0, 10)}. Times are over HTTP to \`sluice serve --role all\``,
      `(one process, API and workers), ${LIMIT} events a page.`,
      '',
      markdownTable(['step', 'time', 'rate', 'check'], rows),
      '',
      `Page latency by filter (HTTP median / p95 of 20; EXPLAIN ANALYZE of the statement the API runs). "Deep" starts at a cursor in the middle of the organization's ${total.toLocaleString('en-US')} events:`,
      '',
      markdownTable(['filter', 'first page', 'deep page', 'statement, first page', 'statement, deep page'], filterRows),
      '',
      `Writing ${(100_000).toLocaleString('en-US')} events in one INSERT (median of 3, alternating) into a copy of the events table with 0001's indexes`,
      '(primary key, org+date, org+type+object, bulk_action_id) and with today\'s (0012, 0015 and 0026: org+date, org+type+action, hash of object_id+date, hash of lead_id+date (children only), user, request indexes). Both copies take the random ids of the INSERT below, not the time-ordered ids Sluice now makes:',
      '',
      markdownTable(['rows shaped like', "0001's indexes", "today's indexes", 'ratio'], writeRows),
      '',
      `Events table when measured: ${eventRows.toLocaleString('en-US')} rows in the benchmark database, heap ${mib(tableBytes)}; indexes:`,
      '',
      markdownTable(['index', 'size'], sizes.map((s) => [s.name, mib(Number(s.bytes))])),
      '',
      'Reproduce: `npm run bench:events` (BENCH_EVENT_LEADS, BULK_BATCH_SIZE; see bench/events.ts).',
    ].join('\n');
    process.stdout.write(`${markdown}\n`);
    if (process.env.BENCH_WRITE !== '0') writeBenchmarkSection(path.join(ROOT, 'BENCHMARKS.md'), 'events', markdown);
  } finally {
    await server.stop();
  }
} finally {
  await database.close();
}
