/**
 * The database benchmarks run in: the server at DATABASE_URL when set (point it at a database meant
 * for benchmarks), otherwise a separate `sluice_bench` database in the embedded PostgreSQL under
 * DATA_DIR, so that a million benchmark leads never mix with development data.
 */
import path from 'node:path';
import pg from 'pg';
import { loadConfig } from '../../src/config.ts';
import { connect, type OpenDatabase } from '../../src/db/database.ts';
import { startEmbeddedPostgres } from '../../src/db/embedded.ts';
import { migrate } from '../../src/db/migrate.ts';

/** Opens (creating and migrating if needed) the benchmark database. */
export async function openBenchDatabase(name = 'sluice_bench'): Promise<OpenDatabase> {
  const config = loadConfig();
  let connectionString = config.databaseUrl;
  let stopEmbedded = async () => {};
  if (!connectionString) {
    const embedded = await startEmbeddedPostgres(path.join(config.dataDir, 'pg'), config.embeddedPgPort);
    stopEmbedded = embedded.stop;
    // The superuser creates sluice_bench and the benchmarks use it as its owner.
    const admin = new pg.Client({ connectionString: embedded.adminConnectionString });
    await admin.connect();
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    // The name is ours (a constant), never input, so it may be spliced.
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(embedded.adminConnectionString);
    url.pathname = `/${name}`;
    connectionString = url.toString();
  }
  const handles = connect(connectionString, 4);
  await migrate(handles.pool);
  return {
    pool: handles.pool,
    db: handles.db,
    connectionString,
    close: async () => {
      await handles.end();
      await stopEmbedded();
    },
  };
}
