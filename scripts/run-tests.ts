/**
 * `npm test`: starts a throw-away embedded PostgreSQL, migrates a template database once, then runs
 * every `*.test.ts` under `test/` and `src/` with Node's test runner. Each test file clones its own
 * database from the template (`CREATE DATABASE … TEMPLATE`), so files run in parallel without
 * sharing rows, and every test runs on the real engine.
 *
 * `npm test -- test/http` runs only the files whose path contains one of the arguments.
 * With TEST_DATABASE_URL set, that server is used instead of an embedded one. Test files get the
 * superuser URL (SLUICE_TEST_ADMIN_URL) and, with the embedded server, its data directory
 * (SLUICE_TEST_PG_DATA_DIR: a test looks through its files for secrets).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../src/db/embedded.ts';
import { migrate } from '../src/db/migrate.ts';
import { freePort } from './free-port.ts';

const TEMPLATE_DB = 'sluice_test_template';

function findTests(dir: string, out: string[] = []): string[] {
  if (!fs.existsSync(dir)) return out;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== 'node_modules') findTests(full, out);
    else if (entry.isFile() && entry.name.endsWith('.test.ts')) out.push(full);
  }
  return out;
}

const filters = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const files = [...findTests('test'), ...findTests('src')]
  .filter((f) => filters.length === 0 || filters.some((p) => f.includes(p)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}

let adminUrl = process.env.TEST_DATABASE_URL;
let stop: () => Promise<void> = async () => {};
let pgDir: string | undefined;
let clusterDir: string | undefined;
if (!adminUrl) {
  pgDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-test-pg-'));
  const server = await startEmbeddedPostgres(path.join(pgDir, 'pg'), await freePort());
  // CREATE DATABASE … TEMPLATE needs the superuser; Sluice itself connects as the app role.
  adminUrl = server.adminConnectionString;
  clusterDir = server.dataDir;
  stop = server.stop;
}

const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DB}`);
await admin.query(`CREATE DATABASE ${TEMPLATE_DB}`);
await admin.end();
const templateUrl = new URL(adminUrl);
templateUrl.pathname = `/${TEMPLATE_DB}`;
const templatePool = new pg.Pool({ connectionString: templateUrl.toString() });
await migrate(templatePool);
await templatePool.end();

// One SECRET_KEY for every process of the run: test files, and the workers and servers they spawn
// with other DATA_DIRs, must encrypt and sign alike (a key file would differ per DATA_DIR).
const secretKey = process.env.SECRET_KEY ?? randomBytes(32).toString('base64url');

// --test-force-exit: a test file ends when its tests do, even if a library keeps a handle open
// (nodemailer's SMTP pool kept the email files alive until the 300 s file timeout).
const concurrency = Number(process.env.TEST_CONCURRENCY ?? Math.max(2, os.availableParallelism()));
const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-timeout=300000', '--test-force-exit', ...files],
  {
    stdio: 'inherit',
    env: { ...process.env, SLUICE_TEST_ADMIN_URL: adminUrl, SLUICE_TEST_TEMPLATE_DB: TEMPLATE_DB, LOG_LEVEL: 'silent', RATE_LIMIT_PER_KEY: '0', SECRET_KEY: secretKey, ...(clusterDir ? { SLUICE_TEST_PG_DATA_DIR: clusterDir } : {}), AUTH_FAILURES_PER_MINUTE: '0' },
  },
);
const code: number = await new Promise((resolve) => child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
await stop();
if (pgDir) fs.rmSync(pgDir, { recursive: true, force: true });
process.exit(code);
