/**
 * Bulk sequence subscription (`/bulk_action/sequence_subscription/`, §2.9), with `action_type`:
 * - `subscribe`: subscribes each matched lead's recipients (`contact_preference` `lead`: the lead's
 *   first contact email; `contact`: the first email of every contact) that were never subscribed to
 *   `sequence_id`; others are skipped (`already_subscribed`, `no_email`), so a re-run is harmless.
 * - `pause`: active subscriptions become `paused` with `status_reason` `bulk-action`.
 * - `resume`: paused subscriptions become `active`, continuing from their next step.
 * - `resume_finished`: finished subscriptions continue with steps added since they finished
 *   (none: skipped, `no_new_steps`).
 * Without `sequence_id`, pause/resume/resume_finished act on the matched leads' subscriptions of
 * every sequence. `n_objects` counts subscriptions created or changed.
 */
import { Type } from 'typebox';
import { fieldError, fieldErrors } from '../../errors.ts';
import { recordEvents } from '../../events/record-event.ts';
import { IdString, nullableString } from '../../http/common-schemas.ts';
import { EMAIL_MAX, ID_MAX, LABEL_MAX, NAME_MAX, SMALL_LIST_MAX } from '../../http/input-limits.ts';
import { countSubscribeCandidates, subscribeLeads } from '../../sequences/bulk-subscribe.ts';
import { findSequence } from '../../sequences/sequence-repository.ts';
import { senderErrors, subscriptionResponse } from '../../sequences/subscription-repository.ts';
import { changeSubscriptions, type SubscriptionChange } from '../../sequences/subscription-state.ts';
import { BulkActionFatalError, type BulkActionKind, type BulkActionRecord, type ItemOutcome, type Trx } from '../kind.ts';

const ACTION_TYPES = ['subscribe', 'pause', 'resume', 'resume_finished'] as const;
type ActionType = (typeof ACTION_TYPES)[number];

export interface SequenceSubscriptionParams {
  readonly action_type: ActionType;
  readonly sequence_id: string | null;
  readonly sender_account_id: string | null;
  readonly sender_name: string | null;
  readonly sender_email: string | null;
  readonly contact_preference: 'lead' | 'contact' | null;
  readonly calls_assigned_to: readonly string[] | null;
  readonly from_phone_number_id: string | null;
}

/** The state each change acts on, and the skip reason of a lead that has none in it. */
const CHANGE: Record<Exclude<ActionType, 'subscribe'>, { change: SubscriptionChange; from: string; none: string }> = {
  pause: { change: 'pause', from: 'active', none: 'no_active_subscription' },
  resume: { change: 'resume', from: 'paused', none: 'no_paused_subscription' },
  resume_finished: { change: 'resume_finished', from: 'finished', none: 'no_finished_subscription' },
};

const optional = (maxLength: number) => Type.Optional(nullableString(maxLength));

// The engine does not hand its clock to kinds; the batch runs now.
const batchTime = () => new Date();

