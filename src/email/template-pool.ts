/**
 * Templates are parsed and rendered on worker threads (piscina), never on the event loop that
 * serves the API: a template may legitimately take up to TEMPLATE_RENDER_MS per render, and a bulk
 * batch renders hundreds, which on the main thread would stall every other request for as long.
 * Here the main thread only posts the source and the recipients' variables and awaits the results.
 *
 * Tasks wait in this module's own queues and go to piscina only when a thread is free, so a task's
 * deadline counts from when it starts running: one tenant's slow bulk batch can delay another's
 * render, never fail it. Interactive work (checking a template being saved, the render endpoint)
 * goes before background work (bulk email, sequence steps) whenever a thread frees up.
 *
 * Batches go in chunks sized to take about CHUNK_TARGET_MS each (the first chunk is small and
 * measures the template), so interactive work never waits long behind a slow template's batch.
 *
 * liquidjs enforces the limits between template nodes; a single pathological operation it does not
 * interrupt is cut by the deadline, which terminates that worker thread (piscina replaces it). A
 * chunk that hits the deadline is retried one recipient at a time, so only the recipients whose
 * own render is too slow fail.
 */
import os from 'node:os';
import { Piscina } from 'piscina';
import type { TemplateLimits } from './liquid-engine.ts';
import type { CheckResult, RenderResult, TemplateSource, TemplateTask } from './template-worker.ts';

export type { RenderResult, TemplateSource };

/** Interactive work (a person waits for it) goes before background work. */
export type Priority = 'interactive' | 'background';

/**
 * How long one chunk of a batch should run: long enough to amortise posting it (well under a
 * millisecond), short enough that interactive work waits little behind it.
 */
const CHUNK_TARGET_MS = 50;
const FIRST_CHUNK = 2;
const MAX_CHUNK = 200;

/** Thrown once the pool has been closed (shutdown): the work is not done and must not count as failed. */
export class TemplatePoolClosedError extends Error {
  constructor() {
    super('The template rendering threads have been stopped.');
    this.name = 'TemplatePoolClosedError';
  }
}

const threads = Math.max(1, Math.min(2, os.availableParallelism() - 1));
const IDLE_MS = 60_000;
/**
 * Each thread's heap. A small young generation: renders allocate little that survives, and V8's
 * default (up to 3 × 16 MiB semi-spaces) was most of a busy thread's growth (about 35 MiB of
 * resident memory in a 20,000-render run) against the server's 300 MB budget. The old generation
 * is capped so that a chunk whose results outgrow it kills only its thread: the chunk is then
 * retried one recipient at a time, each render being bounded by TEMPLATE_MAX_OUTPUT_CHARS.
 */
const THREAD_LIMITS = { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 256 };
let pool: Piscina | undefined;
let closed = false;
let running = 0;
const waiting: Record<Priority, (() => void)[]> = { interactive: [], background: [] };

function workers(): Piscina {
  if (closed) throw new TemplatePoolClosedError();
  pool ??= new Piscina({
    filename: new URL('./template-worker-entry.js', import.meta.url).href,
    // A thread costs tens of MiB (its own heap, the module graph, the TypeScript loader): it starts
    // with the first render and stops after IDLE_MS without one, so a server that sends no mail
    // does not carry it.
    minThreads: 0,
    maxThreads: threads,
    idleTimeout: IDLE_MS,
    resourceLimits: THREAD_LIMITS,
  });
  return pool;
}

/** Waits for a free thread; the returned function gives it back. */
async function acquire(priority: Priority): Promise<() => void> {
  if (running < threads) running += 1;
  else await new Promise<void>((resolve) => waiting[priority].push(resolve));
  if (closed) {
    release();
    throw new TemplatePoolClosedError();
  }
  return release;
}

function release(): void {
  // The slot passes straight to the next waiter, interactive first.
  const next = waiting.interactive.shift() ?? waiting.background.shift();
  if (next) next();
  else running -= 1;
}

/** How long a task of `renders` renders may run before its thread is terminated. */
function deadline(limits: TemplateLimits, renders: number): number {
  return (limits.renderMs * 2 + 50) * renders + 2_000;
}

