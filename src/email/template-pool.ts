/**
 * Templates are parsed and rendered on worker threads (piscina), never on the event loop that
 * serves the API: a template may legitimately take up to TEMPLATE_RENDER_MS per render, and a bulk
 * batch renders hundreds, which on the main thread would stall every other request for as long.
 * Here the main thread only posts the source and the recipients' variables and awaits the results.
 *
 * liquidjs enforces the limits between template nodes; a single pathological operation it does not
 * interrupt is cut by a deadline on the task, which terminates that worker thread (piscina replaces
 * it). Batches are rendered in chunks, and a chunk that hits the deadline is retried one recipient at
 * a time, so only the recipients whose own render is too slow fail.
 */
import os from 'node:os';
import { Piscina } from 'piscina';
import type { TemplateLimits } from './liquid-engine.ts';
import type { CheckResult, RenderResult, TemplateSource, TemplateTask } from './template-worker.ts';

export type { RenderResult, TemplateSource };

/** Recipients per task: large enough to amortise the message, small enough to spread over threads. */
const CHUNK = 50;

let pool: Piscina | undefined;

function workers(): Piscina {
  pool ??= new Piscina({
    filename: new URL('./template-worker-entry.js', import.meta.url).href,
    minThreads: 1,
    maxThreads: Math.max(1, Math.min(2, os.availableParallelism() - 1)),
    idleTimeout: 30_000,
  });
  return pool;
}

/** How long a task of `renders` renders may run before its thread is terminated. */
function deadline(limits: TemplateLimits, renders: number): number {
  return (limits.renderMs * 2 + 50) * renders + 2_000;
}

async function run<T>(task: TemplateTask, renders: number): Promise<T | 'timeout'> {
  try {
    return (await workers().run(task, { signal: AbortSignal.timeout(deadline(task.limits, renders)) })) as T;
  } catch (error) {
    if ((error as Error).name === 'AbortError' || (error as Error).name === 'TimeoutError') return 'timeout';
    throw error;
  }
}

const timeoutMessage = (limits: TemplateLimits) => `Rendering took longer than TEMPLATE_RENDER_MS (${limits.renderMs} ms).`;

/** Parses `source` and renders it once for `sample`; a syntax error, a file tag or a broken limit is reported with its field. */
export async function checkTemplateSource(source: TemplateSource, limits: TemplateLimits, sample: Record<string, unknown>): Promise<CheckResult> {
  const result = await run<CheckResult>({ kind: 'check', source, limits, sample }, 3);
  return result === 'timeout' ? { ok: false, field: 'body', message: timeoutMessage(limits) } : result;
}

/** Renders `source` once per scope, in order; one recipient's failure never fails the others. */
export async function renderTemplateSource(source: TemplateSource, limits: TemplateLimits, scopes: readonly Record<string, unknown>[]): Promise<RenderResult[]> {
  const chunks: Promise<RenderResult[]>[] = [];
  for (let start = 0; start < scopes.length; start += CHUNK) {
    const chunk = scopes.slice(start, start + CHUNK);
    chunks.push(
      run<RenderResult[]>({ kind: 'render', source, limits, scopes: chunk }, chunk.length).then(async (result) => {
        if (result !== 'timeout') return result;
        if (chunk.length === 1) return [{ ok: false, message: timeoutMessage(limits), limit: true }];
        // Find the slow recipients one by one; the others still get their email.
        return Promise.all(chunk.map((scope) => renderTemplateSource(source, limits, [scope]).then((r) => r[0]!)));
      }),
    );
  }
  return (await Promise.all(chunks)).flat();
}

/** Starts the worker threads now, so the first render does not wait for them (server start). */
export function startTemplatePool(): void {
  workers();
}

/** Stops the worker threads (shutdown). */
export async function closeTemplatePool(): Promise<void> {
  const current = pool;
  pool = undefined;
  await current?.destroy();
}
