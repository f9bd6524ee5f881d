/**
 * `node --import tsx bench/delete-batch.ts`: one bulk-delete batch (`deleteLeads`, as the bulk
 * delete calls it with a bulk_action_id) against a raw `DELETE FROM leads WHERE id = ANY(...)` of
 * as many leads, on an organization of its own in the `sluice_bench_delete` database (never the
 * million-lead `sluice_bench`). Each variant runs in a transaction on its own slice of leads (no
 * variant deletes rows another one warmed) and is rolled back; variants alternate so that drift on
 * a shared machine spreads over all of them. Prints medians per batch (wall time, and the backend's
 * CPU time read from /proc where PostgreSQL runs on this machine) and the ratio to the raw
 * DELETE of the same batch size, and, with BENCH_EXPLAIN=1, EXPLAIN (ANALYZE, BUFFERS) of the raw
 * DELETE and of every statement deleteLeads sends for one batch.
 *
 * BENCH_WAL=1 also shows where each variant's WAL goes: after a CHECKPOINT (so that, as for any
 * batch that runs after one, the first change to a page writes a full-page image of it), one batch
 * of each variant, rolled back, and its WAL grouped by relation with pg_walinspect (a contrib
 * extension of PostgreSQL, created in the bench database if missing): full-page images, their MiB,
 * the distinct blocks changed.
 *
 * BENCH_ORG names an existing organization of the `sluice_bench` database instead (e.g. the
 * million-lead "Benchmark: 1000000 leads"), to see a batch at that scale; nothing is seeded then.
 * BENCH_ORDER=desc takes the newest leads first (bench:bulk's delete does), else the oldest.
 *
 * Environment: BENCH_LEADS (organization size, default 40,000), BENCH_BATCHES (comma-separated
 * batch sizes, default 1000,2000), BENCH_ROUNDS (4), BENCH_EXPLAIN, BENCH_BASELINE (the path of
 * another implementation of deleteLeads, e.g. an older commit's file, timed as `baseline` in the
 * same rounds), DATABASE_URL / DATA_DIR as for `sluice`.
 */
import { sql } from 'kysely';
import type pg from 'pg';
import { deleteLeads } from '../src/leads/delete-leads.ts';
import { createOrganization } from '../src/orgs/create-organization.ts';
import { seedOrganization } from '../src/seed/seed-organization.ts';
import { openBenchDatabase } from './lib/bench-database.ts';
import { processTicks, TICKS_PER_SECOND } from './lib/process-cpu.ts';
import { kyselyOn, timeRolledBack } from './lib/rolled-back.ts';
import { markdownTable } from './lib/table.ts';

const LEADS = Number(process.env.BENCH_LEADS ?? 40_000);
const BATCHES = (process.env.BENCH_BATCHES ?? '1000,2000').split(',').map(Number);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const EXPLAIN = process.env.BENCH_EXPLAIN === '1';
const WAL = process.env.BENCH_WAL === '1';
/** BENCH_ORDER=desc: the newest leads first, as bench:bulk's delete takes them. */
const DESC = process.env.BENCH_ORDER === 'desc';
const log = (message: string) => process.stderr.write(`${message}\n`);

const BENCH_ORG = process.env.BENCH_ORG;
const database = await openBenchDatabase(BENCH_ORG ? 'sluice_bench' : 'sluice_bench_delete');
const { db, pool } = database;

interface Ctx {
  readonly org: string;
  readonly user: string;
  readonly ids: readonly string[];
}
type Variant = (client: pg.PoolClient, ctx: Ctx) => Promise<void>;

/**
 * Runs a variant rolled back; its wall milliseconds and its backend's CPU milliseconds (from /proc,
 * NaN when PostgreSQL runs elsewhere). CPU is the steadier figure on a shared machine: it leaves
 * out waiting for the disk and for other processes, which move wall time from round to round.
 */
async function timeVariant(variant: Variant, ctx: Ctx): Promise<{ wall: number; cpu: number }> {
  let cpu = Number.NaN;
  const wall = await timeRolledBack(pool, async (client) => {
    // Inside the timed span, but a round trip of well under a millisecond against batches of hundreds.
    const backend = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    const ticks = processTicks(backend);
    await variant(client, ctx);
    cpu = ((processTicks(backend) - ticks) * 1000) / TICKS_PER_SECOND;
  });
  return { wall, cpu };
}

