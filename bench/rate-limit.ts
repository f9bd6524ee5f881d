/**
 * `npm run bench:rate-limit`: what counting rate limits in PostgreSQL costs, and whether two API
 * processes enforce the limit of one (issue 14). Real `sluice serve --role api` processes over one
 * database, autocannon as the client.
 *
 * 1. Overhead: GET /api/v1/me/ requests per second with counting off (RATE_LIMIT_PER_KEY=0) and on
 *    (a limit too high to refuse anything), one process.
 * 2. Sharing: one key hammered at RATE_LIMIT_PER_KEY=R through one process, then through two at
 *    once; accepted requests per second, less the first second's burst, against R.
 *
 * Settings: BENCH_SECONDS (default 10), BENCH_CONNECTIONS (32), BENCH_RATE (R, 100), BENCH_DB
 * (database name in the embedded PostgreSQL, sluice_bench_rate_limit); DATABASE_URL / DATA_DIR as
 * for `sluice`. Prints the figures and the load average; writes nothing.
 */
import { createRequire } from 'node:module';
import os from 'node:os';
import { createApiKey } from '../src/auth/api-keys.ts';
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

try {
  console.log(`GET /api/v1/me/, ${connections} connections, ${seconds} s per run, ${os.cpus().length} cores`);
  const off = await overhead('counting off (RATE_LIMIT_PER_KEY=0)', { RATE_LIMIT_PER_KEY: '0' });
  const on = await overhead('counting on (RATE_LIMIT_PER_KEY=1000000)', { RATE_LIMIT_PER_KEY: '1000000' });
  console.log(`counting costs ${(((off - on) / off) * 100).toFixed(1)}% of the throughput`);
  const one = await shared(1);
  const two = await shared(2);
  console.log(`two processes vs one: ${((two / one) * 100).toFixed(1)}%`);
} finally {
  await database.close();
}
