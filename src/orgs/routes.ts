/**
 * `GET|PUT /organization/{id}/`. A PUT may rename the organization, change its currency and reorder
 * its lead statuses by sending the full list of `{id}`s.
 */
import { sql } from 'kysely';
import { Type } from 'typebox';
import { fieldError, notFound } from '../errors.ts';
import { FieldsQuery, IdParams, IdString } from '../http/common-schemas.ts';
import { LIST_MAX, NAME_MAX } from '../http/input-limits.ts';
import type { App } from '../http/server.ts';
import { lockOrganization } from '../statuses/status-repository.ts';
import { isKnownCurrency, organizationResponse } from './organization-response.ts';

const Params = IdParams;
const UpdateBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: NAME_MAX })),
    currency: Type.Optional(Type.String({ pattern: '^[A-Z]{3}$', maxLength: 3 })),
    lead_statuses: Type.Optional(
      Type.Array(Type.Object({ id: IdString }, { additionalProperties: false }), { maxItems: LIST_MAX }),
    ),
  },
  { additionalProperties: false },
);

export async function registerOrganizationRoutes(app: App): Promise<void> {
  app.get(
    '/organization/:id/',
    { schema: { tags: ['organizations'], summary: 'Get the organization', params: Params, querystring: FieldsQuery } },
    async (request) => {
      if (request.params.id !== request.ctx.organizationId) throw notFound('organization');
      return organizationResponse(request.ctx.db, request.ctx.organizationId);
    },
  );

  app.put(
    '/organization/:id/',
    { schema: { tags: ['organizations'], summary: 'Update the organization', params: Params, body: UpdateBody } },
    async (request) => {
      const { db, organizationId, userId, clock } = request.ctx;
      if (request.params.id !== organizationId) throw notFound('organization');
      const body = request.body ?? {};
      await db.transaction().execute(async (trx) => {
        // The same lock status creates take, so a status created meanwhile cannot share a position.
        await lockOrganization(trx, organizationId);
        if (body.currency !== undefined && !isKnownCurrency(body.currency)) {
          throw fieldError('currency', 'Enter an ISO 4217 currency code.');
        }
        if (body.lead_statuses) {
          const existing = await trx
            .selectFrom('lead_statuses')
            .select('id')
            .where('organization_id', '=', organizationId)
            .orderBy('position')
            .orderBy('id')
            .execute();
          const known = new Set(existing.map((s) => s.id));
          const sent = body.lead_statuses.map((s) => s.id);
          const unknown = sent.find((id) => !known.has(id));
          if (unknown) throw fieldError('lead_statuses', `Unknown lead status: ${unknown}.`);
          if (new Set(sent).size !== sent.length) throw fieldError('lead_statuses', 'Each lead status may appear only once.');
          // Statuses left out keep their relative order after the ones sent.
          const order = [...sent, ...existing.map((s) => s.id).filter((id) => !sent.includes(id))];
          await sql`UPDATE lead_statuses AS s SET position = o.position - 1, date_updated = ${clock.now()}
            FROM unnest(${order}::text[]) WITH ORDINALITY AS o(id, position)
            WHERE s.organization_id = ${organizationId} AND s.id = o.id AND s.position <> o.position - 1`.execute(trx);
        }
        const changes: Record<string, unknown> = {};
        if (body.name !== undefined) changes.name = body.name;
        if (body.currency !== undefined) changes.currency = body.currency;
        await trx
          .updateTable('organizations')
          .set({ ...changes, updated_by: userId, date_updated: clock.now() })
          .where('id', '=', organizationId)
          .execute();
      });
      return organizationResponse(db, organizationId);
    },
  );
}
