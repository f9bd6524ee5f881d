/**
 * `/contact/`: list (filter `lead_id`), create, get, update (PUT acts as PATCH), delete.
 */
import { Type } from 'typebox';
import { notFound } from '../errors.ts';
import { FieldsQuery, IdParams, IdString } from '../http/common-schemas.ts';
import { envelope, ListQuery, pageOf } from '../http/pagination.ts';
import type { App } from '../http/server.ts';
import { actorOf } from '../leads/actor.ts';
import { ContactCreateBody, ContactUpdateBody } from './schemas.ts';
import { loadContactObjects } from './serialize.ts';
import { createContact, deleteContact, updateContact } from './write-contact.ts';

type Body = ContactCreateBody & Record<string, unknown>;

export async function registerContactRoutes(app: App): Promise<void> {
  app.get(
    '/contact/',
    {
      schema: {
        tags: ['contacts'],
        summary: 'List contacts (oldest first), optionally of one lead',
        querystring: Type.Intersect([ListQuery, Type.Object({ lead_id: Type.Optional(IdString) })]),
      },
    },
    async (request) => {
      const { db, organizationId } = request.ctx;
      const page = pageOf(request.query);
      let query = db.selectFrom('contacts').select('id').where('organization_id', '=', organizationId);
      if (request.query.lead_id !== undefined) query = query.where('lead_id', '=', request.query.lead_id);
      const rows = await query.orderBy('date_created').orderBy('id').offset(page.skip).limit(page.limit + 1).execute();
      const objects = await loadContactObjects(db, organizationId, rows.map((r) => r.id));
      return envelope(rows.map((r) => objects.get(r.id)).filter((o) => o !== undefined), page);
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

