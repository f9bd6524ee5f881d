/**
 * What a handler knows about its request: who calls, in which organization, and when. Domain
 * functions take this instead of the Fastify request, so they can be called from workers and tests.
 */
import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import type { Clock } from '../time.ts';
import type pg from 'pg';

export interface AppDeps {
  readonly db: Db;
  readonly pool: pg.Pool;
  readonly config: Config;
  readonly clock: Clock;
}

export interface RequestContext {
  readonly db: Db;
  readonly pool: pg.Pool;
  readonly config: Config;
  readonly clock: Clock;
  readonly organizationId: string;
  readonly userId: string;
  readonly apiKeyId: string | null;
  readonly requestId: string | null;
  /** Minutes east of UTC from `X-TZ-Offset` (0 when absent). */
  readonly tzOffsetMinutes: number;
}
