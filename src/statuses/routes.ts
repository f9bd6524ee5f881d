/**
 * `/status/lead/`: list, create, get, update (label) and delete the organization's lead statuses.
 * Each change records a `status.lead` event in its transaction.
 */
import { Type } from 'typebox';
import { notFound } from '../errors.ts';
import { recordEvents } from '../events/record-event.ts';
import { FieldsQuery, IdParams } from '../http/common-schemas.ts';
import type { RequestContext } from '../http/context.ts';
import { LABEL_MAX } from '../http/input-limits.ts';
import { envelope, ListQuery, pageOf } from '../http/pagination.ts';
import type { App } from '../http/server.ts';
import { newId } from '../ids.ts';
import {
  checkLabel,
  deleteLeadStatus,
  findLeadStatus,
  insertLeadStatus,
  listLeadStatuses,
  lockOrganization,
  statusResponse,
} from './status-repository.ts';

const Params = IdParams;
const StatusBody = Type.Object(
  { label: Type.String({ maxLength: LABEL_MAX, description: 'Shown name of the status; unique per organization, case-insensitively.' }) },
  { additionalProperties: false },
);

function actor(ctx: RequestContext) {
  return { organizationId: ctx.organizationId, userId: ctx.userId, apiKeyId: ctx.apiKeyId, requestId: ctx.requestId, at: ctx.clock.now() };
}

export async function registerStatusRoutes(app: App): Promise<void> {
  const tags = ['lead statuses'];

  app.get('/status/lead/', { schema: { tags, summary: 'List lead statuses in the organization’s order', querystring: ListQuery } }, async (request) => {
    const page = pageOf(request.query);
    const rows = await listLeadStatuses(request.ctx.db, request.ctx.organizationId, page.skip, page.limit + 1);
    return envelope(rows.map(statusResponse), page);
  });

  app.post('/status/lead/', { schema: { tags, summary: 'Create a lead status (placed last)', body: StatusBody } }, async (request) => {
    const ctx = request.ctx;
    return ctx.db.transaction().execute(async (trx) => {
      await lockOrganization(trx, ctx.organizationId);
      const label = await checkLabel(trx, ctx.organizationId, request.body.label);
      const status = await insertLeadStatus(trx, ctx.organizationId, newId('stat'), label, ctx.clock.now());
      await recordEvents(trx, [{ ...actor(ctx), objectType: 'status.lead', objectId: status.id, action: 'created', data: status }]);
      return statusResponse(status);
    });
  });

  app.get('/status/lead/:id/', { schema: { tags, summary: 'Get a lead status', params: Params, querystring: FieldsQuery } }, async (request) => {
    const status = await findLeadStatus(request.ctx.db, request.ctx.organizationId, request.params.id);
    if (!status) throw notFound('lead status');
    return statusResponse(status);
  });

  app.put('/status/lead/:id/', { schema: { tags, summary: 'Rename a lead status', params: Params, body: Type.Partial(StatusBody) } }, async (request) => {
    const ctx = request.ctx;
    return ctx.db.transaction().execute(async (trx) => {
      await lockOrganization(trx, ctx.organizationId);
      const before = await findLeadStatus(trx, ctx.organizationId, request.params.id);
      if (!before) throw notFound('lead status');
      if (request.body.label === undefined) return statusResponse(before);
      const label = await checkLabel(trx, ctx.organizationId, request.body.label, before.id);
      if (label === before.label) return statusResponse(before);
      await trx
        .updateTable('lead_statuses')
        .set({ label, date_updated: ctx.clock.now() })
        .where('organization_id', '=', ctx.organizationId)
        .where('id', '=', before.id)
        .execute();
      const after = { ...before, label };
      await recordEvents(trx, [
        { ...actor(ctx), objectType: 'status.lead', objectId: before.id, action: 'updated', changedFields: ['label'], data: after, previousData: { label: before.label } },
      ]);
      return statusResponse(after);
    });
  });

  app.delete('/status/lead/:id/', { schema: { tags, summary: 'Delete a lead status no lead uses', params: Params } }, async (request) => {
    const ctx = request.ctx;
    await ctx.db.transaction().execute(async (trx) => {
      await lockOrganization(trx, ctx.organizationId);
      const status = await deleteLeadStatus(trx, ctx.organizationId, request.params.id);
      await recordEvents(trx, [{ ...actor(ctx), objectType: 'status.lead', objectId: status.id, action: 'deleted', previousData: status }]);
    });
    return {};
  });
}
