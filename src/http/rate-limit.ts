/**
 * Close's two-level rate limit: per API key, and per organization at three times the key's rate
 * (design.md), counted separately per endpoint group as Close does (search and exports, bulk
 * actions, other writes, other reads), so a script polling a bulk action's progress does not eat
 * the budget of the one importing leads. Token buckets refilled continuously, held in this
 * process's memory: with N API processes the effective limit is N times the setting, a trade-off
 * accepted to keep a database round trip off every request.
 *
 * Every response under /api/v1/ carries `RateLimit: limit=N, remaining=N, reset=S` and a 429 adds
 * `Retry-After: S`, S in whole seconds, rounded up, at least 1: Close's official Python client
 * parses `reset=(\d+)`, so a fraction such as 0.014 read as 0 and it retried at once until it gave
 * up. The legacy body's `rate_reset` keeps the exact fraction.
 */
import type { FastifyReply } from 'fastify';
import { SluiceError } from '../errors.ts';

/** The endpoint groups that are limited separately. */
export type RateGroup = 'search' | 'bulk' | 'write' | 'read';

interface Bucket {
  tokens: number;
  updated: number;
}

/** The group of a request: its matched route (or, unmatched, its path) and method. */
export function rateGroupOf(method: string, path: string): RateGroup {
  if (path.startsWith('/api/v1/data/search') || path.startsWith('/api/v1/export')) return 'search';
  if (path.startsWith('/api/v1/bulk_action')) return 'bulk';
  return method === 'GET' || method === 'HEAD' || method === 'OPTIONS' ? 'read' : 'write';
}

/** Whole seconds for the headers: rounded up, at least 1. */
function wholeSeconds(seconds: number): number {
  return Math.max(1, Math.ceil(seconds - 1e-9));
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  /** Requests per second per key, by group (0 disables that group), with bursts of as many. */
  constructor(private readonly perSecond: Readonly<Record<RateGroup, number>>) {}

  private take(id: string, rate: number, now: number): { ok: boolean; remaining: number; reset: number } {
    let bucket = this.buckets.get(id);
    if (!bucket) {
      bucket = { tokens: rate, updated: now };
      this.buckets.set(id, bucket);
    }
    bucket.tokens = Math.min(rate, bucket.tokens + ((now - bucket.updated) / 1000) * rate);
    bucket.updated = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true, remaining: Math.floor(bucket.tokens), reset: (rate - bucket.tokens) / rate };
    }
    return { ok: false, remaining: 0, reset: (1 - bucket.tokens) / rate };
  }

  /** Counts one request of `apiKeyId` in `organizationId` in `group`; throws a 429 when over either limit. */
  check(apiKeyId: string, organizationId: string, group: RateGroup, reply: FastifyReply, now = Date.now()): void {
    const perSecond = this.perSecond[group];
    if (perSecond <= 0) return;
    if (this.buckets.size > 100_000) this.buckets.clear(); // bound memory against key churn
    const key = this.take(`k:${group}:${apiKeyId}`, perSecond, now);
    const org = key.ok ? this.take(`o:${group}:${organizationId}`, perSecond * 3, now) : undefined;
    // Report the bucket that refused, or else the one closer to refusing.
    const orgBinds = org !== undefined && (!org.ok || org.remaining < key.remaining);
    const outcome = orgBinds ? org : key;
    const limit = orgBinds ? perSecond * 3 : perSecond;
    const reset = wholeSeconds(outcome.reset);
    reply.header('ratelimit', `limit=${limit}, remaining=${outcome.remaining}, reset=${reset}`);
    if (!outcome.ok) {
      reply.header('retry-after', String(reset));
      throw new SluiceError('rate_limited', 'API rate limit exceeded.', { rateReset: Math.max(0.001, outcome.reset) });
    }
  }
}
