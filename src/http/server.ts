/**
 * Builds the Fastify app: Close's wire conventions (trailing slashes, JSON everywhere, `_fields`,
 * error shapes, request ids), authentication, OpenAPI, and every domain's routes.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import secureJson from 'secure-json-parse';
import type { Principal } from '../auth/api-keys.ts';
import { notFound, SluiceError } from '../errors.ts';
import { newId } from '../ids.ts';
import { parseTzOffset } from '../time.ts';
import { keyFromHeader } from './auth.ts';
import type { AppDeps, RequestContext } from './context.ts';
import { AuthFailureLimiter } from './auth-failure-limiter.ts';
import { installErrorHandling, INVALID_JSON_MESSAGE, sendCloseError } from './error-handler.ts';
import { assertCleanInput, exceedsJsonValues, MAX_JSON_VALUES } from './input-guard.ts';
import { LABEL_MAX } from './input-limits.ts';
import { applyFields, parseFieldsParam } from './fields.ts';
import { RateLimiter, rateGroupOf, STALE_BUCKET_MS, type RidingQuery } from './rate-limit.ts';
import { registerConsole } from './console.ts';
import { registerRoutes } from './routes.ts';
import { registerUnsubscribeLinkRoutes } from '../unsubscribe-links/routes.ts';
import { registerExportDownloadRoutes } from '../exports/public-routes.ts';
import { validatorCompiler } from './validation.ts';
import type { Registry } from 'prom-client';
import { httpRequestDuration } from '../metrics/instruments.ts';
import { createMetricsRegistry } from '../metrics/registry.ts';
import { registerMetricsRoute } from '../metrics/route.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth hook on every authenticated route. */
    ctx: RequestContext;
    /**
     * On routes marked `authenticatesWithRead`, where the auth hook leaves it to the handler:
     * authenticates and counts the request (a 401 or 429 as the hook would answer) with the route's
     * first read in the same statement, sets `ctx`, and returns the read's result.
     */
    authenticateWith: (query: RidingQuery, values: (deps: AppDeps) => Readonly<Record<string, unknown>>) => Promise<unknown>;
  }
  interface FastifyContextConfig {
    /** Routes that answer without an API key (docs, health, unsubscribe links). */
    public?: boolean;
    /** Routes whose handler calls request.authenticateWith (one round trip for auth and a read) before anything else. */
    authenticatesWithRead?: boolean;
  }
}

export type App = FastifyInstance<
  import('node:http').Server,
  import('node:http').IncomingMessage,
  import('node:http').ServerResponse,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export interface ServerOptions {
  /** A pino logger instance, or false to log nothing (tests). */
  readonly logger?: FastifyBaseLogger | false;
  /** The HTTP server to serve on (`sluice serve`'s front door); none for `inject` (tests). */
  readonly serverFactory?: (handler: (req: IncomingMessage, res: ServerResponse) => void) => Server;
  /** What GET /metrics serves when METRICS_TOKEN is set; default: this app's pool and database. */
  readonly metrics?: Registry;
}

function parseJson(body: string): unknown {
  if (body.trim() === '') return undefined;
  if (exceedsJsonValues(body)) {
    throw new SluiceError('validation', `The request body holds more than ${MAX_JSON_VALUES} JSON values.`, {
      errors: [`The request body holds more than ${MAX_JSON_VALUES} JSON values.`],
    });
  }
  let parsed: unknown;
  try {
    parsed = secureJson.parse(body, undefined, { protoAction: 'remove', constructorAction: 'remove' });
  } catch {
    throw new SluiceError('invalid_json', INVALID_JSON_MESSAGE);
  }
  assertCleanInput(parsed);
  return parsed;
}

/**
 * Whether a request is for the authenticated API. The route the router matched decides; for a URL
 * it matched to nothing, the path as the router would read it (percent-decoded, repeated slashes
 * collapsed, an absolute-form `http://host/...` target reduced to its path), so that no spelling of
 * `/api/v1/` reaches a route, or a 404, without a key.
 */
function isApiRequest(request: FastifyRequest): boolean {
  const route = request.routeOptions.url;
  if (route !== undefined) return route === '/api/v1' || route.startsWith('/api/v1/');
  return isApiPath(request.url);
}

