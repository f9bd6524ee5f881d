/**
 * Running the due steps of claimed subscriptions, inside the transaction that claimed them.
 * Everything a step does — the outbox message (enqueueEmails), the step-log row, the move to the next
 * step or to `finished` — commits together or not at all, so a worker killed at any point leaves each
 * step either fully done (its mail queued once) or untouched for the next claim. The step log's
 * primary key (subscription, step) makes a second run of a step fail rather than send twice.
 *
 * Set-based: a batch of subscriptions costs a fixed number of statements (plan data, unsubscribes,
 * accounts, lead data, one renderer per template, one outbox insert, one log insert, one update), not
 * a number per subscription; round trips, not SQL, were the cost of one-at-a-time steps.
 *
 * Outcomes: an email step is `sent` (queued), or `skipped` with `unsubscribed` when the address opted
 * out (Close skips email steps for unsubscribed contacts and goes on); a call step is `skipped` with
 * `call_step` (Sluice has no dialer). A step whose sender account or template is gone stops its
 * subscription in `error`, with the reason on the row.
 */
import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import { enqueueEmails, type EnqueueEmailInput } from '../email/enqueue.ts';
import { loadLeadData } from '../email/recipient-data.ts';
import type { TemplateLimits } from '../email/liquid-engine.ts';
import { createTemplateRenderer, type Recipient, type TemplateRenderer } from '../email/render.ts';
import type { RenderResult } from '../email/template-engine.ts';
import { recordEvents } from '../events/record-event.ts';
import { loadPlanData, planFrom } from './next-step.ts';
import type { StepRow } from './sequence-repository.ts';
import { subscriptionResponse, type SubscriptionRow } from './subscription-repository.ts';

export interface StepContext {
  readonly now: Date;
  readonly publicUrl: string;
  readonly secret: string;
  readonly templateLimits: TemplateLimits;
}

export type StepResult = 'sent' | 'skipped' | 'rescheduled' | 'finished' | 'error';

interface Outcome {
  readonly sub: SubscriptionRow;
  readonly step: StepRow | null;
  result: StepResult;
  logReason: string | null;
  activityId: string | null;
  error: [reason: string, message: string] | null;
  /** next_step_at when the subscription stays active (`rescheduled` or advanced). */
  nextAt: Date | null;
  /** The step run was the last one: the subscription is finished. */
  finishes: boolean;
}

/** Loads a renderer per template id; a template that no longer exists maps to null. */
async function renderersFor(trx: Db, organizationId: string, templateIds: readonly string[], ctx: StepContext): Promise<Map<string, TemplateRenderer | null>> {
  const out = new Map<string, TemplateRenderer | null>();
  const existing = new Set(
    templateIds.length === 0
      ? []
      : (await trx.selectFrom('email_templates').select('id').where('organization_id', '=', organizationId).where('id', 'in', [...templateIds]).execute()).map((t) => t.id),
  );
  for (const id of templateIds) {
    out.set(id, existing.has(id) ? await createTemplateRenderer(trx, { organizationId, templateId: id, publicUrl: ctx.publicUrl, secret: ctx.secret, limits: ctx.templateLimits }) : null);
  }
  return out;
}

