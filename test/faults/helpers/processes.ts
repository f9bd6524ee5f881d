/**
 * Real Sluice processes for the fault tests: `bin/sluice.js serve --role api|worker|all` on a free
 * port, killed with SIGKILL and started again; and a small HTTP client that never throws on a
 * refused connection (a request during an outage is recorded as status 0).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { freePort } from '../../../scripts/free-port.ts';
import { onTestFileEnd } from '../../helpers/db.ts';

export interface SluiceProcess {
  readonly proc: ChildProcess;
  readonly role: string;
  /** http://127.0.0.1:PORT (the API; unused by a worker). */
  readonly url: string;
  readonly port: number;
  readonly exited: Promise<void>;
  /** Every stdout line (pino JSON and the bootstrap banner). */
  readonly lines: string[];
}

/** Number of background workers `serve` starts in the worker role (src/worker/workers.ts). */
const WORKERS = 6;

/** Starts `sluice serve --role <role>` with `env` and waits until it serves (api) or runs its workers. */
export async function startSluice(role: 'api' | 'worker' | 'all', env: Record<string, string>, port?: number): Promise<SluiceProcess> {
  const listenPort = port ?? (await freePort());
  const proc = spawn(process.execPath, ['bin/sluice.js', 'serve', '--role', role], {
    env: { ...process.env, LOG_LEVEL: 'info', PORT: String(listenPort), HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => proc.on('exit', () => resolve()));
  onTestFileEnd(async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    await exited;
  });
  const lines: string[] = [];
  let started = 0;
  let resolveReady!: () => void;
  const ready = new Promise<void>((resolve) => (resolveReady = resolve));
  createInterface({ input: proc.stdout! }).on('line', (line) => {
    lines.push(line);
    if (line.includes('"worker started"') && ++started === WORKERS && role === 'worker') resolveReady();
    // `sluice serve` logs `ready` once migrations, bootstrap and its workers are done and /readyz is 200.
    if (line.includes('"msg":"ready"') && role !== 'worker') resolveReady();
  });
  let stderr = '';
  proc.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // FAULTS_LOG_DIR=dir keeps each process's output there, to see what a failed run went through.
  if (process.env.FAULTS_LOG_DIR) {
    const file = fs.createWriteStream(path.join(process.env.FAULTS_LOG_DIR, `${role}-${proc.pid}.log`));
    proc.stdout!.pipe(file);
    proc.stderr!.pipe(file);
  }
  await Promise.race([
    ready,
    exited.then(() => Promise.reject(new Error(`sluice serve --role ${role} exited before ready: ${stderr.slice(-2000)}`))),
  ]);
  return { proc, role, url: `http://127.0.0.1:${listenPort}`, port: listenPort, exited, lines };
}

/** Kills `proc` with SIGKILL and waits until it is gone. */
export async function killHard(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill('SIGKILL');
  await gone;
}

export interface HttpResult {
  /** 0 when no HTTP answer came (connection refused or reset). */
  readonly status: number;
  readonly body: any;
}

/** One API request with `key`; a network failure is status 0, not an exception. */
export async function request(baseUrl: string, key: string, method: string, path: string, body?: unknown): Promise<HttpResult> {
  try {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body: parsed };
  } catch {
    return { status: 0, body: undefined };
  }
}

/** Polls `fn` until it returns a truthy value; throws after `timeoutMs`. */
export async function until<T>(fn: () => Promise<T> | T, what: string, timeoutMs = 60_000, everyMs = 50): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
