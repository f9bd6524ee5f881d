/**
 * Configuration from environment variables. Every variable read anywhere in Sluice is declared here,
 * with its default; README's table is written from this list.
 */
import path from 'node:path';

export interface Config {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly databaseUrl: string | undefined;
  readonly embeddedPgPort: number;
  readonly bootstrapApiKey: string | undefined;
  readonly logLevel: string;
  /**
   * How far V8 lets a heap grow past what its last full collection kept, in percent (0: V8's own
   * choice, which let the main thread's heap reach three times its live data in a bulk email).
   */
  readonly heapGrowingPercent: number;
  readonly bodyLimitBytes: number;
  readonly dbPoolSize: number;
  readonly smtpUrl: string | undefined;
  readonly publicUrl: string;
  readonly secretKey: string | undefined;
  /** Keys tried before SECRET_KEY that still decrypt stored secrets (rotation); never used to encrypt. */
  readonly secretKeysPrevious: readonly string[];
  /**
   * Requests per second per API key by endpoint group (the organization gets 3x); 0 disables.
   * RATE_LIMIT_PER_KEY sets reads and writes and scales the others' defaults.
   */
  readonly rateLimits: { readonly read: number; readonly write: number; readonly search: number; readonly bulk: number };
  /** Events older than this many days are pruned by a worker (Close keeps 30). */
  readonly eventRetentionDays: number;
  /** Failed authentications per minute per client address before a 429; 0 disables. */
  readonly authFailuresPerMinute: number;
  /** Which proxies' X-Forwarded-For to believe for the client address (Fastify's trustProxy). */
  readonly trustProxy: boolean | string[];
  /** Hosts, IP addresses and CIDR ranges tenants' outbound connections may reach although private. */
  readonly outboundAllowHosts: readonly string[];
  /** `statement_timeout` of the API's connections and of the workers' (milliseconds; 0 = none). */
  readonly statementTimeoutMs: { readonly api: number; readonly worker: number };
  /** How long a SIGTERM/SIGINT waits for in-flight requests and workers' batches before exiting anyway. */
  readonly shutdownTimeoutMs: number;
  readonly templates: {
    /** Largest subject + body a template may have (characters). */
    readonly maxSourceChars: number;
    /** Longest one render may take (milliseconds). */
    readonly renderMs: number;
    /** Largest rendered subject + body (characters). */
    readonly maxOutputChars: number;
  };
  readonly bulk: {
    readonly batchSize: number;
    /** Batches of one edit or delete run at once, each in its own transaction and connection. */
    readonly batchConcurrency: number;
    readonly batchDelayMs: number;
    readonly leaseSeconds: number;
    readonly resumeWindowSeconds: number;
    readonly maxRunningPerOrg: number;
  };
  readonly exports: {
    /** Days a finished export's file is kept before it is deleted (the export then shows `expired`). */
    readonly retentionDays: number;
    /** How long a signed `download_url` stays valid (seconds). */
    readonly linkSeconds: number;
  };
  readonly email: {
    /** A delivery worker's lease on a message it is sending; a lapsed lease marks the send `unknown`. */
    readonly leaseSeconds: number;
    /** First retry delay after a transient SMTP failure; doubles per attempt, capped at one hour. */
    readonly retryBaseMs: number;
    /** Attempts before a transiently failing message is given up as `error`. */
    readonly maxAttempts: number;
    /** Pooled SMTP connections per sender account and worker process. */
    readonly smtpConnections: number;
  };
  /** Webhook delivery (src/webhooks/); each setting is in README's table. */
  /** GET /metrics (src/metrics/); neither set: not served. */
  readonly metrics: {
    /** Bearer token that GET /metrics on the API port requires; unset: not served there. */
    readonly token: string | undefined;
    /** A listener of its own serving only /metrics, without auth (a private interface). */
    readonly listen: { readonly host: string; readonly port: number } | undefined;
  };
  readonly webhooks: {
    /** Longest one POST may take, connecting included (milliseconds). */
    readonly timeoutMs: number;
    /** Bytes of a receiver's response read at most; the rest is not waited for. */
    readonly maxResponseBytes: number;
    /** POSTs of one subscription on the wire at once (1: strictly in event order). */
    readonly maxInFlight: number;
    /** A worker's lease on a subscription it delivers; renewed every third of it. */
    readonly leaseSeconds: number;
    /** First retry delay; doubles per attempt up to retryMaxMs, with jitter. */
    readonly retryBaseMs: number;
    readonly retryMaxMs: number;
    /** How long a delivery is retried before it is given up (seconds). */
    readonly retryWindowSeconds: number;
    /** A subscription failing this long (no delivery succeeding) pauses by itself (seconds). */
    readonly pauseAfterFailingSeconds: number;
    /** A subscription with more undelivered events than this pauses by itself. */
    readonly maxBacklog: number;
    /** Days finished deliveries stay in the delivery log. */
    readonly logRetentionDays: number;
    /** Subscriptions one worker process delivers at once. */
    readonly workerLanes: number;
    /** While this process runs a bulk batch, a lane sends at most one claimed batch per this long (0: no yielding). */
    readonly bulkYieldMs: number;
  };
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`${name} must be a non-negative integer, got ${JSON.stringify(raw)}`);
  }
  return value;
}

