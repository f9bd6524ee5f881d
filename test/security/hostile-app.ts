/**
 * createTestApp's app, but with a logger that keeps the errors the error handler logs, so a 500 can
 * be reported with its cause (the response only carries a request id, by design).
 */
import pino from 'pino';
import { createTestApp, type TestApp } from '../helpers/app.ts';

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
  const t = await createTestApp({ env, logger: pino({ level: 'error' }, sink) });
  return { ...t, errorsOf: (requestId) => errors.get(requestId) ?? [] };
}
