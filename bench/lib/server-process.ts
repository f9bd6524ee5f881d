/**
 * A `sluice serve` child process (role api, all or worker) over a given database, or another node
 * child server, so that a benchmark can measure the server's own memory (its RSS, read from /proc)
 * and CPU apart from the benchmark's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../scripts/free-port.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SLUICE_BIN = path.join(ROOT, 'bin/sluice.js');

/**
 * The environment `npm start` gives the server (the `NAME=value` words before `node` in
 * package.json's start script, e.g. MALLOC_ARENA_MAX), so that a benchmark measures the server as
 * it is run; the benchmark's own settings still win.
 */
export function startScriptEnv(): Record<string, string> {
  const script = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  const env: Record<string, string> = {};
  for (const word of script.split(/\s+/)) {
    const assignment = /^([A-Z_][A-Z0-9_]*)=(\S*)$/.exec(word);
    if (!assignment) break;
    env[assignment[1]!] = assignment[2]!;
  }
  return env;
}

export interface ServerProcess {
  readonly baseUrl: string;
  readonly pid: number;
  /** Current and peak resident memory of the server, in MiB (Linux /proc). */
  memory(): { rssMiB: number; peakMiB: number };
  stop(): Promise<void>;
}

function readStatus(pid: number, key: string): number {
  const line = fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith(`${key}:`));
  return line ? Number(line.replace(/\D+/g, '')) / 1024 : Number.NaN;
}

async function waitForHealth(baseUrl: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with code ${child.exitCode}`);
    try {
      const res = await fetch(`${baseUrl}/healthz`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('server did not become healthy in time');
}

/**
 * Starts the server against `databaseUrl` on a free port, with the environment of `npm start`
 * (startScriptEnv), and waits until it is ready: the API only,
 * with `role` 'all' the background workers too (what runs bulk actions and exports), or with
 * 'worker' the workers only (ready once its first worker has started; it has no HTTP port).
 * BENCH_SERVER_NODE_ARGS adds node options to it alone, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`
 * (which NODE_OPTIONS refuses).
 */
export async function startServerProcess(databaseUrl: string, env: Record<string, string> = {}, role: 'api' | 'all' | 'worker' = 'api'): Promise<ServerProcess> {
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  return startChild([...nodeArgs, SLUICE_BIN, 'serve', '--role', role], { ...startScriptEnv(), DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn', ...env }, role === 'worker' ? 'worker started' : 'http');
}

/**
 * Runs `node args` with `env` (plus HOST and a free PORT) and waits until it answers GET /healthz
 * (`ready` 'http'), or until its stdout carries a line holding `ready` (it then logs at info level).
 */
export async function startChild(args: string[], env: Record<string, string>, ready: string): Promise<ServerProcess> {
  const port = await freePort();
  const byLog = ready !== 'http';
  const child = spawn(process.execPath, args, {
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), ...env, ...(byLog ? { LOG_LEVEL: 'info' } : {}) },
    stdio: ['ignore', byLog ? 'pipe' : 'inherit', 'inherit'],
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  if (byLog) {
    await new Promise<void>((resolve, reject) => {
      let seen = false;
      child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
        if (!seen && chunk.includes(ready)) {
          seen = true;
          resolve();
        }
      });
      child.once('exit', (code) => reject(new Error(`process exited with code ${code}`)));
      setTimeout(() => reject(new Error(`no "${ready}" within 60 s`)), 60_000).unref();
    });
  } else {
    await waitForHealth(baseUrl, child, 60_000);
  }
  const pid = child.pid!;
  // A benchmark that dies of an error must not leave its server running (one stayed up for an hour,
  // polling its stopped database and taking 5% of a core from every later run).
  const orphanGuard = () => child.kill('SIGKILL');
  process.once('exit', orphanGuard);
  child.once('exit', () => process.off('exit', orphanGuard));
  return {
    baseUrl,
    pid,
    memory: () => ({ rssMiB: readStatus(pid, 'VmRSS'), peakMiB: readStatus(pid, 'VmHWM') }),
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
