/**
 * Running one due step of one subscription, inside the transaction that claimed it. Everything the
 * step does — the outbox message (enqueueEmail), the step-log row, the move to the next step or to
 * `finished` — commits together or not at all, so a worker killed at any point leaves either the
 * step fully done (and its mail queued once) or untouched for the next claim. The step log's primary
 * key (subscription, step) makes a second run of the same step fail rather than send twice.
 *
 * Outcomes per step: an email step is `sent` (queued), or `skipped` with `unsubscribed` when the
 * address opted out (Close skips email steps for unsubscribed contacts and goes on); a call step is
 * `skipped` with `call_step` (Sluice has no dialer). A step whose template or sender account is gone
 * stops the subscription in `error` with the reason on the row.
 */
import type { Db } from '../db/database.ts';
import { enqueueEmail } from '../email/enqueue.ts';
import { renderTemplate } from '../email/render.ts';
import { recordEvent } from '../events/record-event.ts';
import { planNextSteps } from './next-step.ts';
import type { StepRow } from './sequence-repository.ts';
import { subscriptionResponse, type SubscriptionRow } from './subscription-repository.ts';

export interface StepContext {
  readonly now: Date;
  readonly publicUrl: string;
  readonly secret: string;
}

export type StepResult = 'sent' | 'skipped' | 'rescheduled' | 'finished' | 'error';