async function changeBatch(trx: Trx, action: BulkActionRecord<SequenceSubscriptionParams>, leadIds: readonly string[]): Promise<ItemOutcome[]> {
  const p = action.params;
  const spec = CHANGE[p.action_type as Exclude<ActionType, 'subscribe'>];
  let query = trx
    .selectFrom('sequence_subscriptions')
    .select(['id', 'lead_id', 'status'])
    .where('organization_id', '=', action.organizationId)
    .where('lead_id', 'in', [...leadIds])
    .where('date_deleted', 'is', null);
  if (p.sequence_id) query = query.where('sequence_id', '=', p.sequence_id);
  const subs = await query.execute();
  const eligible = subs.filter((s) => s.status === spec.from).map((s) => s.id);
  const now = batchTime();
  const result = await changeSubscriptions(trx, {
    organizationId: action.organizationId,
    userId: action.createdBy || null,
    now,
    ids: eligible,
    change: spec.change,
    reason: 'bulk-action',
  });
  if (result.changed.length > 0) {
    const rows = await trx
      .selectFrom('sequence_subscriptions')
      .selectAll()
      .where('organization_id', '=', action.organizationId)
      .where('id', 'in', result.changed.map((c) => c.id))
      .execute();
    await recordEvents(
      trx,
      rows.map((row) => ({
        organizationId: action.organizationId,
        objectType: 'sequence_subscription',
        objectId: row.id,
        leadId: row.lead_id,
        action: 'updated',
        userId: action.createdBy || null,
        changedFields: ['status', 'status_reason'],
        data: subscriptionResponse(row),
        meta: { bulk_action_id: action.id },
        at: now,
      })),
    );
  }
  const changedPerLead = new Map<string, number>();
  for (const c of result.changed) changedPerLead.set(c.lead_id, (changedPerLead.get(c.lead_id) ?? 0) + 1);
  const noNewSteps = new Set(subs.filter((s) => result.skipped.get(s.id) === 'no_new_steps').map((s) => s.lead_id));
  const existing = await trx.selectFrom('leads').select('id').where('organization_id', '=', action.organizationId).where('id', 'in', [...leadIds]).execute();
  return existing.map(({ id }) => {
    const n = changedPerLead.get(id) ?? 0;
    if (n > 0) return { leadId: id, status: 'done' as const, nObjects: n };
    return { leadId: id, status: 'skipped' as const, reason: noNewSteps.has(id) ? 'no_new_steps' : spec.none, nObjects: 0 };
  });
}

