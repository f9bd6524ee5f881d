/**
 * `/lead/`: list (optionally by Close's legacy search `query`), create, get, update (PUT acts as
 * PATCH), delete.
 */
import { Type } from 'typebox';
import { notFound } from '../errors.ts';
import { parseFieldsParam } from '../http/fields.ts';
import { FieldsQuery, IdParams } from '../http/common-schemas.ts';
import { ListQuery, pageOf } from '../http/pagination.ts';
import { listSearch } from '../search/legacy/index.ts';
import { LegacyQueryParam } from '../search/legacy/query-param.ts';
import type { App } from '../http/server.ts';
import { actorOf } from './actor.ts';
import { createLead } from './create-lead.ts';
import { deleteLeads } from './delete-leads.ts';
import { GET_LEAD_RIDING } from './get-lead.ts';
import { listLeads } from './list-leads.ts';
import { LeadCreateBody, LeadUpdateBody } from './schemas.ts';
import { updateLead } from './update-lead.ts';


export async function registerLeadRoutes(app: App): Promise<void> {
  app.get(
    '/lead/',
    {
      schema: {
        tags: ['leads'],
        summary: 'List leads (oldest first), or those a legacy search `query` matches',
        querystring: Type.Intersect([ListQuery, Type.Object({ query: Type.Optional(LegacyQueryParam) })]),
      },
    },
    async (request) => {
      const { db, organizationId, config } = request.ctx;
      const fields = parseFieldsParam(request.query._fields);
      const search = request.query.query === undefined ? undefined : await listSearch(request.ctx, request.query.query, 'lead');
      return listLeads(db, organizationId, pageOf(request.query), { publicUrl: config.publicUrl, ...(fields ? { fields } : {}), ...(search ? { search } : {}) });
    },
  );

  app.post(
    '/lead/',
    { schema: { tags: ['leads'], summary: 'Create a lead with contacts and addresses', body: LeadCreateBody, querystring: FieldsQuery } },
    async (request) => {
      const body = request.body as LeadCreateBody & Record<string, unknown>;
      return request.ctx.db.transaction().execute((trx) => createLead(trx, actorOf(request.ctx), body));
    },
  );

  app.get(
    '/lead/:id/',
    { schema: { tags: ['leads'], summary: 'Get a lead', params: IdParams, querystring: FieldsQuery }, config: { authenticatesWithRead: true } },
    async (request) => {
      // The whole object, whatever `_fields` asks: one statement costs less than choosing parts.
      const id = request.params.id;
      const lead = await request.authenticateWith(GET_LEAD_RIDING, ({ config }) => ({ lead: id, public_url: config.publicUrl }));
      if (!lead) throw notFound('lead');
      return lead;
    },
  );

  app.put(
    '/lead/:id/',
    { schema: { tags: ['leads'], summary: 'Update a lead (only the keys sent)', params: IdParams, body: LeadUpdateBody, querystring: FieldsQuery } },
    async (request) => {
      const body = (request.body ?? {}) as LeadUpdateBody & Record<string, unknown>;
      return request.ctx.db.transaction().execute((trx) => updateLead(trx, actorOf(request.ctx), request.params.id, body));
    },
  );

  app.delete(
    '/lead/:id/',
    { schema: { tags: ['leads'], summary: 'Delete a lead with its contacts', params: IdParams } },
    async (request) => {
      const ctx = request.ctx;
      const deleted = await ctx.db.transaction().execute((trx) =>
        deleteLeads(trx, ctx.organizationId, [request.params.id], {
          userId: ctx.userId,
          apiKeyId: ctx.apiKeyId,
          requestId: ctx.requestId,
          at: ctx.clock.now(),
          publicUrl: ctx.config.publicUrl,
        }),
      );
      if (deleted.length === 0) throw notFound('lead');
      return {};
    },
  );
}
