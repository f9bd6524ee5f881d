/**
 * A `sluice serve` child process (role api, or all) over a given database, so that a benchmark can
 * measure the server's own memory (its RSS, read from /proc) apart from the benchmark's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../scripts/free-port.ts';

const SLUICE_BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/sluice.js');

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
 * Starts the server against `databaseUrl` on a free port and waits until it answers: the API only,
 * or with `role` 'all' the background workers too (what runs bulk actions and exports).
 */
export async function startServerProcess(databaseUrl: string, env: Record<string, string> = {}, role: 'api' | 'all' = 'api'): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [SLUICE_BIN, 'serve', '--role', role], {
    env: { ...process.env, DATABASE_URL: databaseUrl, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitForHealth(baseUrl, child, 60_000);
  const pid = child.pid!;
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
