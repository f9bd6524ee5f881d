/**
 * `npm run bench:rate-limit`: what counting rate limits in PostgreSQL costs, and whether two API
 * processes enforce the limit of one (issue 14). Real `sluice serve --role api` processes over one
 * database, autocannon as the client.
 *
 * 1. Overhead: GET /api/v1/me/ requests per second with counting off (RATE_LIMIT_PER_KEY=0) and on
 *    (a limit too high to refuse anything), one process.
 * 2. Sharing: one key hammered at RATE_LIMIT_PER_KEY=R through one process, then through two at
 *    once; accepted requests per second, less the first second's burst, against R.
 * 3. The statement alone, without HTTP: the key lookup that authentication did before, against the
 *    lookup that also counts (RateLimiter.authenticate), on DB_POOL_SIZE (10) connections at once,
 *    all on one key (the hot row), in alternating rounds so a change of machine load hits both alike.
 *
 * Settings: BENCH_ONLY (`statement` or `http`: one part), BENCH_SECONDS (default 10), BENCH_CONNECTIONS (32), BENCH_RATE (R, 100), BENCH_DB
 * (database name in the embedded PostgreSQL, sluice_bench_rate_limit); DATABASE_URL / DATA_DIR as
 * for `sluice`. Prints the figures and the load average; writes nothing.
 */
import { createRequire } from 'node:module';
import os from 'node:os';
import type { FastifyReply } from 'fastify';
import pg from 'pg';
import { createApiKey, hashApiKey } from '../src/auth/api-keys.ts';
import { RateLimiter } from '../src/http/rate-limit.ts';
import { createOrganization } from '../src/orgs/create-organization.ts';
import { openBenchDatabase } from './lib/bench-database.ts';
import { startServerProcess, type ServerProcess } from './lib/server-process.ts';

interface CannonResult {
  readonly requests: { readonly average: number };
  readonly '2xx': number;
  readonly non2xx: number;
  readonly duration: number;
}
type Cannon = (options: Record<string, unknown>) => Promise<CannonResult>;
// autocannon ships no type declarations.
const autocannon = createRequire(import.meta.url)('autocannon') as Cannon;

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 32);
const rate = Number(process.env.BENCH_RATE ?? 100);
const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');

const database = await openBenchDatabase(process.env.BENCH_DB ?? 'sluice_bench_rate_limit');
const org = await createOrganization(database.db, { name: 'Rate limit bench', userEmail: 'bench@example.com' });
const freshKey = async () => (await createApiKey(database.db, org.organization_id, org.user_id)).key;
const hammer = (server: ServerProcess, key: string, duration: number, conns: number) =>
  autocannon({
    url: `${server.baseUrl}/api/v1/me/`,
    connections: conns,
    duration,
    headers: { authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` },
  });

async function overhead(label: string, env: Record<string, string>): Promise<number> {
  const server = await startServerProcess(database.connectionString, env);
  try {
    const key = await freshKey();
    await hammer(server, key, 2, connections); // warm-up: JIT, pool, prepared statements
    const result = await hammer(server, key, seconds, connections);
    if (result.non2xx > 0) throw new Error(`${label}: ${result.non2xx} requests refused`);
    console.log(`${label}: ${result.requests.average.toFixed(0)} req/s (load ${load()})`);
    return result.requests.average;
  } finally {
    await server.stop();
  }
}

async function shared(processes: number): Promise<number> {
  const servers = await Promise.all(Array.from({ length: processes }, () => startServerProcess(database.connectionString, { RATE_LIMIT_PER_KEY: String(rate) })));
  try {
    const key = await freshKey();
    const results = await Promise.all(servers.map((s) => hammer(s, key, seconds, Math.ceil(connections / processes))));
    const accepted = results.reduce((n, r) => n + r['2xx'], 0);
    const refused = results.reduce((n, r) => n + r.non2xx, 0);
    // A fresh bucket starts full: one second's worth (R) comes on top of R per second.
    const perSecond = (accepted - rate) / seconds;
    console.log(
      `${processes} process(es), one key, limit ${rate}/s: ${accepted} accepted, ${refused} refused in ${seconds} s: ` +
        `${perSecond.toFixed(1)} accepted/s = ${((perSecond / rate) * 100).toFixed(1)}% of the limit (load ${load()})`,
    );
    return perSecond;
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}

/** Statements per second with `connections` clients each running `statement` back to back for `ms`. */
async function statementsPerSecond(pool: pg.Pool, connections: number, ms: number, statement: () => Promise<unknown>): Promise<number> {
  let done = 0;
  const end = performance.now() + ms;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < end) {
        await statement();
        done += 1;
      }
    }),
  );
  return done / (ms / 1000);
}

async function statementCost(): Promise<void> {
  const pool = new pg.Pool({ connectionString: database.connectionString, max: 10 });
  const key = await freshKey();
  const limiter = new RateLimiter(pool, { read: 1_000_000, write: 1_000_000, search: 1_000_000, bulk: 1_000_000 });
  const reply = { header: () => reply } as unknown as FastifyReply;
  const lookup = () => pool.query({ name: 'bench_lookup', text: 'SELECT id, organization_id, user_id FROM api_keys WHERE key_hash = $1', values: [hashApiKey(key)] });
  const count = () => limiter.authenticate(key, 'read', reply, Date.now());
  const rounds: { lookup: number[]; count: number[] } = { lookup: [], count: [] };
  await statementsPerSecond(pool, 10, 1000, lookup);
  await statementsPerSecond(pool, 10, 1000, count);
  for (let i = 0; i < 4; i++) {
    rounds.lookup.push(await statementsPerSecond(pool, 10, 2000, lookup));
    rounds.count.push(await statementsPerSecond(pool, 10, 2000, count));
  }
  await pool.end();
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const [l, c] = [median(rounds.lookup), median(rounds.count)];
  console.log(
    `statement alone, 10 connections, one key: lookup ${l.toFixed(0)}/s, lookup + count ${c.toFixed(0)}/s ` +
      `(${(1e6 / c - 1e6 / l).toFixed(0)} µs more per request at this concurrency; rounds ${JSON.stringify(rounds, (_k, v: unknown) => (typeof v === 'number' ? Math.round(v) : v))}) (load ${load()})`,
  );
}

async function httpRuns(): Promise<void> {
  console.log(`GET /api/v1/me/, ${connections} connections, ${seconds} s per run, ${os.cpus().length} cores`);
  const off = await overhead('counting off (RATE_LIMIT_PER_KEY=0)', { RATE_LIMIT_PER_KEY: '0' });
  const on = await overhead('counting on (RATE_LIMIT_PER_KEY=1000000)', { RATE_LIMIT_PER_KEY: '1000000' });
  console.log(`counting costs ${(((off - on) / off) * 100).toFixed(1)}% of the throughput`);
  const one = await shared(1);
  const two = await shared(2);
  console.log(`two processes vs one: ${((two / one) * 100).toFixed(1)}%`);
}

try {
  // BENCH_ONLY=statement or =http runs one part.
  if (process.env.BENCH_ONLY !== 'http') await statementCost();
  if (process.env.BENCH_ONLY !== 'statement') await httpRuns();
} finally {
  await database.close();
}
