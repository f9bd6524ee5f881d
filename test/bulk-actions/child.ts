/** Spawning worker-child.ts processes against a test database. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { onTestFileEnd } from '../helpers/db.ts';

export interface Child {
  readonly proc: ChildProcess;
  readonly claims: string[];
  /** Called for every stdout line; return true to stop listening. */
  onLine(fn: (line: string) => void): void;
  /** Writes a line to the child's stdin (the go-ahead of CHILD_COMMIT_HANDSHAKE). */
  send(line: string): void;
  readonly exited: Promise<void>;
}

/** Starts a worker process (`script`, the bulk worker by default) and waits until it listens. */
export async function spawnWorker(connectionString: string, env: Record<string, string>, script = 'test/bulk-actions/worker-child.ts'): Promise<Child> {
  const proc = spawn(process.execPath, ['--import', 'tsx', script], {
    env: { ...process.env, DATA_DIR: '/tmp/sluice-test-data', ...env, DATABASE_URL: connectionString },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const claims: string[] = [];
  const listeners: ((line: string) => void)[] = [];
  const exited = new Promise<void>((resolve) => proc.on('exit', () => resolve()));
  onTestFileEnd(async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    await exited;
  });
  let ready!: () => void;
  const isReady = new Promise<void>((resolve) => (ready = resolve));
  createInterface({ input: proc.stdout! }).on('line', (line) => {
    if (line === 'ready') ready();
    if (line.startsWith('{')) claims.push(JSON.parse(line).claimed);
    for (const fn of listeners) fn(line);
  });
  await Promise.race([isReady, exited.then(() => Promise.reject(new Error('worker child exited before ready')))]);
  // A write after the child died (killed by the test) is expected; not an error of the test.
  proc.stdin!.on('error', () => {});
  const send = (line: string) => {
    if (proc.exitCode === null && proc.signalCode === null) proc.stdin!.write(`${line}\n`);
  };
  return { proc, claims, onLine: (fn) => listeners.push(fn), send, exited };
}
