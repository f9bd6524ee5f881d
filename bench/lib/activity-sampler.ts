/**
 * What the machine and PostgreSQL were doing during a load run, for finding why latency rose:
 * samples of pg_stat_activity (how many backends of the database were active, idle in a
 * transaction, or waiting, and on what), the CPU time of given processes (/proc/PID/stat) and of the
 * whole machine (/proc/stat).
 */
import fs from 'node:fs';
import type pg from 'pg';
import { processTicks, TICKS_PER_SECOND } from './process-cpu.ts';

function machineTicks(): { busy: number; total: number } {
  const cpu = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = cpu.reduce((a, b) => a + b, 0);
  // idle + iowait
  return { busy: total - cpu[3]! - (cpu[4] ?? 0), total };
}

export interface ActivitySummary {
  /** Mean number of the database's client backends active / idle in transaction per sample. */
  readonly active: number;
  readonly idleInTransaction: number;
  /** Mean backends per sample waiting, by `wait_event_type:wait_event`, most first. */
  readonly waits: readonly [string, number][];
  /** CPU of each watched process, in percent of one core. */
  readonly processCpu: Record<string, number>;
  /** Busy share of all cores, percent. */
  readonly machineCpu: number;
}

/** Samples every `everyMs` until stop() is called; `processes` names the pids whose CPU to report. */
export function sampleActivity(pool: pg.Pool, processes: Record<string, number>, everyMs = 250): { stop(): Promise<ActivitySummary> } {
  const started = performance.now();
  const startTicks = Object.fromEntries(Object.entries(processes).map(([name, pid]) => [name, processTicks(pid)]));
  const startMachine = machineTicks();
  let samples = 0;
  let active = 0;
  let idleInTransaction = 0;
  const waits = new Map<string, number>();
  let running = true;
  const loop = (async () => {
    while (running) {
      const { rows } = await pool.query<{ state: string | null; wait: string | null }>(
        `SELECT state, wait_event_type || ':' || wait_event AS wait FROM pg_stat_activity
          WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()`,
      );
      samples++;
      for (const row of rows) {
        if (row.state === 'active') active++;
        if (row.state === 'idle in transaction') idleInTransaction++;
        // A client backend idle waits on ClientRead by definition; only the active ones' waits matter.
        if (row.state === 'active' && row.wait) waits.set(row.wait, (waits.get(row.wait) ?? 0) + 1);
      }
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      const seconds = (performance.now() - started) / 1000;
      const endMachine = machineTicks();
      const per = (n: number) => n / Math.max(1, samples);
      return {
        active: per(active),
        idleInTransaction: per(idleInTransaction),
        waits: [...waits.entries()].map(([k, n]) => [k, per(n)] as [string, number]).sort((a, b) => b[1] - a[1]),
        processCpu: Object.fromEntries(
          Object.entries(processes).map(([name, pid]) => [name, ((processTicks(pid) - startTicks[name]!) / TICKS_PER_SECOND / seconds) * 100]),
        ),
        machineCpu: ((endMachine.busy - startMachine.busy) / Math.max(1, endMachine.total - startMachine.total)) * 100,
      };
    },
  };
}
