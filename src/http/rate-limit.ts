/**
 * Close's two-level rate limit: per API key, and per organization at three times the key's rate
 * (design.md), counted separately per endpoint group as Close does (search and exports, bulk
 * actions, other writes, other reads), so a script polling a bulk action's progress does not eat
 * the budget of the one importing leads. Token buckets refilled continuously, with bursts of one
 * second's worth.
 *
 * The buckets live in PostgreSQL (rate_limit_buckets, an UNLOGGED table), so any number of API
 * processes enforce the limits of one. Counting costs no round trip of its own: it is part of the
 * statement that authenticates the key, which takes the key's bucket and, if that let the request
 * through, the organization's, in one atomic upsert each, and returns both outcomes. Concurrent
 * requests of one key queue on that key's row lock only for the few microseconds of their
 * statement (an unlogged write commits without a WAL flush). When PostgreSQL is unreachable the
 * request cannot be authenticated either, so it fails as any request then does (closed): counting
 * in memory meanwhile would only matter for requests that cannot be served.
 *
 * Every response under /api/v1/ carries `RateLimit: limit=N, remaining=N, reset=S` and a 429 adds
 * `Retry-After: S`, S in whole seconds, rounded up, at least 1: Close's official Python client
 * parses `reset=(\d+)`, so a fraction such as 0.014 read as 0 and it retried at once until it gave
 * up. The legacy body's `rate_reset` keeps the exact fraction.
 */
import type { FastifyReply } from 'fastify';
import type pg from 'pg';
import { hashApiKey, type Principal } from '../auth/api-keys.ts';
import { SluiceError } from '../errors.ts';

/** The endpoint groups that are limited separately. */
export type RateGroup = 'search' | 'bulk' | 'write' | 'read';

/** A bucket untouched this long is full again, whatever it held: deleting it changes nothing. */
export const STALE_BUCKET_MS = 60_000;

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

/** The bucket's tokens after refilling from its last count to now ($5), at `rate` per second, capped at a second's worth. */
const refill = (rate: string) => `least(${rate}, b.tokens + greatest(0, $5::bigint - b.updated_ms) * ${rate} / 1000.0)`;
const take = (rate: string) => `
  ON CONFLICT (organization_id, bucket) DO UPDATE SET
    tokens = ${refill(rate)} - CASE WHEN ${refill(rate)} >= 1 THEN 1 ELSE 0 END,
    granted = ${refill(rate)} >= 1,
    updated_ms = greatest(b.updated_ms, $5::bigint)
  RETURNING tokens, granted`;

/**
 * $1 key hash, $2 group, $3 the key's rate, $4 the organization's, $5 now (ms). A new bucket starts
 * full less this request. The clock is the process's (the app's clock, which tests control); a
 * process whose clock lags refills nothing rather than going back in time.
 */
const AUTHENTICATE_AND_COUNT = `
WITH api_key AS (
  SELECT id, organization_id, user_id FROM api_keys WHERE key_hash = $1
), key_bucket AS (
  INSERT INTO rate_limit_buckets AS b (organization_id, bucket, tokens, updated_ms, granted)
  SELECT organization_id, 'k:' || $2::text || ':' || id, $3::float8 - 1, $5::bigint, true FROM api_key WHERE $3::float8 > 0
  ${take('$3::float8')}
), org_bucket AS (
  INSERT INTO rate_limit_buckets AS b (organization_id, bucket, tokens, updated_ms, granted)
  SELECT api_key.organization_id, 'o:' || $2::text, $4::float8 - 1, $5::bigint, true FROM api_key, key_bucket WHERE key_bucket.granted
  ${take('$4::float8')}
)
SELECT a.id, a.organization_id, a.user_id, k.tokens AS key_tokens, k.granted AS key_granted,
       o.tokens AS org_tokens, o.granted AS org_granted
FROM api_key a LEFT JOIN key_bucket k ON true LEFT JOIN org_bucket o ON true`;

interface Row {
  id: string;
  organization_id: string;
  user_id: string;
  key_tokens: number | null;
  key_granted: boolean | null;
  org_tokens: number | null;
  org_granted: boolean | null;
}

interface Outcome {
  readonly ok: boolean;
  readonly remaining: number;
  readonly reset: number;
}

function outcomeOf(tokens: number, granted: boolean, rate: number): Outcome {
  return granted ? { ok: true, remaining: Math.floor(tokens), reset: (rate - tokens) / rate } : { ok: false, remaining: 0, reset: (1 - tokens) / rate };
}

export class RateLimiter {
  /** Requests per second per key, by group (0 disables that group), with bursts of as many. */
  constructor(
    private readonly pool: pg.Pool,
    private readonly perSecond: Readonly<Record<RateGroup, number>>,
  ) {}

  /**
   * Finds who `key` belongs to and counts one request of it in `group`: the principal, undefined
   * for an unknown key, or a 429 when over the key's or the organization's limit.
   */
  async authenticate(key: string, group: RateGroup, reply: FastifyReply, now: number): Promise<Principal | undefined> {
    const perSecond = this.perSecond[group];
    const { rows } = await this.pool.query<Row>({
      // Named: prepared once per connection, so each request skips parsing and planning.
      name: 'sluice_authenticate_and_count',
      text: AUTHENTICATE_AND_COUNT,
      values: [hashApiKey(key), group, perSecond, perSecond * 3, now],
    });
    const row = rows[0];
    if (!row) return undefined;
    if (row.key_tokens !== null && row.key_granted !== null) this.answer(row, perSecond, reply);
    return { apiKeyId: row.id, organizationId: row.organization_id, userId: row.user_id };
  }

  private answer(row: Row, perSecond: number, reply: FastifyReply): void {
    const key = outcomeOf(row.key_tokens!, row.key_granted!, perSecond);
    const org = row.org_tokens === null ? undefined : outcomeOf(row.org_tokens, row.org_granted!, perSecond * 3);
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

  /**
   * Deletes buckets nobody counted in for STALE_BUCKET_MS (they are full again, as a missing one
   * is), so keys that come and go do not grow the table. Rows being counted right now are skipped,
   * never waited for.
   */
  async prune(now: number): Promise<number> {
    const { rowCount } = await this.pool.query(
      `DELETE FROM rate_limit_buckets WHERE (organization_id, bucket) IN (
         SELECT organization_id, bucket FROM rate_limit_buckets WHERE updated_ms < $1::bigint FOR UPDATE SKIP LOCKED)`,
      [now - STALE_BUCKET_MS],
    );
    return rowCount ?? 0;
  }
}
