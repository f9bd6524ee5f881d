/**
 * Loads generated leads into an existing organization with COPY.
 *
 * Rows are generated and sent in chunks (2,000 leads, ~5 MB of COPY text), so memory stays flat
 * whatever the count, and the next chunk is generated while PostgreSQL ingests the current one. The
 * whole load is one transaction: an interrupted run leaves nothing behind, so rerunning the same
 * command cannot trip over half a load's ids. VACUUM (ANALYZE) runs at the end: a million fresh rows
 * otherwise leave the planner with the statistics of an empty table, and the visibility map unset,
 * so that index-only scans visit the heap anyway (measured: 2,900 heap fetches for one page of the
 * contact-title search at a million leads) until autovacuum comes round.
 */
import type { Kysely } from 'kysely';
import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Database } from '../db/schema.ts';
import { COPY_COLUMNS, SEED_TABLES, type SeedTable } from './copy-text.ts';
import { generateLead, type ChunkLines, type GenerationContext } from './generate-lead.ts';
import { keyFrom, Random } from './prng.ts';
import { ensureSeedFields } from './seed-fields.ts';

export interface SeedOptions {
  readonly organizationId: string;
  readonly leads: number;
  /** Same seed, same data (and, in the same organization id, the same ids). Default "1". */
  readonly seed?: string;
  readonly chunkSize?: number;
  /** Leads are created over the `years` before `end` (default 3 years before 2026-01-01). */
  readonly end?: Date;
  readonly years?: number;
  /** Called after each chunk with the number of leads sent so far. */
  readonly onProgress?: (leadsDone: number) => void;
}

export interface SeedSummary {
  readonly organization_id: string;
  readonly seed: string;
  readonly leads: number;
  readonly contacts: number;
  readonly seconds: number;
}

/** A seed that cannot run (unknown organization, a repeated seed); the CLI prints its message. */
export class SeedError extends Error {}

/** The fixed end of the seeded timeline, so that a seed's dates do not depend on the day it runs. */
export const DEFAULT_SEED_END = new Date('2026-01-01T00:00:00Z');

function emptyChunk(): ChunkLines {
  return { leads: [], contacts: [], contact_emails: [], contact_phones: [], contact_urls: [], addresses: [] };
}

async function copyTable(client: pg.PoolClient, table: SeedTable, lines: readonly string[]): Promise<void> {
  if (lines.length === 0) return;
  const stream: Writable = client.query(copyFrom(`COPY ${table} (${COPY_COLUMNS[table].join(', ')}) FROM STDIN`));
  stream.end(lines.join(''));
  await finished(stream);
}

async function copyChunk(client: pg.PoolClient, chunk: ChunkLines): Promise<void> {
  for (const table of SEED_TABLES) await copyTable(client, table, chunk[table]);
}

async function loadContext(db: Kysely<Database>, options: SeedOptions): Promise<GenerationContext> {
  const organizationId = options.organizationId;
  const org = await db.selectFrom('organizations').select('id').where('id', '=', organizationId).executeTakeFirst();
  if (!org) throw new SeedError(`no such organization: ${organizationId}`);
  const statuses = await db
    .selectFrom('lead_statuses')
    .select('id')
    .where('organization_id', '=', organizationId)
    .orderBy('position')
    .orderBy('id')
    .execute();
  if (statuses.length === 0) throw new SeedError(`organization ${organizationId} has no lead statuses`);
  const users = await db
    .selectFrom('users')
    .select('id')
    .where('organization_id', '=', organizationId)
    .orderBy('date_created')
    .orderBy('id')
    .execute();
  const userIds = users.map((u) => u.id);
  const fields = await ensureSeedFields(db, organizationId, userIds[0] ?? null);
  const end = (options.end ?? DEFAULT_SEED_END).getTime();
  const years = options.years ?? 3;
  return {
    organizationId,
    statusIds: statuses.map((s) => s.id),
    userIds,
    fields,
    startMs: end - Math.round(years * 365.25 * 86_400_000),
    endMs: end,
    total: options.leads,
  };
}

/** Generates and loads `options.leads` leads into the organization; returns what was loaded. */
export async function seedOrganization(
  database: { readonly pool: pg.Pool; readonly db: Kysely<Database> },
  options: SeedOptions,
): Promise<SeedSummary> {
  const started = performance.now();
  const seed = options.seed ?? '1';
  const total = options.leads;
  if (!Number.isInteger(total) || total < 0) throw new SeedError('--leads must be a non-negative integer');
  const chunkSize = options.chunkSize ?? 2000;
  const ctx = await loadContext(database.db, options);
  const dataKey = keyFrom('seed-data', seed);
  const idKey = keyFrom('seed-ids', seed, ctx.organizationId);

  if (total > 0) {
    const firstId = `lead_${new Random(idKey, 0).base62(43)}`;
    const clash = await database.db.selectFrom('leads').select('id').where('id', '=', firstId).executeTakeFirst();
    if (clash) throw new SeedError(`organization ${ctx.organizationId} already holds the leads of seed "${seed}"; pass another --seed`);
  }

  const generate = (from: number, to: number): { chunk: ChunkLines; contacts: number } => {
    const chunk = emptyChunk();
    let contacts = 0;
    for (let i = from; i < to; i++) contacts += generateLead(i, new Random(dataKey, i), new Random(idKey, i), ctx, chunk);
    return { chunk, contacts };
  };

  let contacts = 0;
  const client = await database.pool.connect();
  try {
    await client.query('BEGIN');
    await client.query("SET LOCAL work_mem = '256MB'");
    await client.query("SET LOCAL gin_pending_list_limit = '64MB'");
    let pending: Promise<void> = Promise.resolve();
    for (let from = 0; from < total; from += chunkSize) {
      const to = Math.min(total, from + chunkSize);
      const next = generate(from, to);
      await pending;
      contacts += next.contacts;
      pending = copyChunk(client, next.chunk).then(() => options.onProgress?.(to));
    }
    await pending;
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
  if (total > 0) await database.pool.query(`VACUUM (ANALYZE) ${SEED_TABLES.join(', ')}`);
  return {
    organization_id: ctx.organizationId,
    seed,
    leads: total,
    contacts,
    seconds: Math.round((performance.now() - started) / 100) / 10,
  };
}
