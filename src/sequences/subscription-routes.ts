/**
 * `/sequence_subscription/` (§4.6): list (one of `sequence_id`, `contact_id`, `lead_id` required),
 * create (201, as Close), get, update (`status` paused/active, sender fields), delete. A delete hides
 * the subscription but keeps its row, so the contact still counts as "subscribed before" for a bulk
 * subscribe; a later single create for the same contact starts a fresh subscription.
 */
import { Type } from 'typebox';
import { badRequest, fieldError, fieldErrors, notFound } from '../errors.ts';
import { recordEvent } from '../events/record-event.ts';
import { FieldsQuery, IdParams, IdString } from '../http/common-schemas.ts';
import type { RequestContext } from '../http/context.ts';
import { EMAIL_MAX, ID_MAX, NAME_MAX, SMALL_LIST_MAX } from '../http/input-limits.ts';
import { envelope, ListQuery, pageOf } from '../http/pagination.ts';
import type { App } from '../http/server.ts';
import { newId } from '../ids.ts';
import { planNextSteps } from './next-step.ts';
import { findSequence } from './sequence-repository.ts';
import { findSubscription, senderErrors, subscriptionResponse, type SubscriptionRow } from './subscription-repository.ts';
import { changeSubscriptions } from './subscription-state.ts';

const Params = IdParams;
const Required = (maxLength: number) => Type.String({ minLength: 1, maxLength });
const CallsAssignedTo = Type.Union([Type.Array(IdString, { maxItems: SMALL_LIST_MAX }), Type.Null()]);

const CreateBody = Type.Object(
  {
    sequence_id: Required(ID_MAX),
    contact_id: Required(ID_MAX),
    contact_email: Required(EMAIL_MAX),
    sender_account_id: Required(ID_MAX),
    sender_name: Required(NAME_MAX),
    sender_email: Required(EMAIL_MAX),
    calls_assigned_to: Type.Optional(CallsAssignedTo),
  },
  { additionalProperties: false },
);

const UpdateBody = Type.Object(
  {
    status: Type.Optional(Type.Union([Type.Literal('paused'), Type.Literal('active')])),
    sender_account_id: Type.Optional(Required(ID_MAX)),
    sender_name: Type.Optional(Required(NAME_MAX)),
    sender_email: Type.Optional(Required(EMAIL_MAX)),
    calls_assigned_to: Type.Optional(CallsAssignedTo),
  },
  { additionalProperties: false },
);

const ListFilters = Type.Intersect([
  ListQuery,
  Type.Object({
    sequence_id: Type.Optional(IdString),
    contact_id: Type.Optional(IdString),
    lead_id: Type.Optional(IdString),
  }),
]);

async function recordSubscriptionEvent(ctx: RequestContext, trx: RequestContext['db'], row: SubscriptionRow, action: string, previous?: SubscriptionRow) {
  await recordEvent(trx, {
    organizationId: ctx.organizationId,
    objectType: 'sequence_subscription',
    objectId: row.id,
    leadId: row.lead_id,
    action,
    userId: ctx.userId,
    apiKeyId: ctx.apiKeyId,
    requestId: ctx.requestId,
    data: subscriptionResponse(row),
    previousData: previous ? subscriptionResponse(previous) : undefined,
    at: ctx.clock.now(),
  });
}

