/**
 * `/sequence/`: list, create, get, update, delete (§4.5). A sequence's `status` decides whether its
 * subscriptions run at all: the scheduler only sends for `active` sequences, so pausing one stops
 * every subscription without touching them, and resuming lets the due ones go at the next window.
 */
import type { Db } from '../db/database.ts';
import { fieldError, fieldErrors, notFound } from '../errors.ts';
import { recordEvent } from '../events/record-event.ts';
import { FieldsQuery, IdParams } from '../http/common-schemas.ts';
import type { RequestContext } from '../http/context.ts';
import { envelope, ListQuery, pageOf } from '../http/pagination.ts';
import type { App } from '../http/server.ts';
import { newId } from '../ids.ts';
import { replanSequence } from './next-step.ts';
import { isValidTimezone, scheduleErrors, type Schedule } from './schedule.ts';
import { CreateSequenceBody, UpdateSequenceBody } from './sequence-schemas.ts';
import { findSequence, loadSteps, sequenceResponse, subscriptionCounts, writeSteps } from './sequence-repository.ts';
import { recordSubscriptionsDeleted, subscriptionsIn } from './subscription-events.ts';

const Params = IdParams;

function checkTimezoneAndSchedule(timezone: string | undefined, schedule: Schedule | null | undefined): void {
  const errors: Record<string, string> = {};
  if (timezone !== undefined && !isValidTimezone(timezone)) errors.timezone = `Unknown timezone: ${timezone}.`;
  if (schedule) Object.assign(errors, scheduleErrors(schedule));
  if (Object.keys(errors).length > 0) throw fieldErrors(errors);
}

/** The full response of one sequence, with its steps and subscription counts. */
async function fullResponse(db: Db, organizationId: string, id: string): Promise<Record<string, unknown>> {
  const row = await findSequence(db, organizationId, id);
  if (!row) throw notFound('sequence');
  const steps = (await loadSteps(db, organizationId, [id])).get(id) ?? [];
  return sequenceResponse(row, steps, await subscriptionCounts(db, organizationId, id));
}

function eventBase(ctx: RequestContext, objectId: string) {
  return {
    organizationId: ctx.organizationId,
    objectType: 'sequence',
    objectId,
    userId: ctx.userId,
    apiKeyId: ctx.apiKeyId,
    requestId: ctx.requestId,
    at: ctx.clock.now(),
  };
}

