/**
 * Holds every COMMIT of a pg pool's clients until the parent process says go (or a fixed delay),
 * announcing it on stdout, so a test can SIGKILL a child process at a chosen point inside or right
 * after a transaction. The engine is not changed for this: the hold wraps this process's clients.
 *
 * Lines printed: `commit-pending` before the COMMIT is sent, `committed` once it returned. With
 * `handshake`, each pending commit waits for one line on stdin (the parent has then decided, on the
 * committed state, before the child may commit anything more); otherwise it waits `delayMs`.
 */
import { createInterface } from 'node:readline';
import type pg from 'pg';

/** Wraps `pool` so that each COMMIT is announced and held. */
export function holdCommits(pool: pg.Pool, options: { handshake: boolean; delayMs: number; enabled?: () => boolean }): void {
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const waiting: (() => void)[] = [];
  if (options.handshake) createInterface({ input: process.stdin }).on('line', (line) => line === 'go' && waiting.shift()?.());
  const anyPool = pool as any;
  const connectOriginal = anyPool.connect.bind(anyPool);
  anyPool.connect = async (...args: any[]) => {
    const client = await connectOriginal(...args);
    if (client.__held) return client;
    client.__held = true;
    const query = client.query.bind(client);
    client.query = (...qargs: any[]) => {
      const text = typeof qargs[0] === 'string' ? qargs[0] : qargs[0]?.text;
      if (typeof text !== 'string' || !/^\s*commit/i.test(text) || options.enabled?.() === false) return query(...qargs);
      return (async () => {
        const goAhead = options.handshake
          ? new Promise<void>((resolve) => waiting.push(resolve))
          : new Promise<void>((resolve) => setTimeout(resolve, options.delayMs));
        say('commit-pending');
        await goAhead;
        const result = await query(...qargs);
        say('committed');
        return result;
      })();
    };
    return client;
  };
}