/** Queues the email steps in `outcomes` (all `sent` so far, all of one organization). */
async function sendEmails(trx: Db, organizationId: string, outcomes: Outcome[], ctx: StepContext): Promise<void> {
  if (outcomes.length === 0) return;
  const subIds = outcomes.map((o) => o.sub.id);
  const [accounts, previous, leads] = await Promise.all([
    trx
      .selectFrom('connected_accounts')
      .select(['id', 'user_id'])
      .where('organization_id', '=', organizationId)
      .where('id', 'in', [...new Set(outcomes.map((o) => o.sub.sender_account_id))])
      .execute(),
    sql<{ subscription_id: string; activity_id: string }>`
      SELECT DISTINCT ON (subscription_id) subscription_id, activity_id FROM sequence_subscription_steps
       WHERE organization_id = ${organizationId} AND subscription_id = ANY(${subIds}::text[]) AND activity_id IS NOT NULL
       ORDER BY subscription_id, date_created DESC, position DESC`.execute(trx),
    loadLeadData(trx, organizationId, outcomes.map((o) => o.sub.lead_id)),
  ]);
  const accountById = new Map(accounts.map((a) => [a.id, a]));
  const previousBySub = new Map(previous.rows.map((r) => [r.subscription_id, r.activity_id]));
  const renderers = await renderersFor(trx, organizationId, [...new Set(outcomes.map((o) => o.step!.email_template_id ?? ''))], ctx);

  // Every sendable subscription first, then one render call per template (template-pool.ts renders
  // a call's recipients together on its worker threads).
  const planned: { o: Outcome; account: { id: string; user_id: string }; renderer: TemplateRenderer; recipient: Recipient }[] = [];
  for (const o of outcomes) {
    const { sub, step } = o;
    const account = accountById.get(sub.sender_account_id);
    const renderer = renderers.get(step!.email_template_id ?? '') ?? null;
    const lead = leads.get(sub.lead_id);
    const contact = lead?.contacts.find((c) => c.id === sub.contact_id) ?? null;
    if (!account) o.error = ['account-invalid', `Sender account ${sub.sender_account_id} no longer exists.`];
    else if (!renderer) o.error = ['internal-error', `Email template ${step!.email_template_id ?? '(none)'} of step ${step!.id} no longer exists.`];
    else if (!lead || !contact) o.error = ['internal-error', `Contact ${sub.contact_id} no longer exists.`];
    if (o.error) continue;
    planned.push({
      o,
      account: account!,
      renderer: renderer!,
      recipient: { lead: lead!, contact, email: sub.contact_email, sender: { userId: account!.user_id, name: sub.sender_name, email: sub.sender_email } },
    });
  }
  const rendered = new Map<Outcome, RenderResult>();
  for (const renderer of new Set(planned.map((p) => p.renderer))) {
    const mine = planned.filter((p) => p.renderer === renderer);
    const results = await renderer.renderMany(mine.map((p) => p.recipient));
    mine.forEach((p, i) => rendered.set(p.o, results[i]!));
  }

  const inputs: EnqueueEmailInput[] = [];
  const sending: Outcome[] = [];
  for (const { o, account, renderer } of planned) {
    const { sub, step } = o;
    const result = rendered.get(o)!;
    // A template that cannot be rendered for this contact (a limit, a runtime error) stops this
    // subscription with the reason; the other subscriptions of the batch go on.
    if (!result.ok) {
      o.error = ['render-failed', result.message];
      continue;
    }
    inputs.push({
      organizationId,
      userId: account.user_id,
      leadId: sub.lead_id,
      contactId: sub.contact_id,
      emailAccountId: account.id,
      senderName: sub.sender_name,
      senderEmail: sub.sender_email,
      to: [sub.contact_email],
      subject: result.subject,
      bodyHtml: result.body,
      templateId: renderer.templateId,
      sequenceId: sub.sequence_id,
      sequenceSubscriptionId: sub.id,
      inReplyToActivityId: step!.threading === 'new_thread' ? null : (previousBySub.get(sub.id) ?? null),
    });
    sending.push(o);
  }
  const queued = await enqueueEmails(trx, inputs);
  sending.forEach((o, i) => (o.activityId = queued[i]!.activityId));
}

