/**
 * The machine's load average, for a benchmark to print before and after its timed runs: a ratio
 * measured on a busy machine is read differently from one measured on a quiet one.
 */
import os from 'node:os';

/** The 1, 5 and 15 minute load averages, as "0.84 / 1.21 / 1.16". */
export function loadAverage(): string {
  return os.loadavg().map((n) => n.toFixed(2)).join(' / ');
}
