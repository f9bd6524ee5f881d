/**
 * The embedded PostgreSQL that Sluice starts when no DATABASE_URL is given: the cluster in
 * DATA_DIR/pg, its password files next to it (embedded-credentials.ts: a random superuser password,
 * and the non-superuser role Sluice connects as), run as the postgres user when Sluice is root
 * (embedded-launcher.ts).
 *
 * A run killed with SIGKILL leaves its postgres child running (orphaned, parent pid 1) with a
 * `postmaster.pid` in the data directory; the next start would then fail on the lock file. We stop
 * such an orphan and start afresh. A postgres whose parent is still alive belongs to another live
 * Sluice process on the same DATA_DIR: we share it instead of fighting over it, reading the
 * credentials from the password files, and leave stopping it to its owner.
 */
import fs from 'node:fs';
import path from 'node:path';
import { nativeDir } from './embedded-binaries.ts';
import { credentialFiles, secureCluster, SUPERUSER, superuserPassword, waitForCredentials } from './embedded-credentials.ts';
import { prepareLauncher } from './embedded-launcher.ts';
import { initdb, startPostgres } from './embedded-process.ts';

export interface EmbeddedServer {
  /** Sluice's connection: the role that owns its database, not a superuser. */
  readonly connectionString: string;
  /** The superuser's, for what needs one: the test runner's CREATE DATABASE … TEMPLATE, benchmarks. */
  readonly adminConnectionString: string;
  /** The cluster's data directory. */
  readonly dataDir: string;
  /** Stops the server if this process started it. */
  stop(): Promise<void>;
}

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
  const files = credentialFiles(dir);
  const running = readPostmasterPid(dir);
  if (running && isAlive(running.pid)) {
    const ppid = parentPid(running.pid);
    if (ppid !== undefined && ppid > 1 && isAlive(ppid)) {
      notice(`sharing the embedded PostgreSQL of process ${ppid} (pid ${running.pid})`);
      const credentials = await waitForCredentials(files, running.port, 30_000);
      return { ...credentials, dataDir: dir, stop: async () => {} };
    }
    notice(`stopping a stale embedded PostgreSQL left by a killed run (pid ${running.pid})`);
    process.kill(running.pid, 'SIGINT');
    if (!(await waitForExit(running.pid, 15_000))) process.kill(running.pid, 'SIGKILL');
    await waitForExit(running.pid, 5_000);
  }

  // DATA_DIR also holds the key file, the password files and the outbox: others need nothing in it.
  fs.mkdirSync(path.dirname(dir), { recursive: true, mode: 0o700 });
  const launcher = prepareLauncher(dir, nativeDir(), notice);
  if (!fs.existsSync(path.join(dir, 'PG_VERSION'))) {
    notice(`initialising embedded PostgreSQL in ${dir}`);
    await initdb(launcher, SUPERUSER, superuserPassword(files), log);
  }
  const server = await startPostgres(launcher, dir, port, log);
  try {
    const credentials = await secureCluster(port, files, notice);
    return { ...credentials, dataDir: dir, stop: () => server.stop() };
  } catch (error) {
    await server.stop();
    throw error;
  }
}