/** Runs `task` on a free thread; 'timeout' when it overran its deadline, 'failed' when its thread died. */
async function run<T>(task: TemplateTask, renders: number, priority: Priority, timing?: { ms: number }): Promise<T | 'timeout' | 'failed'> {
  const done = await acquire(priority);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), deadline(task.limits, renders));
  const started = performance.now();
  try {
    const result = (await workers().run(task, { signal: controller.signal })) as T;
    if (timing) timing.ms = performance.now() - started;
    return result;
  } catch {
    if (closed) throw new TemplatePoolClosedError();
    // Our deadline, or the thread itself failing (out of memory, say): the template's fault either
    // way, reported on the recipients rather than as a server error.
    return controller.signal.aborted ? 'timeout' : 'failed';
  } finally {
    clearTimeout(timer);
    done();
  }
}

const timeoutMessage = (limits: TemplateLimits) => `Rendering took longer than TEMPLATE_RENDER_MS (${limits.renderMs} ms).`;
const FAILED_MESSAGE = 'The template could not be rendered: its rendering thread failed (out of memory?).';

/** Parses `source` and renders it once for `sample`; a syntax error, a file tag or a broken limit is reported with its field. */
export async function checkTemplateSource(source: TemplateSource, limits: TemplateLimits, sample: Record<string, unknown>): Promise<CheckResult> {
  const result = await run<CheckResult>({ kind: 'check', source, limits, sample }, 3, 'interactive');
  if (result === 'timeout') return { ok: false, field: 'body', message: timeoutMessage(limits) };
  if (result === 'failed') return { ok: false, field: 'body', message: FAILED_MESSAGE };
  return result;
}

/** Renders `source` once per scope, in order; one recipient's failure never fails the others. */
export async function renderTemplateSource(
  source: TemplateSource,
  limits: TemplateLimits,
  scopes: readonly Record<string, unknown>[],
  priority: Priority = 'background',
): Promise<RenderResult[]> {
  const results: RenderResult[] = new Array(scopes.length);
  let next = 0;
  let size = Math.min(FIRST_CHUNK, scopes.length);
  // One lane per thread, so a batch can use them all; each lane takes the next chunk when its last
  // one is done, sized by what the chunks so far cost.
  const lane = async () => {
    while (next < scopes.length) {
      const start = next;
      const chunk = scopes.slice(start, start + size);
      next += chunk.length;
      const timing = { ms: 0 };
      const result = await run<RenderResult[]>({ kind: 'render', source, limits, scopes: chunk }, chunk.length, priority, timing);
      let rendered: RenderResult[];
      if (result !== 'timeout' && result !== 'failed') {
        rendered = result;
        size = Math.max(1, Math.min(MAX_CHUNK, Math.floor((CHUNK_TARGET_MS * chunk.length) / Math.max(timing.ms, 1))));
      } else if (chunk.length === 1) {
        rendered = [{ ok: false, message: result === 'timeout' ? timeoutMessage(limits) : FAILED_MESSAGE, limit: true }];
        size = 1;
      } else {
        // Find the recipients at fault one by one; the others still get their email.
        rendered = await Promise.all(chunk.map((scope) => renderTemplateSource(source, limits, [scope], priority).then((r) => r[0]!)));
        size = 1;
      }
      rendered.forEach((r, i) => (results[start + i] = r));
    }
  };
  await Promise.all(Array.from({ length: Math.min(threads, Math.max(1, scopes.length)) }, lane));
  return results;
}

/** Creates the pool now (server start); its thread starts with the first render and stops when idle. */
export function startTemplatePool(): void {
  workers();
}

/** Stops the worker threads (shutdown); work still waiting fails with TemplatePoolClosedError. */
export async function closeTemplatePool(): Promise<void> {
  closed = true;
  for (const wake of [...waiting.interactive.splice(0), ...waiting.background.splice(0)]) wake();
  const current = pool;
  pool = undefined;
  await current?.destroy();
}