export const sequenceSubscriptionKind: BulkActionKind<SequenceSubscriptionParams> = {
  name: 'sequence_subscription',
  idPrefix: 'bulkseqsub',
  bodyProperties: {
    action_type: optional(LABEL_MAX),
    sequence_id: optional(ID_MAX),
    sender_account_id: optional(ID_MAX),
    sender_name: optional(NAME_MAX),
    sender_email: optional(EMAIL_MAX),
    contact_preference: optional(LABEL_MAX),
    calls_assigned_to: Type.Optional(Type.Union([Type.Array(IdString, { maxItems: SMALL_LIST_MAX }), Type.Null()])),
    from_phone_number_id: optional(ID_MAX),
  },

  async validateCreate(ctx, body) {
    const actionType = body.action_type;
    if (actionType === undefined || actionType === null) throw fieldError('action_type', 'This field is required.');
    if (actionType === 'reassign') throw fieldError('action_type', '"reassign" is not supported; use subscribe, pause, resume or resume_finished.');
    if (!ACTION_TYPES.includes(actionType as ActionType)) {
      throw fieldError('action_type', `Input should be one of: ${ACTION_TYPES.map((t) => JSON.stringify(t)).join(', ')}.`);
    }
    const str = (key: string) => (typeof body[key] === 'string' && body[key] !== '' ? (body[key] as string) : null);
    const params = {
      action_type: actionType as ActionType,
      sequence_id: str('sequence_id'),
      sender_account_id: null as string | null,
      sender_name: null as string | null,
      sender_email: null as string | null,
      contact_preference: null as 'lead' | 'contact' | null,
      calls_assigned_to: (body.calls_assigned_to as string[] | null | undefined) ?? null,
      from_phone_number_id: str('from_phone_number_id'),
    };
    const errors: Record<string, string> = {};
    if (params.action_type === 'subscribe') {
      for (const key of ['sequence_id', 'sender_account_id', 'sender_name', 'sender_email', 'contact_preference'] as const) {
        if (str(key) === null) errors[key] = 'This field is required for subscribe.';
      }
      const preference = str('contact_preference');
      if (preference !== null && preference !== 'lead' && preference !== 'contact') {
        errors.contact_preference = 'Input should be one of: "lead", "contact".';
      }
      params.sender_account_id = str('sender_account_id');
      params.sender_name = str('sender_name');
      params.sender_email = str('sender_email');
      params.contact_preference = preference as 'lead' | 'contact' | null;
    }
    if (params.sequence_id !== null && !(await findSequence(ctx.db, ctx.organizationId, params.sequence_id))) {
      errors.sequence_id = `Unknown sequence: ${params.sequence_id}.`;
    }
    if (params.sender_account_id !== null && params.sender_email !== null && !errors.sequence_id) {
      Object.assign(errors, await senderErrors(ctx.db, ctx.organizationId, params.sender_account_id, params.sender_email));
    }
    if (Object.keys(errors).length > 0) throw fieldErrors(errors);
    return params;
  },

  serialize(params) {
    return {
      action_type: params.action_type,
      sequence_id: params.sequence_id,
      sender_account_id: params.sender_account_id,
      sender_name: params.sender_name,
      sender_email: params.sender_email,
      contact_preference: params.contact_preference,
      calls_assigned_to: params.calls_assigned_to,
      from_phone_number_id: params.from_phone_number_id,
    };
  },

  async onLoaded(trx, action, nLeads) {
    const p = action.params;
    if (p.action_type !== 'subscribe') {
      // Subscriptions in the state the change acts on (for resume_finished, an upper bound: those
      // without new steps are skipped when their lead's turn comes).
      let query = trx
        .selectFrom('sequence_subscriptions as s')
        .innerJoin('bulk_action_items as i', (join) => join.onRef('i.organization_id', '=', 's.organization_id').onRef('i.lead_id', '=', 's.lead_id'))
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('i.organization_id', '=', action.organizationId)
        .where('i.action_id', '=', action.id)
        .where('s.status', '=', CHANGE[p.action_type].from as 'active')
        .where('s.date_deleted', 'is', null);
      if (p.sequence_id) query = query.where('s.sequence_id', '=', p.sequence_id);
      const row = await query.executeTakeFirst();
      return row ? Number(row.n) : nLeads;
    }
    return countSubscribeCandidates(trx, {
      organizationId: action.organizationId,
      sequenceId: p.sequence_id!,
      contactPreference: p.contact_preference!,
      bulkActionId: action.id,
    });
  },

  async prepare(trx, action) {
    const id = action.params.sequence_id;
    if (id !== null && !(await findSequence(trx, action.organizationId, id))) {
      throw new BulkActionFatalError(`The sequence ${id} was deleted.`);
    }
    const { sender_account_id: accountId, sender_email: senderEmail } = action.params;
    if (action.params.action_type === 'subscribe' && accountId && senderEmail) {
      const problems = await senderErrors(trx, action.organizationId, accountId, senderEmail);
      const message = Object.values(problems)[0];
      if (message) throw new BulkActionFatalError(message);
    }
  },

  async processBatch(trx, action, items) {
    const leadIds = items.map((item) => item.leadId);
    const p = action.params;
    if (p.action_type !== 'subscribe') return changeBatch(trx, action, leadIds);
    const results = await subscribeLeads(
      trx,
      {
        organizationId: action.organizationId,
        sequenceId: p.sequence_id!,
        senderAccountId: p.sender_account_id!,
        senderName: p.sender_name!,
        senderEmail: p.sender_email!,
        contactPreference: p.contact_preference!,
        callsAssignedTo: p.calls_assigned_to,
        userId: action.createdBy || null,
        bulkActionId: action.id,
      },
      leadIds,
      batchTime(),
    );
    const existing = await trx.selectFrom('leads').select('id').where('organization_id', '=', action.organizationId).where('id', 'in', leadIds).execute();
    return existing.map(({ id }) => {
      const r = results.get(id)!;
      return r.subscribed > 0
        ? { leadId: id, status: 'done' as const, nObjects: r.subscribed }
        : { leadId: id, status: 'skipped' as const, reason: r.reason, nObjects: 0 };
    });
  },

  describe(params) {
    const scope = params.sequence_id ? `sequence ${params.sequence_id}` : 'every sequence';
    switch (params.action_type) {
      case 'subscribe':
        return `Subscribed contacts to ${scope}.`;
      case 'pause':
        return `Paused subscriptions of ${scope}.`;
      case 'resume':
        return `Resumed paused subscriptions of ${scope}.`;
      case 'resume_finished':
        return `Resumed finished subscriptions of ${scope}.`;
    }
  },
};
