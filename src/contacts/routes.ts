/**
 * `/contact/`: list (filter `lead_id`, Close's legacy search `query`), create, get, update (PUT acts
 * as PATCH), delete.
 */
import { Type } from 'typebox';
import { notFound } from '../errors.ts';
import { FieldsQuery, IdParams, IdString } from '../http/common-schemas.ts';
import { envelope, ListQuery, pageOf } from '../http/pagination.ts';
import type { App } from '../http/server.ts';
import { actorOf } from '../leads/actor.ts';
import type { Query } from '../search/ast.ts';
import { listSearch } from '../search/legacy/index.ts';
import { matchingIds } from '../search/legacy/matching-page.ts';
import { LegacyQueryParam } from '../search/legacy/query-param.ts';
import { ContactCreateBody, ContactUpdateBody } from './schemas.ts';
import { loadContactObjects } from './serialize.ts';
import { createContact, deleteContact, updateContact } from './write-contact.ts';

type Body = ContactCreateBody & Record<string, unknown>;

/** Contacts of the lead `leadId`, as a search condition. */
function leadIdIs(leadId: string): Query {
  return {
    type: 'field_condition',
    negate: false,
    field: { type: 'regular_field', object_type: 'contact', field_name: 'lead_id' },
    condition: { type: 'reference', reference_type: 'lead', object_ids: [leadId] },
  };
}

export async function registerContactRoutes(app: App): Promise<void> {
  app.get(
    '/contact/',
    {
      schema: {
        tags: ['contacts'],
        summary: 'List contacts (oldest first), optionally of one lead or those a legacy search `query` matches',
        querystring: Type.Intersect([ListQuery, Type.Object({ lead_id: Type.Optional(IdString), query: Type.Optional(LegacyQueryParam) })]),
      },
    },
    async (request) => {
      const { db, organizationId } = request.ctx;
      const page = pageOf(request.query);
      const { lead_id: leadId, query: text } = request.query;
      let ids: string[];
      if (text !== undefined) {
        // `lead_id` joins the query by "and", as a condition on the contact's lead.
        const byLead: Query[] = leadId === undefined ? [] : [leadIdIs(leadId)];
        const search = await listSearch(request.ctx, text, 'contact', byLead);
        ids = await matchingIds(db, search.selection, search.scope, page);
      } else {
        let query = db.selectFrom('contacts').select('id').where('organization_id', '=', organizationId);
        if (leadId !== undefined) query = query.where('lead_id', '=', leadId);
        ids = (await query.orderBy('date_created').orderBy('id').offset(page.skip).limit(page.limit + 1).execute()).map((r) => r.id);
      }
      const objects = await loadContactObjects(db, organizationId, ids);
      return envelope(ids.map((id) => objects.get(id)).filter((o) => o !== undefined), page);
    },
  );

  app.post(
    '/contact/',
    { schema: { tags: ['contacts'], summary: 'Create a contact (without lead_id: on a new lead)', body: ContactCreateBody, querystring: FieldsQuery } },
    async (request) => request.ctx.db.transaction().execute((trx) => createContact(trx, actorOf(request.ctx), request.body as Body)),
  );

  app.get(
    '/contact/:id/',
    { schema: { tags: ['contacts'], summary: 'Get a contact', params: IdParams, querystring: FieldsQuery } },
    async (request) => {
      const { db, organizationId } = request.ctx;
      const contact = (await loadContactObjects(db, organizationId, [request.params.id])).get(request.params.id);
      if (!contact) throw notFound('contact');
      return contact;
    },
  );

  app.put(
    '/contact/:id/',
    { schema: { tags: ['contacts'], summary: 'Update a contact (only the keys sent)', params: IdParams, body: ContactUpdateBody, querystring: FieldsQuery } },
    async (request) =>
      request.ctx.db.transaction().execute((trx) => updateContact(trx, actorOf(request.ctx), request.params.id, (request.body ?? {}) as Body)),
  );

  app.delete(
    '/contact/:id/',
    { schema: { tags: ['contacts'], summary: 'Delete a contact', params: IdParams } },
    async (request) => {
      await request.ctx.db.transaction().execute((trx) => deleteContact(trx, actorOf(request.ctx), request.params.id));
      return {};
    },
  );
}

