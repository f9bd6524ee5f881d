/**
 * Runs initdb and the postgres server of the embedded cluster through a Launcher. The server is
 * ready when its postmaster.pid says so (status `ready`, the line pg_ctl waits for too), which
 * does not depend on the language of its log. If Sluice exits without stopping it, the 'exit'
 * hook asks it to shut down; a Sluice killed outright leaves it running, and the next start stops
 * it (embedded.ts).
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PASSWORD_FILE_ARG, type Launcher } from './embedded-launcher.ts';

export interface RunningPostgres {
  readonly pid: number;
  /** Fast shutdown (SIGINT); resolves once the server has exited. */
  stop(): Promise<void>;
}

function collect(child: ChildProcess, log: (message: string) => void): () => string {
  let tail = '';
  const onData = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    tail = (tail + text).slice(-4000);
    for (const line of text.split('\n')) if (line.trim() !== '') log(line.trimEnd());
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  return () => tail;
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
}

/** Creates the cluster: superuser `user` with `password`, SCRAM authentication, UTF-8. */
export async function initdb(launcher: Launcher, user: string, password: string, log: (message: string) => void): Promise<void> {
  const child = launcher.spawn(
    'initdb',
    [`--pgdata=${launcher.dataDir}`, '--auth=scram-sha-256', `--username=${user}`, `--pwfile=${PASSWORD_FILE_ARG}`, '--encoding=UTF8', '--lc-messages=C'],
    password,
  );
  const output = collect(child, log);
  const code = await exited(child);
  if (code !== 0) throw new Error(`initdb failed (exit ${code}): ${output()}`);
}

function readyIn(dir: string, pid: number | undefined): boolean {
  try {
    const lines = fs.readFileSync(path.join(dir, 'postmaster.pid'), 'utf8').split('\n');
    return Number(lines[0]) === pid && lines[7]?.trim() === 'ready';
  } catch {
    return false;
  }
}

/** Starts the server of the cluster in `dir` on 127.0.0.1:`port`; resolves once it accepts connections. */
export async function startPostgres(launcher: Launcher, dir: string, port: number, log: (message: string) => void): Promise<RunningPostgres> {
  const child = launcher.spawn('postgres', [
    '-D',
    launcher.dataDir,
    '-p',
    String(port),
    '-c',
    'max_connections=300',
    '-c',
    'listen_addresses=127.0.0.1',
  ]);
  const output = collect(child, log);
  const exit = exited(child);
  const onExit = () => child.kill('SIGINT');
  process.on('exit', onExit);
  const deadline = Date.now() + 60_000;
  // postgres is the spawned process itself, also through unshare/sh/setpriv (each execs the next).
  while (!readyIn(dir, child.pid)) {
    const done = await Promise.race([exit.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 50))]);
    if (done) {
      process.off('exit', onExit);
      throw new Error(`PostgreSQL exited during start-up (exit ${child.exitCode}): ${output()}`);
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      process.off('exit', onExit);
      throw new Error(`PostgreSQL did not become ready within 60 s: ${output()}`);
    }
  }
  let stopping: Promise<void> | undefined;
  return {
    pid: child.pid!,
    stop: () =>
      (stopping ??= (async () => {
        process.off('exit', onExit);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
        await exit;
      })()),
  };
}
