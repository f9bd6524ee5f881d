/**
 * One autocannon run (HTTP load at a fixed number of connections for a fixed time), typed for what
 * the load and scale benchmarks read. autocannon ships no type declarations, hence the narrow
 * interface here instead of `any` spreading through the benchmarks.
 */
import { createRequire } from 'node:module';

/** One request autocannon sends; `setupRequest` may rewrite it before each send (varying ids). */
export interface LoadRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
  setupRequest?: (request: LoadRequest) => LoadRequest;
}

interface Histogram {
  readonly average: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly total: number;
}

interface RawResult {
  readonly requests: Histogram;
  readonly latency: Histogram;
  readonly duration: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
  readonly statusCodeStats: Record<string, { count: number }>;
}

type Autocannon = (options: Record<string, unknown>) => Promise<RawResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

/** What a run measured: throughput and latency of the answered requests, and what went wrong. */
export interface LoadResult {
  readonly requests: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Connection errors and timeouts. */
  readonly errors: number;
  /** Answers by status code other than 2xx, e.g. { "429": 12 }. */
  readonly non2xx: Record<string, number>;
}

/** Runs `requests` in a loop over `connections` connections to `url` for `seconds`. */
export async function runLoad(url: string, requests: LoadRequest[], connections: number, seconds: number): Promise<LoadResult> {
  const raw = await autocannon({ url, connections, duration: seconds, requests, timeout: 30 });
  const non2xx: Record<string, number> = {};
  for (const [code, { count }] of Object.entries(raw.statusCodeStats)) {
    if (!code.startsWith('2')) non2xx[code] = Number(count);
  }
  return {
    requests: raw.requests.total,
    seconds: raw.duration,
    perSecond: raw.requests.total / raw.duration,
    p50Ms: raw.latency.p50,
    p99Ms: raw.latency.p99,
    maxMs: raw.latency.max,
    errors: raw.errors + raw.timeouts,
    non2xx,
  };
}

/** Sums runs made at the same time against different servers (one autocannon per server). */
export function sumLoads(results: readonly LoadResult[]): LoadResult {
  const requests = results.reduce((n, r) => n + r.requests, 0);
  const seconds = Math.max(...results.map((r) => r.seconds));
  const non2xx: Record<string, number> = {};
  for (const r of results) for (const [code, n] of Object.entries(r.non2xx)) non2xx[code] = (non2xx[code] ?? 0) + n;
  return {
    requests,
    seconds,
    perSecond: results.reduce((n, r) => n + r.perSecond, 0),
    // Percentiles do not add up; the worse of the runs is the honest single figure.
    p50Ms: Math.max(...results.map((r) => r.p50Ms)),
    p99Ms: Math.max(...results.map((r) => r.p99Ms)),
    maxMs: Math.max(...results.map((r) => r.maxMs)),
    errors: results.reduce((n, r) => n + r.errors, 0),
    non2xx,
  };
}