function isApiPath(url: string): boolean {
  let path = url;
  const scheme = path.indexOf('://');
  if (scheme !== -1 && scheme < path.indexOf('/')) path = path.slice(path.indexOf('/', scheme + 3));
  const end = path.search(/[?#]/);
  if (end !== -1) path = path.slice(0, end);
  try {
    path = decodeURIComponent(path);
  } catch {
    // Not decodable: judged as sent.
  }
  let collapsed = '';
  for (const char of path) if (!(char === '/' && collapsed.endsWith('/'))) collapsed += char;
  return collapsed === '/api/v1' || collapsed.startsWith('/api/v1/');
}

/** Creates the HTTP application over `deps`; call `listen` or `inject` on the result. */
export async function buildServer(deps: AppDeps, options: ServerOptions = {}): Promise<App> {
  const rateLimiter = new RateLimiter(deps.pool, deps.config.rateLimits);
  const authFailures = new AuthFailureLimiter(deps.config.authFailuresPerMinute);

  /** Requests authenticateRequest has run for (it counts, so it must run once a request). */
  const authenticationTried = new WeakSet<FastifyRequest>();

  /**
   * The caller of an API request, counted by the rate limiter, with `riding`'s result when given
   * (RateLimiter.authenticateWith); a 401 or 429 otherwise.
   */
  const authenticateRequest = async (
    request: FastifyRequest,
    reply: FastifyReply,
    riding?: Parameters<RateLimiter['authenticateWith']>[4],
  ): Promise<{ principal: Principal; result: unknown }> => {
    authenticationTried.add(request);
    const now = deps.clock.now().getTime();
    authFailures.assertAllowed(request.ip, now);
    const key = keyFromHeader(request.headers.authorization);
    const path = request.routeOptions.url ?? request.url;
    // One statement authenticates and counts (rate-limit.ts).
    const found = key === undefined ? undefined : await rateLimiter.authenticateWith(key, rateGroupOf(request.method, path), reply, now, riding);
    if (!found) {
      authFailures.recordFailure(request.ip, now);
      throw new SluiceError('unauthorized', 'Unauthorized');
    }
    return found;
  };

  const setContext = (request: FastifyRequest, principal: Principal): void => {
    request.ctx = {
      ...deps,
      organizationId: principal.organizationId,
      userId: principal.userId,
      apiKeyId: principal.apiKeyId,
      requestId: request.id,
      tzOffsetMinutes: parseTzOffset(request.headers['x-tz-offset']),
    };
  };

  /**
   * A URL the router refuses before any hook runs (a path parameter over maxParamLength, a bad
   * percent-encoding) still authenticates first under /api/v1, then answers in Close's shapes: no
   * object has such an id, so a 404.
   */
  const answerUnroutable = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    reply.header('x-request-id', request.id);
    let error: SluiceError = notFound();
    if (isApiPath(request.url)) {
      try {
        await authenticateRequest(request, reply);
      } catch (refused) {
        if (!(refused instanceof SluiceError)) throw refused;
        error = refused;
      }
    }
    await sendCloseError(reply, error);
  };

  const app = Fastify({
    ...(options.serverFactory ? { serverFactory: options.serverFactory } : {}),
    frameworkErrors: (_error, request, reply) => {
      const req = request as unknown as FastifyRequest;
      const res = reply as unknown as FastifyReply;
      answerUnroutable(req, res).catch(() => res.status(500).send({ error: `Internal server error (request ${req.id}).` }));
    },
    loggerInstance: options.logger === false ? undefined : options.logger,
    logger: options.logger === false ? false : undefined,
    bodyLimit: deps.config.bodyLimitBytes,
    // The client address the failed-authentication limit counts by (request.ip).
    trustProxy: deps.config.trustProxy,
    // maxParamLength: an email address in a path (/unsubscribe/email/{email}/) may be 254 characters,
    // percent-encoded more; the router's default (100) answered such addresses 404.
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, maxParamLength: 1000 },
    // A client's X-Request-Id names the request (and its events' request_id, which the event log
    // indexes and filters on with at most 200 characters); a longer one is replaced by ours.
    requestIdHeader: false,
    genReqId: (req) => {
      const sent = req.headers['x-request-id'];
      return typeof sent === 'string' && sent !== '' && sent.length <= LABEL_MAX ? sent : newId('req');
    },
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as App;

  // Every process prunes: the delete skips rows another holds, so they never wait on each other.
  const pruneTimer = setInterval(() => {
    rateLimiter.prune(deps.clock.now().getTime()).catch((error: unknown) => app.log.warn({ err: error }, 'could not prune rate-limit buckets'));
  }, STALE_BUCKET_MS);
  pruneTimer.unref();
  app.addHook('onClose', async () => clearInterval(pruneTimer));

  app.setValidatorCompiler(validatorCompiler);
  installErrorHandling(app, {
    // A route that authenticates in its handler (authenticatesWithRead) can fail validation before
    // the handler runs: it authenticates then, so that no request under /api/v1 is answered, or goes
    // uncounted, without a key (a 401 or 429 is answered instead of the 400).
    before: async (request, reply) => {
      if (!request.routeOptions.config?.authenticatesWithRead || authenticationTried.has(request)) return undefined;
      try {
        setContext(request, (await authenticateRequest(request, reply)).principal);
        return undefined;
      } catch (refused) {
        if (refused instanceof SluiceError) return refused;
        throw refused;
      }
    },
  });

  // JSON bodies: an empty body (common with `Content-Type: application/json` on GET/DELETE) is no
  // body; a body sent with another content type (curl -d without -H) is still read as JSON.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJson(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    // Everything under /api/v1 authenticates before routing, unknown paths included (a 401 without a
    // good key, a 404 with one), so no request there is answered, or goes uncounted, without a key.
    if (!isApiRequest(request) || request.routeOptions.config?.public) return;
    if (request.routeOptions.config?.authenticatesWithRead) {
      // After validation, in the handler, whose first statement it joins.
      request.authenticateWith = async (query, values) => {
        const { principal, result } = await authenticateRequest(request, reply, { query, values: values(deps) });
        setContext(request, principal);
        return result;
      };
      return;
    }
    setContext(request, (await authenticateRequest(request, reply)).principal);
  });

  // The hooks below do no I/O, so they are callback hooks: an async hook costs every request a
  // promise and a turn of the microtask queue.

  // Labelled by the route's template, never the raw URL: bounded cardinality whatever clients send.
  app.addHook('onResponse', (request, reply, done) => {
    httpRequestDuration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    done();
  });

  // Path parameters and query strings are checked here, bodies as they are parsed (parseJson).
  app.addHook('preValidation', (request, _reply, done) => {
    try {
      assertCleanInput(request.params);
      assertCleanInput(request.query);
    } catch (error) {
      done(error as Error);
      return;
    }
    done();
  });

  app.addHook('preSerialization', (request, reply, payload: unknown, done) => {
    // `_fields` narrows objects, never an error body (which would otherwise answer `{}`).
    if (reply.statusCode >= 400) {
      done(null, payload);
      return;
    }
    try {
      const fields = parseFieldsParam((request.query as Record<string, unknown> | undefined)?._fields);
      done(null, fields ? applyFields(payload, fields) : payload);
    } catch (error) {
      done(error as Error);
    }
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Sluice — Close REST API v1',
        description: 'A self-hosted server speaking the Close CRM REST API v1 for leads, contacts and bulk actions.',
        version: '0.1.0',
      },
      components: { securitySchemes: { basicAuth: { type: 'http', scheme: 'basic' } } },
      security: [{ basicAuth: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list' } });

  app.get('/api/v1/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());
  app.get('/healthz', { config: { public: true }, schema: { hide: true } }, async (_request, reply) => {
    try {
      await deps.pool.query('SELECT 1');
      return { status: 'ok' };
    } catch {
      return reply.status(503).send({ status: 'unavailable' });
    }
  });

  // Reached only once started and until draining: before and after, `sluice serve` answers 503
  // itself (src/http/listener.ts).
  app.get('/readyz', { config: { public: true }, schema: { hide: true } }, async () => ({ status: 'ready' }));
  const metricsToken = deps.config.metrics.token;
  if (metricsToken !== undefined) {
    const registry = options.metrics ?? createMetricsRegistry({ db: deps.db, pools: { api: deps.pool } });
    registerMetricsRoute(app, registry, metricsToken, authFailures, deps.clock);
  }

  await app.register(async (api) => registerRoutes(api as App), { prefix: '/api/v1' });
  // Public pages outside the API (no key): the unsubscribe links Sluice puts in emails.
  await app.register(async (pub) => registerUnsubscribeLinkRoutes(pub as App, deps));
  // The signed download links of exports (their `download_url`), which work without a key.
  await app.register(async (pub) => registerExportDownloadRoutes(pub as App, deps));
  // The web console's built files at `/` (web/, issue 12); it uses only the public API above.
  await app.register(async (ui) => registerConsole(ui as App));
  return app;
}