function list(env: NodeJS.ProcessEnv, name: string): string[] {
  return (str(env, name) ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function str(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const raw = env[name];
  return raw === undefined || raw === '' ? undefined : raw;
}

// A loop, not `.replace(/\/+$/, '')`: that pattern rereads a run of `/` from each of its slashes when
// the run is not at the end, quadratic in its length (100,000 slashes and a letter took 50 s).
function withoutTrailingSlashes(url: string): string {
  let end = url.length;
  while (end > 0 && url.charCodeAt(end - 1) === 0x2f) end--;
  return url.slice(0, end);
}

/**
 * Per-key rates by endpoint group. Search/exports and bulk actions cost far more per request than a
 * read, so their defaults are a quarter and an eighth of RATE_LIMIT_PER_KEY (10 and 5 at its
 * default of 40); RATE_LIMIT_PER_KEY=0 disables every group not set on its own.
 */
function rateLimitsOf(env: NodeJS.ProcessEnv): Config['rateLimits'] {
  const base = int(env, 'RATE_LIMIT_PER_KEY', 40);
  const scaled = (divisor: number) => (base === 0 ? 0 : Math.max(1, Math.floor(base / divisor)));
  return {
    read: int(env, 'RATE_LIMIT_READ_PER_KEY', base),
    write: int(env, 'RATE_LIMIT_WRITE_PER_KEY', base),
    search: int(env, 'RATE_LIMIT_SEARCH_PER_KEY', scaled(4)),
    bulk: int(env, 'RATE_LIMIT_BULK_PER_KEY', scaled(8)),
  };
}

/** TRUST_PROXY: unset (no proxy), `true` (any), or the proxies' addresses and CIDR ranges. */
function trustProxyOf(raw: string | undefined): boolean | string[] {
  if (raw === undefined || raw === 'false') return false;
  if (raw === 'true') return true;
  return raw.split(',').map((item) => item.trim()).filter((item) => item !== '');
}

/** METRICS_LISTEN: `host:port`, `[v6]:port` or `:port` (all interfaces). */
function listenOf(raw: string | undefined): Config['metrics']['listen'] {
  if (raw === undefined) return undefined;
  const colon = raw.lastIndexOf(':');
  const port = Number(raw.slice(colon + 1));
  let host = colon === -1 ? '' : raw.slice(0, colon);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (colon === -1 || !Number.isInteger(port) || port < 0 || port > 65535 || raw.slice(colon + 1) === '') {
    throw new Error(`METRICS_LISTEN must be host:port, got ${JSON.stringify(raw)}`);
  }
  return { host: host === '' ? '0.0.0.0' : host, port };
}

/** Reads the configuration from `env` (default: the process environment). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const host = str(env, 'HOST') ?? '127.0.0.1';
  const port = int(env, 'PORT', 3000);
  return {
    host,
    port,
    dataDir: path.resolve(str(env, 'DATA_DIR') ?? './data'),
    databaseUrl: str(env, 'DATABASE_URL'),
    embeddedPgPort: int(env, 'EMBEDDED_PG_PORT', 54329),
    bootstrapApiKey: str(env, 'SLUICE_API_KEY'),
    logLevel: str(env, 'LOG_LEVEL') ?? 'info',
    heapGrowingPercent: int(env, 'HEAP_GROWING_PERCENT', 50),
    bodyLimitBytes: int(env, 'BODY_LIMIT_BYTES', 10 * 1024 * 1024),
    dbPoolSize: int(env, 'DB_POOL_SIZE', 10),
    smtpUrl: str(env, 'SMTP_URL'),
    publicUrl: withoutTrailingSlashes(str(env, 'PUBLIC_URL') ?? `http://${host}:${port}`),
    secretKey: str(env, 'SECRET_KEY'),
    secretKeysPrevious: list(env, 'SECRET_KEY_PREVIOUS'),
    rateLimits: rateLimitsOf(env),
    eventRetentionDays: Math.max(1, int(env, 'EVENT_RETENTION_DAYS', 30)),
    authFailuresPerMinute: int(env, 'AUTH_FAILURES_PER_MINUTE', 30),
    trustProxy: trustProxyOf(str(env, 'TRUST_PROXY')),
    outboundAllowHosts: list(env, 'OUTBOUND_ALLOW_HOSTS'),
    statementTimeoutMs: {
      api: int(env, 'DB_STATEMENT_TIMEOUT_MS', 30_000),
      worker: int(env, 'WORKER_STATEMENT_TIMEOUT_MS', 600_000),
    },
    // Below Kubernetes' default 30 s grace period, so a drain ends before the SIGKILL would.
    shutdownTimeoutMs: Math.max(0, int(env, 'SHUTDOWN_TIMEOUT_MS', 25_000)),
    templates: {
      maxSourceChars: Math.max(1, int(env, 'TEMPLATE_MAX_CHARS', 1_000_000)),
      renderMs: Math.max(1, int(env, 'TEMPLATE_RENDER_MS', 1_000)),
      maxOutputChars: Math.max(1, int(env, 'TEMPLATE_MAX_OUTPUT_CHARS', 2_000_000)),
    },
    bulk: {
      // Measured (bench:bulk's calibration, 1,000,000 leads): 2,500 edits 3,968 leads/s in 630 ms
      // batches, 1,000 2,784 leads/s; a batch holds its leads' row locks for that long.
      batchSize: int(env, 'BULK_BATCH_SIZE', 2500),
      // PostgreSQL runs one statement on one core; two batches of an edit or delete at once took
      // two 2,000-lead delete batches from 3.3 s to 1.9 s on 2 cores (bench:bulk has the figures).
      batchConcurrency: Math.max(1, int(env, 'BULK_BATCH_CONCURRENCY', 2)),
      batchDelayMs: int(env, 'BULK_BATCH_DELAY_MS', 0),
      leaseSeconds: int(env, 'BULK_LEASE_SECONDS', 30),
      resumeWindowSeconds: int(env, 'BULK_RESUME_WINDOW_SECONDS', 604800),
      maxRunningPerOrg: int(env, 'BULK_MAX_RUNNING_PER_ORG', 2),
    },
    exports: {
      retentionDays: Math.max(1, int(env, 'EXPORT_RETENTION_DAYS', 7)),
      linkSeconds: Math.max(1, int(env, 'EXPORT_LINK_SECONDS', 86_400)),
    },
    email: {
      leaseSeconds: Math.max(1, int(env, 'EMAIL_LEASE_SECONDS', 60)),
      retryBaseMs: int(env, 'EMAIL_RETRY_BASE_MS', 30000),
      maxAttempts: Math.max(1, int(env, 'EMAIL_MAX_ATTEMPTS', 20)),
      smtpConnections: Math.max(1, int(env, 'EMAIL_SMTP_CONNECTIONS', 5)),
    },
    metrics: {
      token: str(env, 'METRICS_TOKEN'),
      listen: listenOf(str(env, 'METRICS_LISTEN')),
    },
    webhooks: {
      timeoutMs: Math.max(1, int(env, 'WEBHOOK_TIMEOUT_MS', 10_000)),
      maxResponseBytes: int(env, 'WEBHOOK_MAX_RESPONSE_BYTES', 65_536),
      maxInFlight: Math.max(1, int(env, 'WEBHOOK_MAX_IN_FLIGHT', 1)),
      leaseSeconds: Math.max(1, int(env, 'WEBHOOK_LEASE_SECONDS', 30)),
      retryBaseMs: Math.max(1, int(env, 'WEBHOOK_RETRY_BASE_MS', 10_000)),
      retryMaxMs: Math.max(1, int(env, 'WEBHOOK_RETRY_MAX_MS', 1_200_000)),
      retryWindowSeconds: Math.max(1, int(env, 'WEBHOOK_RETRY_WINDOW_SECONDS', 259_200)),
      pauseAfterFailingSeconds: Math.max(1, int(env, 'WEBHOOK_PAUSE_AFTER_FAILING_SECONDS', 259_200)),
      maxBacklog: Math.max(1, int(env, 'WEBHOOK_MAX_BACKLOG', 100_000)),
      logRetentionDays: Math.max(1, int(env, 'WEBHOOK_LOG_RETENTION_DAYS', 7)),
      workerLanes: Math.max(1, int(env, 'WEBHOOK_WORKER_LANES', 50)),
      bulkYieldMs: Math.max(0, int(env, 'WEBHOOK_BULK_YIELD_MS', 5000)),
    },
  };
}
