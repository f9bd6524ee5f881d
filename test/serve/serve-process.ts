/** `sluice serve` as a real child process over a test database, for the startup and shutdown tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { freePort } from '../../scripts/free-port.ts';
import { onTestFileEnd } from '../helpers/db.ts';

export interface ServeProcess {
  readonly child: ChildProcess;
  readonly port: number;
  readonly baseUrl: string;
  /** Its log lines so far, parsed (pino JSON on stdout). */
  readonly logs: Record<string, any>[];
  /** Resolves with the first log line matching `fn`, seen already or to come. */
  waitForLog(fn: (line: Record<string, any>) => boolean, timeoutMs?: number): Promise<Record<string, any>>;
  readonly exited: Promise<number | null>;
}

/** Starts `sluice serve --role <role>` and returns at once (it may not be ready yet). */
export async function spawnServe(connectionString: string, role: 'api' | 'worker' | 'all', env: Record<string, string> = {}): Promise<ServeProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['bin/sluice.js', 'serve', '--role', role], {
    env: { ...process.env, DATA_DIR: '/tmp/sluice-test-data', DATABASE_URL: connectionString, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const logs: Record<string, any>[] = [];
  const waiters: { fn: (line: Record<string, any>) => boolean; resolve: (line: Record<string, any>) => void }[] = [];
  createInterface({ input: child.stdout! }).on('line', (text) => {
    let line: Record<string, any>;
    try {
      line = JSON.parse(text);
    } catch {
      return;
    }
    logs.push(line);
    for (const w of [...waiters]) {
      if (w.fn(line)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  onTestFileEnd(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  const waitForLog = (fn: (line: Record<string, any>) => boolean, timeoutMs = 30_000) => {
    const seen = logs.find(fn);
    if (seen) return Promise.resolve(seen);
    return new Promise<Record<string, any>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no such log line within ${timeoutMs} ms; got: ${logs.map((l) => l.msg).join(' | ')}`)), timeoutMs);
      waiters.push({
        fn,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
      });
      void exited.then(() => reject(new Error(`sluice serve exited; logs: ${logs.map((l) => l.msg).join(' | ')}`)));
    });
  };
  return { child, port, baseUrl: `http://127.0.0.1:${port}`, logs, waitForLog, exited };
}
