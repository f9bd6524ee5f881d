/**
 * The life of a sequence subscription. Every change of `status` made on request (PUT, bulk action)
 * goes through `changeSubscriptions`; the scheduler's own moves (advance, finish, error) are in
 * scheduler-step.ts.
 *
 * ```
 *            pause                         last step ran
 *   active ─────────▶ paused        active ───────────────▶ finished
 *     ▲  ◀───────────   │             ▲                          │
 *     │     resume      │             └──────────────────────────┘
 *     │                 │               resume_finished (only when steps were added since)
 *     └──── resume ── error  (template or sender account gone; the scheduler sets it)
 * ```
 *
 * `next_step_at` is meaningful only while `active`; a resume recomputes it from the step log, so the
 * subscription continues with its next step (due at once if its delay has passed, inside the
 * sequence's schedule). A resume that finds no step left finishes the subscription.
 */
import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import { planNextSteps } from './next-step.ts';

export type SubscriptionChange = 'pause' | 'resume' | 'resume_finished';

export interface ChangeRequest {
  readonly organizationId: string;
  readonly userId: string | null;
  readonly now: Date;
  /** Subscriptions to change; ids of other organizations or in other states are left alone. */
  readonly ids: readonly string[];
  readonly change: SubscriptionChange;
  /** Close's StatusReason recorded on a pause (`manual`, `bulk-action`). */
  readonly reason?: string;
}

export interface ChangeResult {
  /** Subscriptions whose status changed. */
  readonly changed: readonly { id: string; lead_id: string; status: string }[];
  /** Subscriptions left alone, with why (`not_active`, `not_paused`, `not_finished`, `no_new_steps`). */
  readonly skipped: ReadonlyMap<string, string>;
}

const FROM: Record<SubscriptionChange, readonly string[]> = {
  pause: ['active'],
  resume: ['paused', 'error'],
  resume_finished: ['finished'],
};

const WRONG_STATE: Record<SubscriptionChange, string> = {
  pause: 'not_active',
  resume: 'not_paused',
  resume_finished: 'not_finished',
};

/**
 * Applies one change to a set of subscriptions in set-based statements (a lock, at most one plan of
 * next steps, one update), inside the caller's transaction.
 */
export async function changeSubscriptions(trx: Db, request: ChangeRequest): Promise<ChangeResult> {
  const skipped = new Map<string, string>();
  if (request.ids.length === 0) return { changed: [], skipped };
  const rows = await trx
    .selectFrom('sequence_subscriptions')
    .select(['id', 'lead_id', 'sequence_id', 'status', 'start_date', 'date_last_step'])
    .where('organization_id', '=', request.organizationId)
    .where('id', 'in', [...request.ids])
    .where('date_deleted', 'is', null)
    .orderBy('id')
    .forUpdate()
    .execute();
  const eligible = rows.filter((row) => {
    if (FROM[request.change].includes(row.status)) return true;
    skipped.set(row.id, WRONG_STATE[request.change]);
    return false;
  });
  if (eligible.length === 0) return { changed: [], skipped };

  const updates: { id: string; lead_id: string; status: string; next: Date | null; reason: string | null; finished: boolean }[] = [];
  if (request.change === 'pause') {
    for (const row of eligible) {
      updates.push({ id: row.id, lead_id: row.lead_id, status: 'paused', next: null, reason: request.reason ?? 'manual', finished: false });
    }
  } else {
    const plans = await planNextSteps(trx, request.organizationId, eligible, request.now);
    for (const row of eligible) {
      const plan = plans.get(row.id) ?? null;
      if (plan) updates.push({ id: row.id, lead_id: row.lead_id, status: 'active', next: plan.at, reason: null, finished: false });
      else if (request.change === 'resume') updates.push({ id: row.id, lead_id: row.lead_id, status: 'finished', next: null, reason: null, finished: true });
      else skipped.set(row.id, 'no_new_steps');
    }
  }
  if (updates.length === 0) return { changed: [], skipped };

  const values = sql.join(
    updates.map((u) => sql`(${u.id}::text, ${u.status}::text, ${u.next}::timestamptz, ${u.reason}::text, ${u.finished}::boolean)`),
  );
  await sql`
    UPDATE sequence_subscriptions AS s
       SET status = v.status,
           next_step_at = v.next_step_at,
           status_reason = v.status_reason,
           date_finished = CASE WHEN v.finished THEN ${request.now}::timestamptz ELSE s.date_finished END,
           error_message = NULL,
           updated_by_id = COALESCE(${request.userId}, s.updated_by_id),
           date_updated = ${request.now}::timestamptz
      FROM (VALUES ${values}) AS v(id, status, next_step_at, status_reason, finished)
     WHERE s.organization_id = ${request.organizationId} AND s.id = v.id`.execute(trx);
  return { changed: updates.map(({ id, lead_id, status }) => ({ id, lead_id, status })), skipped };
}