export async function registerSequenceCrudRoutes(app: App): Promise<void> {
  app.get('/sequence/', { schema: { tags: ['sequences'], summary: 'List sequences', querystring: ListQuery } }, async (request) => {
    const { db, organizationId } = request.ctx;
    const page = pageOf(request.query);
    const rows = await db
      .selectFrom('sequences')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .orderBy('date_created')
      .orderBy('id')
      .offset(page.skip)
      .limit(page.limit + 1)
      .execute();
    const steps = await loadSteps(db, organizationId, rows.map((r) => r.id));
    return envelope(rows.map((row) => sequenceResponse(row, steps.get(row.id) ?? [])), page);
  });

  app.post('/sequence/', { schema: { tags: ['sequences'], summary: 'Create a sequence', body: CreateSequenceBody, querystring: FieldsQuery } }, async (request) => {
    const ctx = request.ctx;
    const body = request.body;
    checkTimezoneAndSchedule(body.timezone, body.schedule);
    const id = newId('seq');
    const now = ctx.clock.now();
    await ctx.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('sequences')
        .values({
          id,
          organization_id: ctx.organizationId,
          name: body.name,
          status: body.status ?? 'active',
          timezone: body.timezone ?? 'UTC',
          schedule: body.schedule ? JSON.stringify(body.schedule) : null,
          created_by_id: ctx.userId,
          updated_by_id: ctx.userId,
          date_created: now,
          date_updated: now,
        })
        .execute();
      await writeSteps(trx, { organizationId: ctx.organizationId, userId: ctx.userId, now }, id, body.steps ?? [], []);
      await recordEvent(trx, { ...eventBase(ctx, id), action: 'created', data: await fullResponse(trx, ctx.organizationId, id) });
    });
    return fullResponse(ctx.db, ctx.organizationId, id);
  });

  app.get('/sequence/:id/', { schema: { tags: ['sequences'], summary: 'Get a sequence', params: Params, querystring: FieldsQuery } }, async (request) =>
    fullResponse(request.ctx.db, request.ctx.organizationId, request.params.id),
  );

  app.put(
    '/sequence/:id/',
    { schema: { tags: ['sequences'], summary: 'Update a sequence', params: Params, body: UpdateSequenceBody, querystring: FieldsQuery } },
    async (request) => {
      const ctx = request.ctx;
      const body = request.body ?? {};
      const id = request.params.id;
      checkTimezoneAndSchedule(body.timezone, body.schedule);
      const now = ctx.clock.now();
      await ctx.db.transaction().execute(async (trx) => {
        const before = await trx
          .selectFrom('sequences')
          .selectAll()
          .where('organization_id', '=', ctx.organizationId)
          .where('id', '=', id)
          .forUpdate()
          .executeTakeFirst();
        if (!before) throw notFound('sequence');
        const previous = await fullResponse(trx, ctx.organizationId, id);
        const changes: Record<string, unknown> = {};
        if (body.name !== undefined) changes.name = body.name;
        if (body.status !== undefined) changes.status = body.status;
        if (body.timezone !== undefined) changes.timezone = body.timezone;
        if (body.schedule !== undefined) changes.schedule = body.schedule === null ? null : JSON.stringify(body.schedule);
        await trx
          .updateTable('sequences')
          .set({ ...changes, updated_by_id: ctx.userId, date_updated: now })
          .where('organization_id', '=', ctx.organizationId)
          .where('id', '=', id)
          .execute();
        if (body.steps !== undefined) {
          const existing = (await loadSteps(trx, ctx.organizationId, [id])).get(id) ?? [];
          await writeSteps(trx, { organizationId: ctx.organizationId, userId: ctx.userId, now }, id, body.steps, existing);
        }
        const status = body.status ?? before.status;
        if (status !== 'active' && before.status === 'active') {
          // Out of the scheduler's queue while not active (claims would otherwise walk past every
          // due subscription of the sequence); reactivation replans them from their step logs.
          await trx
            .updateTable('sequence_subscriptions')
            .set({ next_step_at: null })
            .where('organization_id', '=', ctx.organizationId)
            .where('sequence_id', '=', id)
            .where('status', '=', 'active')
            .execute();
        } else if (status === 'active' && (before.status !== 'active' || body.steps !== undefined || body.schedule !== undefined || body.timezone !== undefined)) {
          await replanSequence(trx, ctx.organizationId, id, now);
        }
        const changed = Object.keys(body).filter((key) => (body as Record<string, unknown>)[key] !== undefined);
        await recordEvent(trx, {
          ...eventBase(ctx, id),
          action: 'updated',
          changedFields: changed,
          data: await fullResponse(trx, ctx.organizationId, id),
          previousData: previous,
        });
      });
      return fullResponse(ctx.db, ctx.organizationId, id);
    },
  );

  app.delete('/sequence/:id/', { schema: { tags: ['sequences'], summary: 'Delete a sequence', params: Params } }, async (request) => {
    const ctx = request.ctx;
    await ctx.db.transaction().execute(async (trx) => {
      const previous = await fullResponse(trx, ctx.organizationId, request.params.id);
      // Its subscriptions go with it (ON DELETE CASCADE), each with its `deleted` event.
      const subscriptions = await subscriptionsIn(trx, ctx.organizationId, { sequenceId: request.params.id });
      const deleted = await trx
        .deleteFrom('sequences')
        .where('organization_id', '=', ctx.organizationId)
        .where('id', '=', request.params.id)
        .executeTakeFirst();
      if (Number(deleted.numDeletedRows) === 0) throw fieldError('id', 'Unknown sequence.');
      await recordEvent(trx, { ...eventBase(ctx, request.params.id), action: 'deleted', previousData: previous });
      await recordSubscriptionsDeleted(trx, subscriptions, { userId: ctx.userId, apiKeyId: ctx.apiKeyId, requestId: ctx.requestId, at: ctx.clock.now() });
    });
    return {};
  });
}
