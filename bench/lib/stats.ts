/**
 * Timing and summary statistics for benchmarks. Medians and 95th percentiles rather than means:
 * on a shared machine a single descheduled run would otherwise move the figure.
 */

export interface Summary {
  readonly n: number;
  readonly median: number;
  readonly p95: number;
  readonly min: number;
  readonly max: number;
}

/** The q-quantile (0..1) of sorted samples, by linear interpolation. */
function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Median, p95, min and max of `samples` (milliseconds or any unit). */
export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  return { n: sorted.length, median: quantile(sorted, 0.5), p95: quantile(sorted, 0.95), min: sorted[0] ?? Number.NaN, max: sorted.at(-1) ?? Number.NaN };
}

/**
 * Runs `fn` `warmup` times untimed, then up to `runs` times; returns each run's milliseconds. Stops
 * early (with at least `minRuns` samples) once `budgetMs` is spent, so a pathological shape that
 * takes seconds a request does not hold the whole benchmark for an hour.
 */
export async function timeRuns(fn: () => Promise<unknown>, runs: number, warmup = 2, budgetMs = 60_000, minRuns = 5): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  let spent = 0;
  for (let i = 0; i < runs && (spent < budgetMs || samples.length < minRuns); i++) {
    const start = performance.now();
    await fn();
    samples.push(performance.now() - start);
    spent += samples.at(-1)!;
  }
  return samples;
}

/**
 * Times two functions alternately (a, b, a, b …) so that both see the same cache state and the same
 * background load; returns the samples of each.
 */
export async function timeInterleaved(
  a: () => Promise<unknown>,
  b: () => Promise<unknown>,
  runs: number,
  warmup = 2,
  budgetMs = 60_000,
  minRuns = 5,
): Promise<[number[], number[]]> {
  for (let i = 0; i < warmup; i++) {
    await a();
    await b();
  }
  const sa: number[] = [];
  const sb: number[] = [];
  let spent = 0;
  for (let i = 0; i < runs && (spent < budgetMs || sa.length < minRuns); i++) {
    for (const [fn, out] of (i % 2 === 0 ? [[a, sa], [b, sb]] : [[b, sb], [a, sa]]) as [() => Promise<unknown>, number[]][]) {
      const start = performance.now();
      await fn();
      out.push(performance.now() - start);
      spent += out.at(-1)!;
    }
  }
  return [sa, sb];
}

/** A millisecond figure for a table: one decimal below 10 ms, whole numbers above. */
export function ms(value: number): string {
  if (!Number.isFinite(value)) return '–';
  return value < 10 ? value.toFixed(1) : value.toFixed(0);
}
