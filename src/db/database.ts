/**
 * Opens Sluice's database: the server at DATABASE_URL, or the embedded one in DATA_DIR/pg.
 * Returns one pg pool shared by Kysely (typed queries) and by the raw SQL of the search compiler.
 */
import { Kysely, PostgresDialect } from 'kysely';
import path from 'node:path';
import pg from 'pg';
import type { Config } from '../config.ts';
import { prepareSecrets } from '../secrets/prepare-secrets.ts';
import { startEmbeddedPostgres, type EmbeddedServer } from './embedded.ts';
import { migrate } from './migrate.ts';
import type { Database } from './schema.ts';

// int8 (counts, bigserial ids) as JavaScript numbers: every int8 Sluice reads is far below 2^53.
pg.types.setTypeParser(20, (value) => Number.parseInt(value, 10));

export type Db = Kysely<Database>;

export interface OpenDatabase {
  readonly pool: pg.Pool;
  readonly db: Db;
  readonly connectionString: string;
  close(): Promise<void>;
}

/** How long close() waits for the pool's connections to be given back. */
const POOL_END_GRACE_MS = 2000;

/**
 * Wraps an existing connection string in a pool and a Kysely instance. `statementTimeoutMs` (0:
 * none) is set on every connection at startup, so no statement of this pool can hold a backend
 * longer, whatever code path issued it.
 */
export function connect(
  connectionString: string,
  poolSize = 10,
  statementTimeoutMs = 0,
): Omit<OpenDatabase, 'close'> & { end(): Promise<void> } {
  const pool = new pg.Pool({ connectionString, max: poolSize, ...(statementTimeoutMs > 0 ? { statement_timeout: statementTimeoutMs } : {}) });
  // A connection can drop (server restart). pg emits that on the pool for an idle client, but on
  // the client itself while it is checked out (inside a transaction, between two statements), and
  // an unhandled 'error' event crashes the process: a PostgreSQL restart killed every api and
  // worker process mid-request (test/faults/postgres-restart.test.ts). The client is then
  // unusable; its next query fails, the caller sees that error, and the pool discards it.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { pool, db, connectionString, end: () => db.destroy() };
}

/**
 * Starts or connects to PostgreSQL, runs pending migrations, prepares the stored secrets
 * (src/secrets/prepare-secrets.ts) and returns the handles.
 */
export async function openDatabase(
  config: Config,
  log: (message: string) => void,
  notice: (message: string) => void = log,
  options: { readonly statementTimeoutMs?: number } = {},
): Promise<OpenDatabase> {
  let embedded: EmbeddedServer | undefined;
  let connectionString = config.databaseUrl;
  if (!connectionString) {
    embedded = await startEmbeddedPostgres(path.join(config.dataDir, 'pg'), config.embeddedPgPort, log, notice);
    connectionString = embedded.connectionString;
  }
  const handles = connect(connectionString, config.dbPoolSize, options.statementTimeoutMs ?? 0);
  const applied = await migrate(handles.pool, notice);
  if (applied.length > 0) notice(`applied migrations: ${applied.join(', ')}`);
  await prepareSecrets(handles.db, config, notice);
  return {
    pool: handles.pool,
    db: handles.db,
    connectionString,
    close: async () => {
      // A query still running (a request cut off at SHUTDOWN_TIMEOUT_MS) would hold end() until it
      // finishes; past a moment the process exits anyway, and the server rolls the query back.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([handles.end(), new Promise((resolve) => (timer = setTimeout(resolve, POOL_END_GRACE_MS)))]);
      clearTimeout(timer);
      await embedded?.stop();
    },
  };
}