export async function registerSubscriptionRoutes(app: App): Promise<void> {
  app.get(
    '/sequence_subscription/',
    { schema: { tags: ['sequences'], summary: 'List sequence subscriptions', querystring: ListFilters } },
    async (request) => {
      const { db, organizationId } = request.ctx;
      const q = request.query;
      if (q.sequence_id === undefined && q.contact_id === undefined && q.lead_id === undefined) {
        throw badRequest('One of sequence_id, contact_id or lead_id is required.');
      }
      const page = pageOf(q);
      let query = db
        .selectFrom('sequence_subscriptions')
        .selectAll()
        .where('organization_id', '=', organizationId)
        .where('date_deleted', 'is', null);
      if (q.sequence_id !== undefined) query = query.where('sequence_id', '=', q.sequence_id);
      if (q.contact_id !== undefined) query = query.where('contact_id', '=', q.contact_id);
      if (q.lead_id !== undefined) query = query.where('lead_id', '=', q.lead_id);
      const rows = await query.orderBy('date_created').orderBy('id').offset(page.skip).limit(page.limit + 1).execute();
      return envelope(rows.map(subscriptionResponse), page);
    },
  );

  app.post(
    '/sequence_subscription/',
    { schema: { tags: ['sequences'], summary: 'Subscribe a contact to a sequence', body: CreateBody, querystring: FieldsQuery } },
    async (request, reply) => {
      const ctx = request.ctx;
      const body = request.body;
      const now = ctx.clock.now();
      const row = await ctx.db.transaction().execute(async (trx) => {
        const sequence = await findSequence(trx, ctx.organizationId, body.sequence_id);
        if (!sequence) throw fieldError('sequence_id', `Unknown sequence: ${body.sequence_id}.`);
        const contact = await trx
          .selectFrom('contacts')
          .select(['id', 'lead_id'])
          .where('organization_id', '=', ctx.organizationId)
          .where('id', '=', body.contact_id)
          .executeTakeFirst();
        if (!contact) throw fieldError('contact_id', `Unknown contact: ${body.contact_id}.`);
        const emails = await trx
          .selectFrom('contact_emails')
          .select('email')
          .where('organization_id', '=', ctx.organizationId)
          .where('contact_id', '=', contact.id)
          .execute();
        const errors = await senderErrors(trx, ctx.organizationId, body.sender_account_id, body.sender_email);
        if (!emails.some((e) => e.email.toLowerCase() === body.contact_email.toLowerCase())) {
          errors.contact_email = 'contact_email must be one of the contact’s email addresses.';
        }
        if (Object.keys(errors).length > 0) throw fieldErrors(errors);
        const existing = await trx
          .selectFrom('sequence_subscriptions')
          .select(['id', 'date_deleted'])
          .where('organization_id', '=', ctx.organizationId)
          .where('sequence_id', '=', sequence.id)
          .where('contact_id', '=', contact.id)
          .forUpdate()
          .executeTakeFirst();
        if (existing && existing.date_deleted === null) {
          throw fieldError('contact_id', 'This contact is already subscribed to this sequence.');
        }
        if (existing) await trx.deleteFrom('sequence_subscriptions').where('id', '=', existing.id).execute();
        const id = newId('sub');
        const plan = (await planNextSteps(trx, ctx.organizationId, [{ id, sequence_id: sequence.id, start_date: now, date_last_step: null }], now)).get(id);
        const inserted = await trx
          .insertInto('sequence_subscriptions')
          .values({
            id,
            organization_id: ctx.organizationId,
            sequence_id: sequence.id,
            contact_id: contact.id,
            lead_id: contact.lead_id,
            contact_email: body.contact_email,
            sender_account_id: body.sender_account_id,
            sender_name: body.sender_name,
            sender_email: body.sender_email,
            calls_assigned_to: body.calls_assigned_to ? JSON.stringify(body.calls_assigned_to) : null,
            status: 'active',
            start_date: now,
            // With no step at all, it is due now and the scheduler finishes it.
            next_step_at: plan ? plan.at : now,
            created_by_id: ctx.userId,
            updated_by_id: ctx.userId,
            date_created: now,
            date_updated: now,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        await recordSubscriptionEvent(ctx, trx, inserted, 'created');
        return inserted;
      });
      return reply.status(201).send(subscriptionResponse(row));
    },
  );

  app.get(
    '/sequence_subscription/:id/',
    { schema: { tags: ['sequences'], summary: 'Get a sequence subscription', params: Params, querystring: FieldsQuery } },
    async (request) => {
      const row = await findSubscription(request.ctx.db, request.ctx.organizationId, request.params.id);
      if (!row) throw notFound('sequence subscription');
      return subscriptionResponse(row);
    },
  );

  app.put(
    '/sequence_subscription/:id/',
    { schema: { tags: ['sequences'], summary: 'Pause, resume or change the sender of a subscription', params: Params, body: UpdateBody, querystring: FieldsQuery } },
    async (request) => {
      const ctx = request.ctx;
      const body = request.body ?? {};
      const now = ctx.clock.now();
      const row = await ctx.db.transaction().execute(async (trx) => {
        const before = await findSubscription(trx, ctx.organizationId, request.params.id, true);
        if (!before) throw notFound('sequence subscription');
        if (body.sender_account_id !== undefined || body.sender_email !== undefined) {
          const errors = await senderErrors(trx, ctx.organizationId, body.sender_account_id ?? before.sender_account_id, body.sender_email ?? before.sender_email);
          if (Object.keys(errors).length > 0) throw fieldErrors(errors);
        }
        const changes: Record<string, unknown> = {};
        for (const key of ['sender_account_id', 'sender_name', 'sender_email'] as const) {
          if (body[key] !== undefined) changes[key] = body[key];
        }
        if (body.calls_assigned_to !== undefined) changes.calls_assigned_to = body.calls_assigned_to === null ? null : JSON.stringify(body.calls_assigned_to);
        if (Object.keys(changes).length > 0) {
          await trx
            .updateTable('sequence_subscriptions')
            .set({ ...changes, updated_by_id: ctx.userId, date_updated: now })
            .where('organization_id', '=', ctx.organizationId)
            .where('id', '=', before.id)
            .execute();
        }
        if (body.status !== undefined && body.status !== before.status) {
          const change = body.status === 'paused' ? 'pause' : before.status === 'finished' ? 'resume_finished' : 'resume';
          const result = await changeSubscriptions(trx, { organizationId: ctx.organizationId, userId: ctx.userId, now, ids: [before.id], change, reason: 'manual' });
          const why = result.skipped.get(before.id);
          if (why === 'no_new_steps') throw fieldError('status', 'The subscription has no step left to run.');
          if (why) throw fieldError('status', `A ${before.status} subscription cannot become ${body.status}.`);
        }
        const after = (await findSubscription(trx, ctx.organizationId, before.id))!;
        await recordSubscriptionEvent(ctx, trx, after, 'updated', before);
        return after;
      });
      return subscriptionResponse(row);
    },
  );

  app.delete(
    '/sequence_subscription/:id/',
    { schema: { tags: ['sequences'], summary: 'Unsubscribe (delete a subscription)', params: Params } },
    async (request) => {
      const ctx = request.ctx;
      const now = ctx.clock.now();
      await ctx.db.transaction().execute(async (trx) => {
        const before = await findSubscription(trx, ctx.organizationId, request.params.id, true);
        if (!before) throw notFound('sequence subscription');
        await trx
          .updateTable('sequence_subscriptions')
          .set({ date_deleted: now, next_step_at: null, updated_by_id: ctx.userId, date_updated: now })
          .where('organization_id', '=', ctx.organizationId)
          .where('id', '=', before.id)
          .execute();
        await recordSubscriptionEvent(ctx, trx, before, 'deleted');
      });
      return {};
    },
  );
}