/** Runs the due step of each subscription of one organization and moves each on. */
async function runForOrganization(trx: Db, organizationId: string, subs: readonly SubscriptionRow[], ctx: StepContext): Promise<Outcome[]> {
  const data = await loadPlanData(trx, organizationId, subs);
  const now = ctx.now.getTime();
  const outcomes: Outcome[] = subs.map((sub) => {
    const plan = planFrom(data, sub, ctx.now);
    const base = { sub, step: plan?.step ?? null, logReason: null, activityId: null, error: null, nextAt: null, finishes: false };
    // Not yet due after all: outside the schedule now, the step's delay grew since it was planned,
    // or the sequence was paused after the claim's check.
    if (plan && (plan.at === null || plan.at.getTime() > now)) return { ...base, result: 'rescheduled', nextAt: plan.at };
    if (!plan) return { ...base, result: 'finished', finishes: true };
    if (plan.step.step_type === 'call') return { ...base, result: 'skipped', logReason: 'call_step' };
    return { ...base, result: 'sent' };
  });

  const emails = outcomes.filter((o) => o.result === 'sent');
  if (emails.length > 0) {
    const unsubscribed = new Set(
      (
        await trx
          .selectFrom('unsubscribed_emails')
          .select('email')
          .where('organization_id', '=', organizationId)
          .where('email', 'in', [...new Set(emails.map((o) => o.sub.contact_email.trim().toLowerCase()))])
          .execute()
      ).map((u) => u.email),
    );
    for (const o of emails) {
      if (unsubscribed.has(o.sub.contact_email.trim().toLowerCase())) Object.assign(o, { result: 'skipped', logReason: 'unsubscribed' });
    }
    await sendEmails(trx, organizationId, emails.filter((o) => o.result === 'sent'), ctx);
    for (const o of emails) if (o.error) o.result = 'error';
  }

  const ran = outcomes.filter((o) => o.result === 'sent' || o.result === 'skipped');
  if (ran.length > 0) {
    await trx
      .insertInto('sequence_subscription_steps')
      .values(
        ran.map((o) => ({
          organization_id: organizationId,
          subscription_id: o.sub.id,
          step_id: o.step!.id,
          position: o.step!.position,
          outcome: o.result as 'sent' | 'skipped',
          reason: o.logReason,
          activity_id: o.activityId,
          date_created: ctx.now,
        })),
      )
      .execute();
  }
  for (const o of ran) {
    const set = data.ran.get(o.sub.id) ?? new Set<string>();
    set.add(o.step!.id);
    data.ran.set(o.sub.id, set);
    const next = planFrom(data, { ...o.sub, date_last_step: ctx.now }, ctx.now);
    o.nextAt = next?.at ?? null;
    o.finishes = next === null;
  }
  return outcomes;
}

/**
 * Runs the due step of each claimed subscription (rows locked by the caller's transaction `trx`) and
 * moves each on; returns each subscription's result.
 */
export async function runDueSteps(trx: Db, subs: readonly SubscriptionRow[], ctx: StepContext): Promise<Map<string, StepResult>> {
  const byOrg = new Map<string, SubscriptionRow[]>();
  for (const sub of subs) byOrg.set(sub.organization_id, [...(byOrg.get(sub.organization_id) ?? []), sub]);
  const results = new Map<string, StepResult>();
  for (const [organizationId, group] of byOrg) {
    const outcomes = await runForOrganization(trx, organizationId, group, ctx);
    const rows = outcomes.map((o) => {
      const finishes = o.finishes;
      const ranStep = o.result === 'sent' || o.result === 'skipped';
      const status = o.error ? 'error' : finishes ? 'finished' : 'active';
      return {
        id: o.sub.id,
        status,
        next: status === 'active' ? o.nextAt : null,
        last: ranStep ? ctx.now : o.sub.date_last_step,
        finished: status === 'finished' ? ctx.now : null,
        reason: o.error ? o.error[0] : null,
        message: o.error ? o.error[1] : null,
      };
    });
    const updated = await sql<SubscriptionRow>`
      UPDATE sequence_subscriptions AS s
         SET status = v.status, next_step_at = v.next, date_last_step = v.last,
             date_finished = COALESCE(v.finished, s.date_finished),
             status_reason = CASE WHEN v.status = 'active' THEN s.status_reason ELSE v.reason END,
             error_message = v.message, date_updated = ${ctx.now}::timestamptz
        FROM unnest(${rows.map((r) => r.id)}::text[], ${rows.map((r) => r.status)}::text[],
                    ${rows.map((r) => r.next?.toISOString() ?? null)}::timestamptz[],
                    ${rows.map((r) => (r.last ? new Date(r.last).toISOString() : null))}::timestamptz[],
                    ${rows.map((r) => r.finished?.toISOString() ?? null)}::timestamptz[],
                    ${rows.map((r) => r.reason)}::text[], ${rows.map((r) => r.message)}::text[])
             AS v(id, status, next, last, finished, reason, message)
       WHERE s.organization_id = ${organizationId} AND s.id = v.id
      RETURNING s.*`.execute(trx);
    const before = new Map(group.map((s) => [s.id, s]));
    await recordEvents(
      trx,
      updated.rows
        .filter((row) => row.status !== 'active')
        .map((row) => ({
          organizationId,
          objectType: 'sequence_subscription',
          objectId: row.id,
          leadId: row.lead_id,
          action: 'updated',
          changedFields: row.status === 'error' ? ['status', 'status_reason'] : ['status'],
          data: subscriptionResponse(row),
          previousData: subscriptionResponse(before.get(row.id)!),
          at: ctx.now,
        })),
    );
    for (const o of outcomes) results.set(o.sub.id, o.result);
  }
  return results;
}
