/**
 * A running Sluice app on a fresh database with two organizations (A, the one under test, and B,
 * the neighbour whose data must stay invisible), and a small `call` helper for HTTP requests.
 */
import type { FastifyBaseLogger } from 'fastify';
import { loadConfig, type Config } from '../../src/config.ts';
import { buildServer, type App } from '../../src/http/server.ts';
import { createOrganization, type CreatedOrganization } from '../../src/orgs/create-organization.ts';
import { ManualClock, systemClock, type Clock } from '../../src/time.ts';
import { createTestDatabase, onTestFileEnd, type TestDatabase } from './db.ts';

export interface CallResult<T = any> {
  readonly status: number;
  readonly body: T;
  readonly headers: Record<string, string | string[] | number | undefined>;
  readonly text: string;
}

export interface CallOptions {
  /** API key; defaults to organization A's. `null` sends no Authorization header. */
  readonly key?: string | null;
  readonly body?: unknown;
  /** Sent as-is (for invalid JSON tests) instead of JSON.stringify(body). */
  readonly rawBody?: string;
  readonly headers?: Record<string, string>;
}

export interface TestApp extends TestDatabase {
  readonly app: App;
  readonly config: Config;
  readonly clock: Clock;
  readonly orgA: CreatedOrganization;
  readonly orgB: CreatedOrganization;
  call<T = any>(method: string, url: string, options?: CallOptions): Promise<CallResult<T>>;
}

/** Builds the app over a fresh database. Pass a ManualClock to control time, a logger to read its logs. */
export async function createTestApp(
  options: { clock?: Clock | ManualClock; env?: Record<string, string>; logger?: FastifyBaseLogger } = {},
): Promise<TestApp> {
  const database = await createTestDatabase();
  const config = loadConfig({ ...process.env, DATA_DIR: '/tmp/sluice-test-data', ...options.env });
  const clock = options.clock ?? systemClock;
  const app = await buildServer({ db: database.db, pool: database.pool, config, clock }, { logger: options.logger ?? false });
  await app.ready();
  onTestFileEnd(() => app.close());
  const orgA = await createOrganization(database.db, { name: 'Org A', userEmail: 'alice@a.example' });
  const orgB = await createOrganization(database.db, { name: 'Org B', userEmail: 'bob@b.example' });

  const call = async <T>(method: string, url: string, opts: CallOptions = {}): Promise<CallResult<T>> => {
    const headers: Record<string, string> = { ...opts.headers };
    const key = opts.key === undefined ? orgA.api_key : opts.key;
    if (key !== null) headers.authorization = `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
    let payload: string | undefined;
    if (opts.rawBody !== undefined) payload = opts.rawBody;
    else if (opts.body !== undefined) payload = JSON.stringify(opts.body);
    if (payload !== undefined) headers['content-type'] ??= 'application/json';
    const response = await app.inject({ method: method as 'GET', url, headers, payload });
    let body: unknown;
    try {
      body = response.body === '' ? undefined : JSON.parse(response.body);
    } catch {
      body = response.body;
    }
    return { status: response.statusCode, body: body as T, headers: response.headers, text: response.body };
  };

  return { ...database, app, config, clock, orgA, orgB, call };
}