const RAW = 'DELETE FROM leads WHERE organization_id = $1 AND id = ANY($2::text[])';
const raw: Variant = async (c, ctx) => void (await c.query(RAW, [ctx.org, ctx.ids]));
const engineOf = (fn: typeof deleteLeads): Variant => async (c, ctx) => {
  const deleted = await fn(kyselyOn(c), ctx.org, ctx.ids, { userId: ctx.user, bulkActionId: 'bulkdelete_bench' });
  if (deleted.length !== ctx.ids.length) throw new Error(`deleted ${deleted.length} of ${ctx.ids.length}`);
};
const engine = engineOf(deleteLeads);
const baseline = process.env.BENCH_BASELINE
  ? engineOf(((await import(process.env.BENCH_BASELINE)) as { deleteLeads: typeof deleteLeads }).deleteLeads)
  : undefined;

try {
  const name = BENCH_ORG ?? `Delete benchmark: ${LEADS} leads`;
  let org = (await db.selectFrom('organizations').select('id').where('name', '=', name).executeTakeFirst())?.id;
  if (!org && BENCH_ORG) throw new Error(`no organization named ${BENCH_ORG}`);
  if (!org) {
    org = (await createOrganization(db, { name, userEmail: 'bench-delete@example.com' })).organization_id;
    log(`seeding ${LEADS} leads`);
    await seedOrganization(database, { organizationId: org, leads: LEADS, seed: 'bench-delete' });
    await pool.query('ANALYZE');
  }
  const user = (await db.selectFrom('users').select('id').where('organization_id', '=', org).executeTakeFirstOrThrow()).id;
  const counts = (await pool.query(
    `SELECT (SELECT count(*) FROM leads WHERE organization_id = $1) AS leads, (SELECT count(*) FROM contacts WHERE organization_id = $1) AS contacts,
            (SELECT count(*) FROM contact_phones WHERE organization_id = $1) AS phones, (SELECT count(*) FROM contact_emails WHERE organization_id = $1) AS emails`,
    [org],
  )).rows[0];
  log(`organization ${org}: ${JSON.stringify(counts)}`);
  const all = (await sql<{ id: string }>`SELECT id FROM leads WHERE organization_id = ${org} ORDER BY date_created ${sql.raw(DESC ? 'DESC' : 'ASC')}, id`.execute(db)).rows.map((r) => r.id);
  const names = BATCHES.flatMap((b) => [`raw DELETE ${b}`, `deleteLeads ${b}`, ...(baseline ? [`baseline ${b}`] : [])]);
  const variantOf = (n: string) => (n.startsWith('raw') ? raw : n.startsWith('baseline') ? baseline! : engine);
  const times: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  const cpus: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  let offset = 0;
  const take = (n: number) => {
    if (offset + n > all.length) offset = 0;
    const ids = all.slice(offset, offset + n);
    offset += n;
    return ids;
  };
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? names : [...names].reverse();
    for (const n of order) {
      const size = Number(n.split(' ').at(-1));
      const { wall, cpu } = await timeVariant(variantOf(n), { org, user, ids: take(size) });
      times[n]!.push(wall);
      cpus[n]!.push(cpu);
    }
    log(`round ${round + 1}/${ROUNDS}`);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  process.stdout.write(
    `${markdownTable(
      ['variant', 'median ms per batch', 'ms per 1,000 leads', 'ratio to raw DELETE', 'backend CPU ms (median)', 'CPU ratio'],
      names.map((n) => {
        const size = Number(n.split(' ').at(-1));
        const m = median(times[n]!);
        const c = median(cpus[n]!);
        return [n, m.toFixed(1), ((m * 1000) / size).toFixed(1), (m / median(times[`raw DELETE ${size}`]!)).toFixed(2),
          c.toFixed(0), (c / median(cpus[`raw DELETE ${size}`]!)).toFixed(2)];
      }),
    )}\n`,
  );
  // The benchmark process's peak RSS: run with and without BENCH_BASELINE to see what the
  // JavaScript side of a batch keeps alive.
  log(`peak RSS of this process: ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB`);
  if (WAL) await walByRelation(BATCHES.at(-1)!, org, user, take);
  if (EXPLAIN) {
    const size = BATCHES.at(-1)!;
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const plan = async (text: string, values: unknown[]) =>
        ((await client.query(`EXPLAIN (ANALYZE, BUFFERS) ${text}`, values)).rows as { 'QUERY PLAN': string }[]).map((r) => r['QUERY PLAN']).join('\n');
      process.stdout.write(`\n-- raw DELETE of ${size}\n${await plan(RAW, [org, take(size)])}\n`);
      await client.query('ROLLBACK');
      // Each implementation's statements, each explained on the way (inside a savepoint rolled back,
      // then run for real: each statement has its effect once).
      const original = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>;
      const impls: [string, typeof deleteLeads][] = [['deleteLeads', deleteLeads]];
      if (process.env.BENCH_BASELINE) impls.push(['baseline', ((await import(process.env.BENCH_BASELINE)) as { deleteLeads: typeof deleteLeads }).deleteLeads]);
      for (const [label, fn] of impls) {
        await client.query('BEGIN');
        (client as unknown as { query: unknown }).query = async (config: unknown, values?: unknown) => {
          const text = typeof config === 'string' ? config : (config as { text: string }).text;
          const params = typeof config === 'string' ? values : (config as { values?: unknown[] }).values;
          if (/^\s*(select|insert|update|delete|with)\b/i.test(text)) {
            await original('SAVEPOINT explain');
            const rows = (await original(`EXPLAIN (ANALYZE, BUFFERS) ${text}`, params)) as { rows: { 'QUERY PLAN': string }[] };
            await original('ROLLBACK TO SAVEPOINT explain');
            process.stdout.write(`\n-- ${label} statement: ${text.replace(/\s+/g, ' ').slice(0, 160)}…\n${rows.rows.map((r) => r['QUERY PLAN']).join('\n')}\n`);
          }
          return original(config, values);
        };
        const start = performance.now();
        await fn(kyselyOn(client), org, take(size), { userId: user, bulkActionId: 'bulkdelete_bench' });
        process.stdout.write(`\n-- ${label}: ${(performance.now() - start).toFixed(0)} ms with the EXPLAINs\n`);
        (client as unknown as { query: unknown }).query = original;
        await client.query('ROLLBACK');
      }
    } finally {
      client.release();
    }
  }
} finally {
  await database.close();
}

