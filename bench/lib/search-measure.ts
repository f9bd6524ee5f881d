/**
 * Measurements of one search shape: through the HTTP server (first page, a deep page reached by
 * following cursors, include_counts), and the compiled SQL against the hand-written SQL, run
 * alternately on the same pool so both see the same caches.
 */
import type pg from 'pg';
import { search, type SearchScope } from '../../src/search/index.ts';
import { postJson } from './http-client.ts';
import type { Shape } from './search-shapes.ts';
import type { CapturedStatement } from './statement-capture.ts';
import { summarize, timeInterleaved, timeRuns, type Summary } from './stats.ts';

export interface ShapeResult {
  readonly shape: Shape;
  readonly total: number;
  readonly firstPage: Summary;
  /** The page the deep measurement reached (50, or the last page of a smaller result). */
  readonly deepPageNumber: number | null;
  readonly deepPage: Summary | null;
  readonly counts: Summary;
  readonly compiledSql: Summary;
  readonly handSql: Summary;
  readonly compiledCount: Summary;
  readonly handCount: Summary;
  /** The compiled page statement, for EXPLAIN when a target is missed. */
  readonly pageStatement: CapturedStatement;
  /** False when the hand-written SQL's first page differs from the compiled one's (a bench bug). */
  readonly sameRows: boolean;
}

export interface MeasureContext {
  readonly pool: pg.Pool;
  readonly searchUrl: string;
  readonly apiKey: string;
  readonly scope: SearchScope;
  readonly drain: () => CapturedStatement[];
  readonly runs: number;
  readonly deepPage: number;
}

interface SearchBody {
  data: { id: string }[];
  cursor: string | null;
  count?: { total: number };
}

async function post(ctx: MeasureContext, body: Record<string, unknown>): Promise<SearchBody> {
  const res = await postJson<SearchBody>(ctx.searchUrl, ctx.apiKey, body);
  if (res.status !== 200) throw new Error(`search answered ${res.status}: ${JSON.stringify(res.body).slice(0, 500)}`);
  return res.body;
}

/** The statement of `search(body)` that `pick` selects, captured from a direct (in-process) call. */
async function capture(ctx: MeasureContext, body: Record<string, unknown>, pick: (s: CapturedStatement) => boolean, what: string): Promise<CapturedStatement> {
  ctx.drain();
  await search(ctx.scope, body);
  const found = ctx.drain().find(pick);
  if (!found) throw new Error(`could not find the ${what} statement among those search() ran`);
  return found;
}

const run = (pool: pg.Pool, text: string, values: readonly unknown[]) => () => pool.query(text, values as unknown[]);

/** Measures one shape. */
export async function measureShape(ctx: MeasureContext, shape: Shape): Promise<ShapeResult> {
  const query = shape.query;
  const total = (await post(ctx, { query, include_counts: true, results_limit: 0 })).count?.total ?? Number.NaN;

  const firstPage = summarize(await timeRuns(() => post(ctx, { query, _limit: 100 }), ctx.runs));

  // Follow cursors page by page; the timed request is the one for page `deepPageNumber`.
  let cursor: string | null = null;
  let deepCursor: string | null = null;
  let deepPageNumber: number | null = null;
  for (let page = 1; page < ctx.deepPage; page++) {
    cursor = (await post(ctx, { query, _limit: 100, cursor })).cursor;
    if (cursor === null) break;
    deepCursor = cursor;
    deepPageNumber = page + 1;
  }
  const deepPage = deepCursor === null ? null : summarize(await timeRuns(() => post(ctx, { query, _limit: 100, cursor: deepCursor }), ctx.runs));

  const counts = summarize(await timeRuns(() => post(ctx, { query, include_counts: true, results_limit: 0 }), ctx.runs));

  const page = await capture(ctx, { query, _limit: 100 }, (s) => /\bLIMIT \$\d+\s*$/.test(s.sql) && s.parameters.at(-1) === 101, 'page');
  const handPage = `${shape.handSql} LIMIT 101`;
  const handValues = [ctx.scope.organizationId, ...shape.handValues];
  const [compiledSql, handSql] = await timeInterleaved(run(ctx.pool, page.sql, page.parameters), run(ctx.pool, handPage, handValues), ctx.runs * 3);
  const compiledIds = (await ctx.pool.query(page.sql, page.parameters as unknown[])).rows.map((r) => r.id);
  const handIds = (await ctx.pool.query(handPage, handValues)).rows.map((r) => r.id);

  const count = await capture(ctx, { query, include_counts: true, results_limit: 0 }, (s) => /count\(\*\)/i.test(s.sql) && /\bAS total\b/.test(s.sql), 'count');
  const [compiledCount, handCount] = await timeInterleaved(run(ctx.pool, count.sql, count.parameters), run(ctx.pool, shape.handCountSql, handValues), Math.max(3, Math.ceil(ctx.runs / 3)), 1, 60_000, 3);

  return {
    shape,
    total,
    firstPage,
    deepPageNumber,
    deepPage,
    counts,
    compiledSql: summarize(compiledSql),
    handSql: summarize(handSql),
    compiledCount: summarize(compiledCount),
    handCount: summarize(handCount),
    pageStatement: page,
    sameRows: JSON.stringify(compiledIds) === JSON.stringify(handIds),
  };
}

export interface MemoryTrace {
  readonly rows: number;
  readonly rssMiB: number;
  readonly peakMiB: number;
}

/**
 * Pages through a large result (`_limit` 200, with fields) and samples the server's memory at
 * growing row counts: if a page's memory were proportional to what came before, RSS would climb.
 */
export async function traceMemory(
  ctx: MeasureContext,
  shape: Shape,
  maxRows: number,
  memory: () => { rssMiB: number; peakMiB: number },
): Promise<MemoryTrace[]> {
  const marks = new Set([2_000, 10_000, 50_000, 100_000, 200_000, 500_000, 1_000_000].filter((m) => m < maxRows).concat(maxRows));
  const trace: MemoryTrace[] = [{ rows: 0, ...memory() }];
  let cursor: string | null = null;
  let rows = 0;
  do {
    const body = await post(ctx, { query: shape.query, _limit: 200, cursor, _fields: { lead: ['id', 'display_name', 'status_id', 'date_created', 'custom'] } });
    rows += body.data.length;
    cursor = body.cursor;
    if ([...marks].some((m) => rows >= m && !trace.some((t) => t.rows >= m))) trace.push({ rows, ...memory() });
  } while (cursor !== null && rows < maxRows);
  if (trace.at(-1)!.rows !== rows) trace.push({ rows, ...memory() });
  return trace;
}
