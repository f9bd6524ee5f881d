/**
 * Close's two-level rate limit: per API key, and per organization at three times the key's rate
 * (design.md). Token buckets refilled continuously, held in this process's memory: with N API
 * processes the effective limit is N times the setting, a trade-off accepted to keep a database
 * round trip off every request. A 429 carries `RateLimit`, `Retry-After` and Close's legacy body
 * with `rate_reset`.
 */
import type { FastifyReply } from 'fastify';
import { SluiceError } from '../errors.ts';

interface Bucket {
  tokens: number;
  updated: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  /** `perSecond` requests per second per key (0 disables), with bursts of as many. */
  constructor(private readonly perSecond: number) {}

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

  /** Counts one request of `apiKeyId` in `organizationId`; throws a 429 when over either limit. */
  check(apiKeyId: string, organizationId: string, reply: FastifyReply, now = Date.now()): void {
    if (this.perSecond <= 0) return;
    if (this.buckets.size > 100_000) this.buckets.clear(); // bound memory against key churn
    const key = this.take(`k:${apiKeyId}`, this.perSecond, now);
    const org = key.ok ? this.take(`o:${organizationId}`, this.perSecond * 3, now) : undefined;
    // Report the bucket that refused, or else the one closer to refusing.
    const orgBinds = org !== undefined && (!org.ok || org.remaining < key.remaining);
    const outcome = orgBinds ? org : key;
    const limit = orgBinds ? this.perSecond * 3 : this.perSecond;
    const reset = Math.max(0.001, outcome.reset);
    reply.header('ratelimit', `limit=${limit}, remaining=${outcome.remaining}, reset=${reset.toFixed(3)}`);
    if (!outcome.ok) {
      reply.header('retry-after', String(Math.ceil(reset)));
      throw new SluiceError('rate_limited', 'API rate limit exceeded.', { rateReset: reset });
    }
  }
}
