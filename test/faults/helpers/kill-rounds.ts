/**
 * SIGKILL rounds against the fault worker child (every background worker in one process,
 * test/faults/helpers/worker-child.ts): start one, kill it at a chosen point, start the next, which
 * takes over once the dead one's lease lapses. A commit kill uses the commit handshake, so the kill
 * is decided on the committed state before the child may commit anything more: `commit-pending`
 * kills inside a transaction (its work done, not committed), `committed` right after one.
 */
import { spawnWorker, type Child } from '../../bulk-actions/child.ts';
import { killHard, until } from './processes.ts';

const SCRIPT = 'test/faults/helpers/worker-child.ts';

export interface CommitKill {
  readonly label: string;
  readonly at: 'commit-pending' | 'committed';
  /** Checked at each such line of the child; the first time it holds, the child dies. */
  readonly when: () => Promise<boolean>;
}

/** What one kill hit, for the printed summary. */
export interface Kill {
  readonly label: string;
  readonly detail: string;
}

/** Starts a child with the commit handshake and kills it at `kill`; fails if the point never comes. */
export async function killAtCommit(connectionString: string, env: Record<string, string>, kill: CommitKill, describe: () => Promise<string>): Promise<Kill> {
  const child = await spawnWorker(connectionString, { ...env, CHILD_COMMIT_HANDSHAKE: '1' }, SCRIPT);
  let killed = false;
  let detail = '';
  const decide = async (line: string) => {
    if (killed) return;
    if (line === kill.at && (await kill.when())) {
      killed = true;
      await killHard(child.proc);
      detail = await describe();
      return;
    }
    if (line === 'commit-pending') child.send('go');
  };
  let lines = Promise.resolve();
  child.onLine((line) => {
    lines = lines.then(() => decide(line));
  });
  await until(() => killed && detail !== '', `the kill point "${kill.label}"`, 120_000, 20);
  return { label: kill.label, detail };
}

/** Starts a child without any hold; the caller kills it (`killHard(child.proc)`) when it wants. */
export function startFaultWorker(connectionString: string, env: Record<string, string>): Promise<Child> {
  return spawnWorker(connectionString, env, SCRIPT);
}

/** Runs a fresh child until `done` holds, then stops it with SIGKILL (idle by then: not a fault). */
export async function finishWith(connectionString: string, env: Record<string, string>, done: () => Promise<boolean>, what: string): Promise<void> {
  const child = await startFaultWorker(connectionString, env);
  try {
    await until(done, what, 180_000, 50);
  } finally {
    await killHard(child.proc);
  }
}
