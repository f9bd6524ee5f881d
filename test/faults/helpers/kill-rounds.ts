/**
 * SIGKILL rounds against the fault worker child (every background worker in one process,
 * test/faults/helpers/worker-child.ts): start one, kill it at a chosen point, start the next, which
 * takes over once the dead one's lease lapses. One process always waits loaded in the background
 * (CHILD_WAIT_START), so a round does not pay for a process start.
 *
 * A commit kill uses the commit handshake: each COMMIT of the child waits for the test's `go`, so
 * the kill is decided on the committed state before the child may commit anything more:
 * `commit-pending` kills inside a transaction (its work done, not committed), `committed` right
 * after one.
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

export interface Rounds {
  /** Starts a worker and kills it at `kill`; fails if the point never comes. */
  killAtCommit(kill: CommitKill, describe: () => Promise<string>): Promise<Kill>;
  /** Starts a worker without any hold; the caller kills it (`killHard(child.proc)`). */
  start(): Promise<Child>;
  /** Runs a worker until `done` holds, then SIGKILLs it (idle by then: not counted as a fault). */
  finishWith(done: () => Promise<boolean>, what: string): Promise<void>;
}

/** Kill rounds over the database at `connectionString`, workers configured by `env`. */
export function killRounds(connectionString: string, env: Record<string, string>): Rounds {
  const spawnStandby = () => spawnWorker(connectionString, { ...env, CHILD_WAIT_START: '1' }, SCRIPT);
  let standby = spawnStandby();
  // A standby that is never used is stopped by spawnWorker's end-of-file cleanup.
  standby.catch(() => {});
  const take = async (held: boolean): Promise<Child> => {
    const child = await standby;
    standby = spawnStandby();
    standby.catch(() => {});
    let started!: () => void;
    const isStarted = new Promise<void>((resolve) => (started = resolve));
    child.onLine((line) => line === 'started' && started());
    child.send(held ? 'start-held' : 'start');
    await isStarted;
    return child;
  };

  return {
    async killAtCommit(kill, describe) {
      const child = await take(true);
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
    },
    start: () => take(false),
    async finishWith(done, what) {
      const child = await take(false);
      try {
        await until(done, what, 180_000, 50);
      } finally {
        await killHard(child.proc);
      }
    },
  };
}
