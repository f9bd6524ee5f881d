/**
 * createTestApp's app, but with a logger that keeps the errors the error handler logs, so a 500 can
 * be reported with its cause (the response only carries a request id, by design).
 */
import pino from 'pino';
import { loadConfig } from '../../src/config.ts';
import { buildServer } from '../../src/http/server.ts';
import { createOrganization } from '../../src/orgs/create-organization.ts';
import { systemClock } from '../../src/time.ts';
import type { CallOptions, CallResult, TestApp } from '../helpers/app.ts';
import { createTestDatabase, onTestFileEnd } from '../helpers/db.ts';

export interface LoggedError {
  readonly type?: string;
  readonly message?: string;
  readonly code?: string;
  readonly stack?: string;
}

export interface HostileApp extends TestApp {
  /** What the app logged at error level for the request with this id (the `x-request-id` header). */
  errorsOf(requestId: string): LoggedError[];
}

export async function createHostileApp(env: Record<string, string> = {}): Promise<HostileApp> {
  const database = await createTestDatabase();
  const config = loadConfig({ ...process.env, DATA_DIR: '/tmp/sluice-test-data', ...env });
  const errors = new Map<string, LoggedError[]>();
  const sink = {
    write(line: string) {
      try {
        const entry = JSON.parse(line) as { reqId?: string; err?: LoggedError };
        if (entry.reqId && entry.err) errors.set(entry.reqId, [...(errors.get(entry.reqId) ?? []), entry.err]);
      } catch {
        // A line pino could not have written as JSON is not ours to interpret.
      }
    },
  };
  const logger = pino({ level: 'error' }, sink);
  const app = await buildServer({ db: database.db, pool: database.pool, config, clock: systemClock }, { logger });
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

  return {
    ...database,
    app,
    config,
    clock: systemClock,
    orgA,
    orgB,
    call,
    errorsOf: (requestId) => errors.get(requestId) ?? [],
  };
}