async function stopWithError(trx: Db, sub: SubscriptionRow, ctx: StepContext, reason: string, message: string): Promise<'error'> {
  const after = await trx
    .updateTable('sequence_subscriptions')
    .set({ status: 'error', status_reason: reason, error_message: message, next_step_at: null, date_updated: ctx.now })
    .where('organization_id', '=', sub.organization_id)
    .where('id', '=', sub.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  await recordEvent(trx, {
    organizationId: sub.organization_id,
    objectType: 'sequence_subscription',
    objectId: sub.id,
    leadId: sub.lead_id,
    action: 'updated',
    changedFields: ['status', 'status_reason'],
    data: subscriptionResponse(after),
    previousData: subscriptionResponse(sub),
    at: ctx.now,
  });
  return 'error';
}

/** Queues the email of `step` for `sub`; returns the activity id, or a reason the step cannot run. */
async function sendEmailStep(trx: Db, sub: SubscriptionRow, step: StepRow, ctx: StepContext): Promise<{ activityId: string } | { error: [string, string] }> {
  const account = await trx
    .selectFrom('connected_accounts')
    .select(['id', 'user_id'])
    .where('organization_id', '=', sub.organization_id)
    .where('id', '=', sub.sender_account_id)
    .executeTakeFirst();
  if (!account) return { error: ['account-invalid', `Sender account ${sub.sender_account_id} no longer exists.`] };
  const template = step.email_template_id
    ? await trx
        .selectFrom('email_templates')
        .select('id')
        .where('organization_id', '=', sub.organization_id)
        .where('id', '=', step.email_template_id)
        .executeTakeFirst()
    : undefined;
  if (!template) return { error: ['internal-error', `Email template ${step.email_template_id ?? '(none)'} of step ${step.id} no longer exists.`] };

  const rendered = await renderTemplate(trx, {
    organizationId: sub.organization_id,
    templateId: template.id,
    leadId: sub.lead_id,
    contactId: sub.contact_id,
    recipientEmail: sub.contact_email,
    senderUserId: account.user_id,
    senderName: sub.sender_name,
    senderEmail: sub.sender_email,
    publicUrl: ctx.publicUrl,
    secret: ctx.secret,
  });
  let inReplyTo: string | null = null;
  if (step.threading !== 'new_thread') {
    const previous = await trx
      .selectFrom('sequence_subscription_steps')
      .select('activity_id')
      .where('organization_id', '=', sub.organization_id)
      .where('subscription_id', '=', sub.id)
      .where('activity_id', 'is not', null)
      .orderBy('date_created', 'desc')
      .orderBy('position', 'desc')
      .limit(1)
      .executeTakeFirst();
    inReplyTo = previous?.activity_id ?? null;
  }
  return enqueueEmail(trx, {
    organizationId: sub.organization_id,
    userId: account.user_id,
    leadId: sub.lead_id,
    contactId: sub.contact_id,
    emailAccountId: account.id,
    senderName: sub.sender_name,
    senderEmail: sub.sender_email,
    to: [sub.contact_email],
    subject: rendered.subject,
    bodyHtml: rendered.body,
    templateId: template.id,
    sequenceId: sub.sequence_id,
    sequenceSubscriptionId: sub.id,
    inReplyToActivityId: inReplyTo,
  });
}

/** Runs the due step of `sub` (locked by the caller's transaction `trx`) and moves it on. */
export async function runDueStep(trx: Db, sub: SubscriptionRow, ctx: StepContext): Promise<StepResult> {
  const plan = (await planNextSteps(trx, sub.organization_id, [sub], ctx.now)).get(sub.id) ?? null;
  if (plan && (plan.at === null || plan.at.getTime() > ctx.now.getTime())) {
    // Not yet due after all: outside the schedule now, the step's delay grew since it was planned,
    // or the sequence was paused after the claim's check.
    await trx.updateTable('sequence_subscriptions').set({ next_step_at: plan.at }).where('id', '=', sub.id).execute();
    return 'rescheduled';
  }
  let result: StepResult = 'finished';
  if (plan) {
    const step = plan.step;
    let outcome: { outcome: 'sent' | 'skipped'; reason: string | null; activityId: string | null };
    if (step.step_type === 'call') {
      outcome = { outcome: 'skipped', reason: 'call_step', activityId: null };
    } else {
      const unsubscribed = await trx
        .selectFrom('unsubscribed_emails')
        .select('email')
        .where('organization_id', '=', sub.organization_id)
        .where('email', '=', sub.contact_email.trim().toLowerCase())
        .executeTakeFirst();
      if (unsubscribed) {
        outcome = { outcome: 'skipped', reason: 'unsubscribed', activityId: null };
      } else {
        const sent = await sendEmailStep(trx, sub, step, ctx);
        if ('error' in sent) return stopWithError(trx, sub, ctx, ...sent.error);
        outcome = { outcome: 'sent', reason: null, activityId: sent.activityId };
      }
    }
    await trx
      .insertInto('sequence_subscription_steps')
      .values({
        organization_id: sub.organization_id,
        subscription_id: sub.id,
        step_id: step.id,
        position: step.position,
        outcome: outcome.outcome,
        reason: outcome.reason,
        activity_id: outcome.activityId,
        date_created: ctx.now,
      })
      .execute();
    result = outcome.outcome;
  }
  const after = { ...sub, date_last_step: plan ? ctx.now : sub.date_last_step };
  const next = plan ? ((await planNextSteps(trx, sub.organization_id, [after], ctx.now)).get(sub.id) ?? null) : null;
  if (next) {
    await trx
      .updateTable('sequence_subscriptions')
      .set({ date_last_step: after.date_last_step, next_step_at: next.at, date_updated: ctx.now })
      .where('id', '=', sub.id)
      .execute();
    return result;
  }
  const finished = await trx
    .updateTable('sequence_subscriptions')
    .set({ status: 'finished', status_reason: null, date_last_step: after.date_last_step, next_step_at: null, date_finished: ctx.now, date_updated: ctx.now })
    .where('id', '=', sub.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  await recordEvent(trx, {
    organizationId: sub.organization_id,
    objectType: 'sequence_subscription',
    objectId: sub.id,
    leadId: sub.lead_id,
    action: 'updated',
    changedFields: ['status'],
    data: subscriptionResponse(finished),
    previousData: subscriptionResponse(sub),
    at: ctx.now,
  });
  return result;
}
