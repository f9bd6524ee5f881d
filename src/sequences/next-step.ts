/**
 * Which step a subscription runs next, and when. The step log (`sequence_subscription_steps`) is the
 * truth about what ran: the next step is the first step placed after the last step that ran (steps
 * deleted since are ignored), so steps appended to a sequence are picked up by a subscription that
 * had finished, and steps inserted before a subscription's current place are not run late.
 *
 * The due time is the previous step's time (the start for the first step) plus the step's `delay`,
 * never earlier than now, moved into the sequence's schedule in its timezone.
 */
import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import { nextSendTime, type Schedule } from './schedule.ts';
import type { StepRow } from './sequence-repository.ts';

export interface SubscriptionTiming {
  readonly id: string;
  readonly sequence_id: string;
  readonly start_date: Date;
  readonly date_last_step: Date | null;
}

export interface PlannedStep {
  readonly step: StepRow;
  /** Null while the sequence is not active: the step waits for its reactivation (replanSequence). */
  readonly at: Date | null;
}

/** The step after those in `ran` (by position), or null when none is left. Pure. */
export function nextStepOf(steps: readonly StepRow[], ran: ReadonlySet<string>): StepRow | null {
  let lastPosition = -1;
  for (const step of steps) if (ran.has(step.id)) lastPosition = Math.max(lastPosition, step.position);
  return steps.find((step) => step.position > lastPosition && !ran.has(step.id)) ?? null;
}

/** What planning needs, loaded once for a set of subscriptions of one organization. */
export interface PlanData {
  readonly sequences: ReadonlyMap<string, { readonly status: string; readonly timezone: string; readonly schedule: unknown }>;
  readonly steps: ReadonlyMap<string, readonly StepRow[]>;
  /** Step ids each subscription has run; callers add to it as they run steps. */
  readonly ran: Map<string, Set<string>>;
}

/** Loads sequences, steps and step logs for `subscriptions` (all of `organizationId`): three queries. */
export async function loadPlanData(db: Db, organizationId: string, subscriptions: readonly SubscriptionTiming[]): Promise<PlanData> {
  const sequenceIds = [...new Set(subscriptions.map((s) => s.sequence_id))];
  if (subscriptions.length === 0) return { sequences: new Map(), steps: new Map(), ran: new Map() };
  const [sequences, steps, log] = await Promise.all([
    db
      .selectFrom('sequences')
      .select(['id', 'status', 'timezone', 'schedule'])
      .where('organization_id', '=', organizationId)
      .where('id', 'in', sequenceIds)
      .execute(),
    db
      .selectFrom('sequence_steps')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .where('sequence_id', 'in', sequenceIds)
      .orderBy('sequence_id')
      .orderBy('position')
      .execute(),
    db
      .selectFrom('sequence_subscription_steps')
      .select(['subscription_id', 'step_id'])
      .where('organization_id', '=', organizationId)
      .where('subscription_id', 'in', subscriptions.map((s) => s.id))
      .execute(),
  ]);
  const stepsBySequence = new Map<string, StepRow[]>();
  for (const step of steps) {
    const list = stepsBySequence.get(step.sequence_id) ?? [];
    list.push(step);
    stepsBySequence.set(step.sequence_id, list);
  }
  const ran = new Map<string, Set<string>>();
  for (const row of log) {
    const set = ran.get(row.subscription_id) ?? new Set<string>();
    set.add(row.step_id);
    ran.set(row.subscription_id, set);
  }
  return { sequences: new Map(sequences.map((s) => [s.id, s])), steps: stepsBySequence, ran };
}

/** The next step of `subscription` and its time from loaded data, or null when none is left. Pure. */
export function planFrom(data: PlanData, subscription: SubscriptionTiming, now: Date): PlannedStep | null {
  const sequence = data.sequences.get(subscription.sequence_id);
  if (!sequence) return null;
  const step = nextStepOf(data.steps.get(subscription.sequence_id) ?? [], data.ran.get(subscription.id) ?? new Set());
  if (!step) return null;
  const base = (subscription.date_last_step ?? subscription.start_date).getTime();
  const due = new Date(Math.max(now.getTime(), base + step.delay * 1000));
  const at = sequence.status === 'active' ? nextSendTime(due, sequence.schedule as Schedule | null, sequence.timezone) : null;
  return { step, at };
}

/**
 * Plans the next step of each subscription (all of `organizationId`) in three queries, whatever
 * their number: `null` for a subscription with no step left.
 */
export async function planNextSteps(
  db: Db,
  organizationId: string,
  subscriptions: readonly SubscriptionTiming[],
  now: Date,
): Promise<Map<string, PlannedStep | null>> {
  const data = await loadPlanData(db, organizationId, subscriptions);
  return new Map(subscriptions.map((s) => [s.id, planFrom(data, s, now)]));
}

/**
 * Recomputes `next_step_at` of every active subscription of a sequence whose steps, schedule or
 * timezone changed, so a shortened delay or a widened window takes effect at once. One plan and one
 * update for the whole sequence. A subscription left without a next step is made due now, and the
 * scheduler finishes it.
 */
export async function replanSequence(trx: Db, organizationId: string, sequenceId: string, now: Date): Promise<number> {
  const active = await trx
    .selectFrom('sequence_subscriptions')
    .select(['id', 'sequence_id', 'start_date', 'date_last_step'])
    .where('organization_id', '=', organizationId)
    .where('sequence_id', '=', sequenceId)
    .where('status', '=', 'active')
    .where('date_deleted', 'is', null)
    .execute();
  if (active.length === 0) return 0;
  const plans = await planNextSteps(trx, organizationId, active, now);
  const ids = active.map((s) => s.id);
  const times = active.map((s) => {
    const plan = plans.get(s.id);
    return plan ? (plan.at?.toISOString() ?? null) : now.toISOString();
  });
  await sql`
    UPDATE sequence_subscriptions AS s SET next_step_at = v.at
      FROM unnest(${ids}::text[], ${times}::timestamptz[]) AS v(id, at)
     WHERE s.organization_id = ${organizationId} AND s.id = v.id AND s.status = 'active'`.execute(trx);
  return active.length;
}
