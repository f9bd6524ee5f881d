/**
 * CPU time of processes on this machine, from /proc (Linux), for splitting a benchmark's CPU
 * between the server, PostgreSQL and the benchmark's own process (receivers, sinks).
 */
import fs from 'node:fs';
import type pg from 'pg';

export const TICKS_PER_SECOND = 100;

/** Fields of /proc/PID/stat after the command name (which may hold spaces), or null if gone. */
function statFields(pid: number): string[] | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
  } catch {
    return null;
  }
}

/** User + system ticks of one process (NaN once it is gone). */
export function processTicks(pid: number): number {
  const fields = statFields(pid);
  return fields ? Number(fields[11]) + Number(fields[12]) : Number.NaN;
}

/**
 * Ticks of a process and its children: its own, its reaped children's (cutime, cstime) and its
 * live children's. A child alive at one reading and reaped by the next is counted once either way.
 */
export function treeTicks(rootPid: number): number {
  const root = statFields(rootPid);
  if (!root) return Number.NaN;
  let ticks = Number(root[11]) + Number(root[12]) + Number(root[13]) + Number(root[14]);
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(Number(entry));
    if (fields && Number(fields[1]) === rootPid) ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks;
}

/** The PostgreSQL server's main process, if it runs on this machine (null otherwise). */
export async function postmasterPid(pool: pg.Pool): Promise<number | null> {
  const backend = Number((await pool.query('SELECT pg_backend_pid() AS pid')).rows[0].pid);
  const fields = statFields(backend);
  return fields ? Number(fields[1]) : null;
}

/** CPU seconds, since the call, of this process, of `pids` and of PostgreSQL's process tree. */
export function cpuSplit(pids: Record<string, number>, postmaster: number | null): () => Record<string, number> {
  const readAll = () => ({
    ...Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, processTicks(pid) / TICKS_PER_SECOND])),
    postgres: postmaster === null ? Number.NaN : treeTicks(postmaster) / TICKS_PER_SECOND,
  });
  const start = readAll();
  const startSelf = process.cpuUsage();
  return () => {
    const end = readAll();
    const self = process.cpuUsage(startSelf);
    return {
      ...Object.fromEntries(Object.entries(end).map(([name, s]) => [name, s - start[name as keyof typeof start]!])),
      bench: (self.user + self.system) / 1e6,
    };
  };
}
