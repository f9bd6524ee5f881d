/**
 * Bulk edits driven over the API for the load and scale benchmarks: start a set_custom_field over
 * the oldest `leads` leads, wait for it, and keep one running for as long as a load phase lasts
 * (recording when it was processing, so each measurement can say how much of it overlapped).
 */
import type pg from 'pg';
import { apiCall } from './api-call.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface BulkTarget {
  readonly baseUrl: string;
  readonly apiKey: string;
  readonly organizationId: string;
}

interface ActionState {
  readonly status: string;
  readonly n_leads: number;
  readonly n_leads_processed: number;
  readonly error_message?: string;
}

/** The seed's "Referral Source" text field of the organization (what the edits set). */
export async function referralField(pool: pg.Pool, organizationId: string): Promise<string> {
  return (await pool.query(`SELECT id FROM custom_fields WHERE organization_id = $1 AND name = 'Referral Source'`, [organizationId])).rows[0].id as string;
}

/** Starts a set_custom_field over the `leads` oldest (or, 'desc', newest) leads; returns its id. */
export async function startBulkEdit(target: BulkTarget, fieldId: string, leads: number, direction: 'asc' | 'desc' = 'asc'): Promise<string> {
  const created = await apiCall<{ id: string }>(target.baseUrl, target.apiKey, 'POST', '/bulk_action/edit/', {
    s_query: { type: 'object_type', object_type: 'lead' },
    sort: [{ direction, field: { type: 'regular_field', object_type: 'lead', field_name: 'date_created' } }],
    results_limit: leads,
    type: 'set_custom_field',
    custom_field_id: fieldId,
    custom_field_value: `load ${Date.now()}`,
    send_done_email: false,
  });
  return created.id;
}

/** The action's state over the API. */
export async function actionState(target: BulkTarget, id: string): Promise<ActionState> {
  const state = await apiCall<ActionState>(target.baseUrl, target.apiKey, 'GET', `/bulk_action/edit/${id}/`);
  if (state.status === 'error') throw new Error(`bulk action ${id} failed: ${state.error_message ?? ''}`);
  return state;
}

/**
 * Runs bulk edits to done, started at once, one per entry of `directions` over `leads` leads each
 * (oldest first, or newest first: two edits of half the organization each touch disjoint rows);
 * returns the seconds from the POSTs to the last done and the leads processed in all.
 */
export async function timeBulkEdits(target: BulkTarget, fieldId: string, leads: number, directions: readonly ('asc' | 'desc')[] = ['asc']): Promise<{ seconds: number; leads: number }> {
  const start = performance.now();
  const ids = await Promise.all(directions.map((direction) => startBulkEdit(target, fieldId, leads, direction)));
  const pending = new Set(ids);
  let processed = 0;
  while (pending.size > 0) {
    await sleep(200);
    for (const id of [...pending]) {
      const state = await actionState(target, id);
      if (state.status === 'done') {
        pending.delete(id);
        processed += state.n_leads_processed;
      }
    }
  }
  return { seconds: (performance.now() - start) / 1000, leads: processed };
}

export interface BulkKeeper {
  /** Resolves once an edit is processing (its items loaded, batches running). */
  processing(): Promise<void>;
  /** Share (0..1) of the window [from, to] (performance.now() ms) during which an edit was processing. */
  coverage(from: number, to: number): number;
  /** Leads processed per second while processing, over the keeper's life. */
  leadsPerSecond(): number;
  stop(): Promise<void>;
}

/**
 * Keeps one bulk edit processing until stop(): when one is done, the next starts. Polls every 250 ms
 * and records the intervals in which an edit was `processing`.
 */
export function keepBulkEditRunning(target: BulkTarget, fieldId: string, leads: number): BulkKeeper {
  const intervals: [number, number][] = [];
  let processedTotal = 0;
  let running = true;
  let since: number | null = null;
  let failure: unknown;
  let current: string | null = null;
  let lastProcessed = 0;
  const loop = (async () => {
    while (running) {
      if (current === null) {
        current = await startBulkEdit(target, fieldId, leads);
        lastProcessed = 0;
      }
      const state = await actionState(target, current);
      const now = performance.now();
      processedTotal += state.n_leads_processed - lastProcessed;
      lastProcessed = state.n_leads_processed;
      if (state.status === 'processing' && since === null) since = now;
      if (state.status !== 'processing' && since !== null) {
        intervals.push([since, now]);
        since = null;
      }
      if (state.status === 'done') current = null;
      await sleep(250);
    }
  })().catch((error: unknown) => {
    failure = error;
  });
  const closed = () => [...intervals, ...(since === null ? [] : [[since, performance.now()] as [number, number]])];
  return {
    async processing() {
      while (since === null) {
        if (failure) throw failure;
        await sleep(100);
      }
    },
    coverage(from, to) {
      const covered = closed().reduce((sum, [a, b]) => sum + Math.max(0, Math.min(b, to) - Math.max(a, from)), 0);
      return covered / (to - from);
    },
    leadsPerSecond() {
      const seconds = closed().reduce((sum, [a, b]) => sum + (b - a), 0) / 1000;
      return processedTotal / seconds;
    },
    async stop() {
      running = false;
      await loop;
      if (failure) throw failure;
      // Leave nothing running for the next phase or run.
      if (current !== null) await apiCall(target.baseUrl, target.apiKey, 'PUT', `/bulk_action/edit/${current}/`, { status: 'cancelled' }).catch(() => {});
    },
  };
}
