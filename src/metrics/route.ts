/**
 * GET /metrics on the API port, when METRICS_TOKEN is set: it needs `Authorization: Bearer
 * <METRICS_TOKEN>` (compared in constant time); a wrong or missing token is a 401 in Close's error
 * shape and counts against the caller's address like a failed API key (AUTH_FAILURES_PER_MINUTE).
 * Without METRICS_TOKEN the route does not exist (404).
 */
import type { Registry } from 'prom-client';
import { SluiceError } from '../errors.ts';
import type { AuthFailureLimiter } from '../http/auth-failure-limiter.ts';
import type { App } from '../http/server.ts';
import type { Clock } from '../time.ts';
import { bearerMatches } from './bearer-token.ts';

/** Adds GET /metrics to `app`, serving `registry` to holders of `token`. */
export function registerMetricsRoute(app: App, registry: Registry, token: string, authFailures: AuthFailureLimiter, clock: Clock): void {
  app.get('/metrics', { config: { public: true }, schema: { hide: true } }, async (request, reply) => {
    const now = clock.now().getTime();
    authFailures.assertAllowed(request.ip, now);
    if (!bearerMatches(request.headers.authorization, token)) {
      authFailures.recordFailure(request.ip, now);
      reply.header('www-authenticate', 'Bearer realm="sluice-metrics"');
      throw new SluiceError('unauthorized', 'Unauthorized');
    }
    const text = await registry.metrics();
    return reply.type(registry.contentType).send(text);
  });
}
