/**
 * Reading and writing sequences with their steps. Steps are kept in `position` order; a write of the
 * `steps` list renumbers them in the order sent.
 */
import type { Selectable } from 'kysely';
import type { Db } from '../db/database.ts';
import type { SequenceStepsTable, SequencesTable } from '../db/schema.ts';
import { fieldErrors } from '../errors.ts';
import { newId } from '../ids.ts';
import { formatTimestamp } from '../time.ts';
import type { StepBody } from './sequence-schemas.ts';

export type SequenceRow = Selectable<SequencesTable>;
export type StepRow = Selectable<SequenceStepsTable>;

export const SUBSCRIPTION_STATUSES = ['active', 'paused', 'finished', 'goal', 'error'] as const;
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];

/** A sequence step as Close shows it. */
export function stepResponse(step: StepRow): Record<string, unknown> {
  return {
    id: step.id,
    step_type: step.step_type,
    delay: step.delay,
    email_template_id: step.email_template_id,
    threading: step.threading,
    required: step.required,
    step_allowed_delay: step.step_allowed_delay,
    created_by_id: step.created_by_id,
    updated_by_id: step.updated_by_id,
    date_created: formatTimestamp(step.date_created),
    date_updated: formatTimestamp(step.date_updated),
  };
}

/** A sequence as Close shows it; `counts` adds `subscription_counts_by_status` (single GET/PUT). */
export function sequenceResponse(
  row: SequenceRow,
  steps: readonly StepRow[],
  counts?: Record<SubscriptionStatus, number>,
): Record<string, unknown> {
  return {
    id: row.id,
    organization_id: row.organization_id,
    name: row.name,
    status: row.status,
    timezone: row.timezone,
    schedule: row.schedule,
    steps: steps.map(stepResponse),
    ...(counts ? { subscription_counts_by_status: counts } : {}),
    created_by_id: row.created_by_id,
    updated_by_id: row.updated_by_id,
    date_created: formatTimestamp(row.date_created),
    date_updated: formatTimestamp(row.date_updated),
  };
}

/** The sequence `id` of `organizationId`, or undefined. */
export async function findSequence(db: Db, organizationId: string, id: string): Promise<SequenceRow | undefined> {
  return db
    .selectFrom('sequences')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/** Steps of the given sequences, in order, grouped by sequence id. */
export async function loadSteps(db: Db, organizationId: string, sequenceIds: readonly string[]): Promise<Map<string, StepRow[]>> {
  const out = new Map<string, StepRow[]>(sequenceIds.map((id) => [id, []]));
  if (sequenceIds.length === 0) return out;
  const rows = await db
    .selectFrom('sequence_steps')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where('sequence_id', 'in', [...sequenceIds])
    .orderBy('sequence_id')
    .orderBy('position')
    .execute();
  for (const row of rows) out.get(row.sequence_id)?.push(row);
  return out;
}

/** `{active, paused, finished, goal, error}` counts of a sequence's (not deleted) subscriptions. */
export async function subscriptionCounts(db: Db, organizationId: string, sequenceId: string): Promise<Record<SubscriptionStatus, number>> {
  const rows = await db
    .selectFrom('sequence_subscriptions')
    .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
    .where('organization_id', '=', organizationId)
    .where('sequence_id', '=', sequenceId)
    .where('date_deleted', 'is', null)
    .groupBy('status')
    .execute();
  const counts = { active: 0, paused: 0, finished: 0, goal: 0, error: 0 };
  for (const row of rows) counts[row.status] = Number(row.n);
  return counts;
}

interface WriteContext {
  readonly organizationId: string;
  readonly userId: string;
  readonly now: Date;
}

/**
 * Makes the sequence's steps exactly `steps`, in that order: steps with an `id` of this sequence are
 * updated (fields not sent are kept), steps without one are created, existing steps not listed are
 * deleted. Every problem is reported at once as a 400 naming `steps[i].field`, before any write.
 */
export async function writeSteps(
  trx: Db,
  ctx: WriteContext,
  sequenceId: string,
  steps: readonly StepBody[],
  existing: readonly StepRow[],
): Promise<void> {
  const byId = new Map(existing.map((s) => [s.id, s]));
  const errors: Record<string, string> = {};
  const seen = new Set<string>();
  const merged = steps.map((step, i) => {
    const before = step.id === undefined ? undefined : byId.get(step.id);
    if (step.id !== undefined && !before) errors[`steps[${i}].id`] = 'Unknown step of this sequence.';
    if (step.id !== undefined && seen.has(step.id)) errors[`steps[${i}].id`] = 'A step may appear only once.';
    if (step.id !== undefined) seen.add(step.id);
    const stepType = step.step_type ?? before?.step_type;
    if (!stepType) errors[`steps[${i}].step_type`] = 'This field is required.';
    const templateId = stepType === 'email' ? (step.email_template_id !== undefined ? step.email_template_id : before?.email_template_id ?? null) : null;
    if (stepType === 'email' && !templateId) errors[`steps[${i}].email_template_id`] = 'An email step needs an email template.';
    const threading = stepType === 'email' ? (step.threading !== undefined ? step.threading : before?.threading ?? 'old_thread') : null;
    return {
      id: before?.id ?? newId('seqstep'),
      isNew: !before,
      step_type: stepType ?? 'email',
      delay: step.delay ?? before?.delay ?? 0,
      email_template_id: templateId,
      threading,
      required: step.required ?? before?.required ?? false,
      step_allowed_delay: step.step_allowed_delay !== undefined ? step.step_allowed_delay : before?.step_allowed_delay ?? null,
    };
  });
  const templateIds = [...new Set(merged.map((s) => s.email_template_id).filter((id): id is string => id !== null))];
  if (templateIds.length > 0) {
    const found = await trx
      .selectFrom('email_templates')
      .select('id')
      .where('organization_id', '=', ctx.organizationId)
      .where('id', 'in', templateIds)
      .execute();
    const known = new Set(found.map((t) => t.id));
    merged.forEach((s, i) => {
      if (s.email_template_id && !known.has(s.email_template_id)) {
        errors[`steps[${i}].email_template_id`] = `Unknown email template: ${s.email_template_id}.`;
      }
    });
  }
  if (Object.keys(errors).length > 0) throw fieldErrors(errors);

  const keep = new Set(merged.map((s) => s.id));
  const gone = existing.filter((s) => !keep.has(s.id)).map((s) => s.id);
  if (gone.length > 0) {
    await trx
      .deleteFrom('sequence_steps')
      .where('organization_id', '=', ctx.organizationId)
      .where('sequence_id', '=', sequenceId)
      .where('id', 'in', gone)
      .execute();
  }
  for (const [position, { isNew, ...step }] of merged.entries()) {
    if (isNew) {
      await trx
        .insertInto('sequence_steps')
        .values({
          ...step,
          organization_id: ctx.organizationId,
          sequence_id: sequenceId,
          position,
          created_by_id: ctx.userId,
          updated_by_id: ctx.userId,
          date_created: ctx.now,
          date_updated: ctx.now,
        })
        .execute();
    } else {
      await trx
        .updateTable('sequence_steps')
        .set({ ...step, position, updated_by_id: ctx.userId, date_updated: ctx.now })
        .where('organization_id', '=', ctx.organizationId)
        .where('id', '=', step.id)
        .execute();
    }
  }
}