/** BENCH_WAL: one batch of each variant after a CHECKPOINT, its WAL by relation (pg_walinspect). */
async function walByRelation(size: number, org: string, user: string, take: (n: number) => string[]): Promise<void> {
  await pool.query('CREATE EXTENSION IF NOT EXISTS pg_walinspect');
  const variants: [string, Variant][] = [['raw DELETE', raw], ['deleteLeads', engine], ...(baseline ? [['baseline', baseline] as [string, Variant]] : [])];
  const lsn = async () => (await pool.query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn')).rows[0]!.lsn;
  for (const [label, variant] of variants) {
    await pool.query('CHECKPOINT');
    const start = await lsn();
    const { wall } = await timeVariant(variant, { org, user, ids: take(size) });
    const end = await lsn();
    const { rows } = await pool.query<Record<string, unknown>>(
      `SELECT coalesce(c.relname, 'filenode ' || b.relfilenode || ', database ' || b.reldatabase || ', ' || min(b.record_type))
                || CASE b.relforknumber WHEN 0 THEN '' WHEN 1 THEN ' (free space map)' WHEN 2 THEN ' (visibility map)' ELSE ' (fork ' || b.relforknumber || ')' END
                AS relation,
              count(*) FILTER (WHERE b.block_fpi_length > 0) AS fpis,
              round(coalesce(sum(b.block_fpi_length), 0) / 1048576.0, 1) AS fpi_mib, count(DISTINCT b.relblocknumber) AS blocks,
              count(*) AS block_changes
       FROM pg_get_wal_block_info($1, $2, false) b
       LEFT JOIN pg_class c ON c.relfilenode = b.relfilenode AND b.reldatabase = (SELECT oid FROM pg_database WHERE datname = current_database())
       GROUP BY c.relname, b.relfilenode, b.reldatabase, b.relforknumber ORDER BY 2 DESC, 5 DESC LIMIT 16`,
      [start, end],
    );
    const total = (await pool.query<{ mib: string }>('SELECT round(pg_wal_lsn_diff($2, $1) / 1048576.0, 1) AS mib', [start, end])).rows[0]!.mib;
    process.stdout.write(
      `\n-- ${label} of ${size} after a CHECKPOINT: ${wall.toFixed(0)} ms, WAL ${total} MiB\n` +
        `${markdownTable(['relation', 'full-page images', 'their MiB', 'blocks changed', 'block changes'], rows.map((r) => [r.relation, r.fpis, r.fpi_mib, r.blocks, r.block_changes].map(String)))}\n`,
    );
  }
}
