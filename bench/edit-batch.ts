/**
 * `npm run bench:edit-batch`: one bulk-edit batch, statement by statement, on the million-lead
 * organization of `npm run bench:bulk` (bench database), against a raw UPDATE of the same number of
 * rows. Each variant runs in its own transaction on its own slice of leads (never the same rows
 * twice, so no variant reads what another warmed), and is rolled back; variants alternate so that
 * drift on a shared machine spreads over all of them. Prints medians per batch and the ratio to the
 * raw UPDATE, and, with BENCH_EXPLAIN=1, EXPLAIN (ANALYZE, BUFFERS) of one run of each variant.
 *
 * This is the tool that says where a batch's time goes; `bench:bulk` gives the end-to-end figure.
 * Environment: BENCH_LEADS (organization size, default 1,000,000), BENCH_ORG (another organization
 * of the bench database by name, e.g. the search benchmark's), BENCH_BATCH (1000),
 * BENCH_ROUNDS (8), BENCH_EXPLAIN, DATABASE_URL / DATA_DIR as for `sluice`.
 */
import { sql } from 'kysely';
import type pg from 'pg';
import { applyEdit, type FieldChange } from '../src/bulk-actions/kinds/edit-batch.ts';
import { openBenchDatabase } from './lib/bench-database.ts';
import { kyselyOn, timeRolledBack } from './lib/rolled-back.ts';
import { markdownTable } from './lib/table.ts';

const LEADS = Number(process.env.BENCH_LEADS ?? 1_000_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 1000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 8);
const EXPLAIN = process.env.BENCH_EXPLAIN === '1';
const log = (message: string) => process.stderr.write(`${message}\n`);

const database = await openBenchDatabase();
const { db, pool } = database;

interface Ctx {
  readonly org: string;
  readonly user: string;
  readonly status: string;
  readonly field: string;
  readonly ids: readonly string[];
}

type Variant = (client: pg.PoolClient, ctx: Ctx) => Promise<void>;

const timeVariant = (variant: Variant, ctx: Ctx) => timeRolledBack(pool, (client) => variant(client, ctx));

const explainOf = async (client: pg.PoolClient, text: string, values: unknown[]) => {
  const rows = (await client.query(`EXPLAIN (ANALYZE, BUFFERS) ${text}`, values)).rows as { 'QUERY PLAN': string }[];
  // Bound arrays are printed inline in the plan; a line of 1,000 ids says nothing.
  return rows.map((r) => r['QUERY PLAN'].replace(/'\{[^}]{200,}\}'/g, "'{…}'")).join('\n');
};

const RAW_STATUS = 'UPDATE leads SET status_id = $1, date_updated = now(), updated_by = $2 WHERE organization_id = $3 AND id = ANY($4::text[])';
const RAW_CUSTOM = 'UPDATE leads SET custom = jsonb_set(custom, ARRAY[$1::text], to_jsonb($2::text)), date_updated = now(), updated_by = $3 WHERE organization_id = $4 AND id = ANY($5::text[])';

/** The last statement the engine sent: EXPLAIN runs it again on other rows. */
let captured: { text: string; values: unknown[] } | undefined;

/** The engine's statement through applyEdit, on the variant's connection (inside its transaction). */
function engine(change: (ctx: Ctx) => FieldChange, locked = false): Variant {
  return async (client, ctx) => {
    const trx = kyselyOn(client, (text, values) => (captured = { text, values }));
    await applyEdit(trx, 'leads', ctx.ids, change(ctx), { organizationId: ctx.org, userId: ctx.user, bulkActionId: 'bulkedit_bench' }, { locked });
  };
}

const variants: Record<string, Variant> = {
  'raw UPDATE status': async (c, ctx) => void (await c.query(RAW_STATUS, [ctx.status, ctx.user, ctx.org, ctx.ids])),
  'engine set_lead_status': engine((ctx) => ({ kind: 'status', statusId: ctx.status })),
  'engine set_lead_status, rows locked first': engine((ctx) => ({ kind: 'status', statusId: ctx.status }), true),
  'raw UPDATE custom': async (c, ctx) => void (await c.query(RAW_CUSTOM, [ctx.field, `bench ${Date.now()}`, ctx.user, ctx.org, ctx.ids])),
  'engine set_custom_field': engine((ctx) => ({ kind: 'set', key: ctx.field, value: `bench ${Date.now()}` })),
};

try {
  const org = (await db.selectFrom('organizations').select('id').where('name', '=', process.env.BENCH_ORG ?? `Bulk benchmark: ${LEADS} leads`).executeTakeFirstOrThrow()).id;
  const user = (await db.selectFrom('users').select('id').where('organization_id', '=', org).executeTakeFirstOrThrow()).id;
  const status = (await db.selectFrom('lead_statuses').select('id').where('organization_id', '=', org).orderBy('position', 'desc').executeTakeFirstOrThrow()).id;
  const field = (await pool.query(`SELECT id FROM custom_fields WHERE organization_id = $1 AND name = 'Referral Source'`, [org])).rows[0].id as string;
  const names = Object.keys(variants);
  // Slices of the organization in date_created order, as the benchmark's selection takes them.
  const need = BATCH * ROUNDS * names.length;
  const all = (await sql<{ id: string }>`SELECT id FROM leads WHERE organization_id = ${org} ORDER BY date_created, id LIMIT ${need}`.execute(db)).rows.map((r) => r.id);
  const times: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  let slice = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? names : [...names].reverse();
    for (const name of order) {
      const ids = all.slice(slice * BATCH, (slice + 1) * BATCH);
      slice++;
      times[name]!.push(await timeVariant(variants[name]!, { org, user, status, field, ids }));
    }
    log(`round ${round + 1}/${ROUNDS}`);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const rawOf = (name: string) => (name.includes('custom') ? 'raw UPDATE custom' : 'raw UPDATE status');
  process.stdout.write(
    `${markdownTable(
      ['variant', `median ms per ${BATCH}`, 'ratio to raw'],
      names.map((n) => [n, median(times[n]!).toFixed(1), (median(times[n]!) / median(times[rawOf(n)]!)).toFixed(2)]),
    )}\n`,
  );
  if (EXPLAIN) {
    const client = await pool.connect();
    try {
      const ids = (await sql<{ id: string }>`SELECT id FROM leads WHERE organization_id = ${org} ORDER BY date_created DESC, id LIMIT ${BATCH}`.execute(db)).rows.map((r) => r.id);
      await client.query('BEGIN');
      process.stdout.write(`\n-- raw UPDATE status\n${await explainOf(client, RAW_STATUS, [status, user, org, ids.slice(0, BATCH / 2)])}\n`);
      await client.query('ROLLBACK');
      // The engine's statement for set_lead_status, on the other half of the same slice.
      await timeVariant(variants['engine set_lead_status']!, { org, user, status, field, ids: [] });
      const { text, values } = captured!;
      const swapped = values.map((v) => (Array.isArray(v) ? ids.slice(BATCH / 2) : v));
      await client.query('BEGIN');
      process.stdout.write(`\n-- engine set_lead_status\n${await explainOf(client, text, swapped)}\n`);
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
  }
} finally {
  await database.close();
}
