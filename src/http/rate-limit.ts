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
import { sql, type RawBuilder } from 'kysely';
import type pg from 'pg';
import { hashApiKey, type Principal } from '../auth/api-keys.ts';
import { StatementTemplate, slot } from '../db/statement-template.ts';
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

const KEY_HASH = slot('key_hash');
const GROUP = slot('group');
const KEY_RATE = slot('key_rate');
const ORG_RATE = slot('org_rate');
const NOW = slot('now');

/** The bucket's tokens after refilling from its last count to now, at `rate` per second, capped at a second's worth. */
const refill = (rate: string) => sql`least(${rate}::float8, b.tokens + greatest(0, ${NOW}::bigint - b.updated_ms) * ${rate}::float8 / 1000.0)`;
const take = (rate: string) => sql`
  ON CONFLICT (organization_id, bucket) DO UPDATE SET
    tokens = ${refill(rate)} - CASE WHEN ${refill(rate)} >= 1 THEN 1 ELSE 0 END,
    granted = ${refill(rate)} >= 1,
    updated_ms = greatest(b.updated_ms, ${NOW}::bigint)
  RETURNING tokens, granted`;

/**
 * The CTEs that authenticate and count, ending in `principal`: the key's row with both buckets'
 * outcomes (null where its group is not limited), no row for an unknown key. A new bucket starts
 * full less this request. The clock is the process's (the app's clock, which tests control); a
 * process whose clock lags refills nothing rather than going back in time.
 */
const authenticationCtes = () => sql`api_key AS (
  SELECT id, organization_id, user_id FROM api_keys WHERE key_hash = ${KEY_HASH}
), key_bucket AS (
  INSERT INTO rate_limit_buckets AS b (organization_id, bucket, tokens, updated_ms, granted)
  SELECT organization_id, 'k:' || ${GROUP}::text || ':' || id, ${KEY_RATE}::float8 - 1, ${NOW}::bigint, true FROM api_key WHERE ${KEY_RATE}::float8 > 0
  ${take(KEY_RATE)}
), org_bucket AS (
  INSERT INTO rate_limit_buckets AS b (organization_id, bucket, tokens, updated_ms, granted)
  SELECT api_key.organization_id, 'o:' || ${GROUP}::text, ${ORG_RATE}::float8 - 1, ${NOW}::bigint, true FROM api_key, key_bucket WHERE key_bucket.granted
  ${take(ORG_RATE)}
), principal AS (
  SELECT a.id, a.organization_id, a.user_id, k.tokens AS key_tokens, k.granted AS key_granted,
         o.tokens AS org_tokens, o.granted AS org_granted
  FROM api_key a LEFT JOIN key_bucket k ON true LEFT JOIN org_bucket o ON true
)`;

const AUTHENTICATE_AND_COUNT = new StatementTemplate('sluice_authenticate_and_count', () => sql`WITH ${authenticationCtes()} SELECT * FROM principal`);

/**
 * A route's first read, sent in the statement that authenticates (RateLimiter.authenticate): one
 * round trip where there were two. Its CTEs read the caller's organization from `organization`,
 * which is null when the request is refused, so a refused request reads nothing. The trade-off:
 * the key's bucket row stays locked until the whole statement ends, not only its counting part, so
 * one key's requests on such a route run one at a time in PostgreSQL. At the default limits (tens
 * of requests a second per key) that costs nothing; a key allowed thousands a second would feel it.
 */
export interface RidingQuery {
  /** The name the combined statement is prepared under. */
  readonly name: string;
  /** CTEs (comma-separated, names other than authentication's) over `organization`. */
  ctes(organization: RawBuilder<unknown>): RawBuilder<unknown>;
  /** The one value returned with the principal: a scalar expression over those CTEs. */
  readonly result: RawBuilder<unknown>;
}

interface Row {
  id: string;
  organization_id: string;
  user_id: string;
  key_tokens: number | null;
  key_granted: boolean | null;
  org_tokens: number | null;
  org_granted: boolean | null;
  riding?: unknown;
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

  private readonly ridingStatements = new Map<RidingQuery, StatementTemplate>();

  /**
   * Finds who `key` belongs to and counts one request of it in `group`: the principal, undefined
   * for an unknown key, or a 429 when over the key's or the organization's limit.
   */
  async authenticate(key: string, group: RateGroup, reply: FastifyReply, now: number): Promise<Principal | undefined> {
    return (await this.authenticateWith(key, group, reply, now))?.principal;
  }

  /**
   * As authenticate, with `riding` (its slots filled from `values`) run in the same statement for
   * an authenticated request that may proceed; its result beside the principal.
   */
  async authenticateWith(
    key: string,
    group: RateGroup,
    reply: FastifyReply,
    now: number,
    riding?: { readonly query: RidingQuery; readonly values: Readonly<Record<string, unknown>> },
  ): Promise<{ principal: Principal; result: unknown } | undefined> {
    const perSecond = this.perSecond[group];
    const counting = { key_hash: hashApiKey(key), group, key_rate: perSecond, org_rate: perSecond * 3, now };
    const statement = riding ? this.ridingStatement(riding.query).with({ ...riding.values, ...counting }) : AUTHENTICATE_AND_COUNT.with(counting);
    // Named: prepared once per connection, so each request skips parsing and planning.
    const { rows } = await this.pool.query<Row>(statement);
    const row = rows[0];
    if (!row) return undefined;
    if (row.key_tokens !== null && row.key_granted !== null) this.answer(row, perSecond, reply);
    return { principal: { apiKeyId: row.id, organizationId: row.organization_id, userId: row.user_id }, result: row.riding };
  }

  private ridingStatement(query: RidingQuery): StatementTemplate {
    let statement = this.ridingStatements.get(query);
    if (!statement) {
      statement = new StatementTemplate(
        query.name,
        () => sql`WITH ${authenticationCtes()}, allowed AS MATERIALIZED (
            SELECT organization_id FROM principal WHERE coalesce(key_granted, true) AND coalesce(org_granted, true)
          ), ${query.ctes(sql`(SELECT organization_id FROM allowed)`)}
          SELECT principal.*, ${query.result} AS riding FROM principal`,
      );
      this.ridingStatements.set(query, statement);
    }
    return statement;
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
