/**
 * Close's activity types Sluice does not keep: calls, notes, SMS, meetings, completed tasks. Their
 * lists are answered truthfully, empty, rather than with a 404 that makes Close's scripts abort
 * (restore_deleted_leads.py lists `task_completed` activities of every lead it restores); one by id
 * is a 404 like any unknown object. Creating them is not offered.
 */
import { Type } from 'typebox';
import { notFound } from '../errors.ts';
import { FieldsQuery, IdParams, IdString } from '../http/common-schemas.ts';
import { envelope, ListQuery, pageOf } from '../http/pagination.ts';
import type { App } from '../http/server.ts';

/** Close's activity types (URL segment) that Sluice has no rows of. */
export const UNKEPT_ACTIVITY_TYPES = ['call', 'note', 'sms', 'meeting', 'task_completed'] as const;

const Query = Type.Intersect([
  ListQuery,
  Type.Object({ lead_id: Type.Optional(IdString), contact_id: Type.Optional(IdString), user_id: Type.Optional(IdString) }),
]);

export async function registerUnkeptActivityRoutes(app: App): Promise<void> {
  const tags = ['activities'];
  for (const type of UNKEPT_ACTIVITY_TYPES) {
    app.get(`/activity/${type}/`, { schema: { tags, summary: `List ${type} activities (Sluice keeps none: always empty)`, querystring: Query } }, async (request) =>
      envelope([], pageOf(request.query)),
    );
    app.get(`/activity/${type}/:id/`, { schema: { tags, summary: `Get a ${type} activity (always 404)`, params: IdParams, querystring: FieldsQuery } }, async () => {
      throw notFound(`${type} activity`);
    });
    app.delete(`/activity/${type}/:id/`, { schema: { tags, summary: `Delete a ${type} activity (always 404)`, params: IdParams } }, async () => {
      throw notFound(`${type} activity`);
    });
  }
}
