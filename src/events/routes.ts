/**
 * `/event/`: Close's event log over the events Sluice records (src/events/record-event.ts), newest
 * first with keyset cursors (`_cursor`, `cursor_next`, `cursor_previous`; no `_skip`), filtered by
 * `object_type`, `object_id`, `lead_id` (the lead's own events and its children's: contacts,
 * emails, subscriptions carry it), `action`, `user_id`, `request_id` and `date_updated__gt|gte|lt|lte`.
 * Close accepts only certain combinations of these; Sluice accepts any, each on an index.
 * `GET /event/{id}/` reads one. Events older than EVENT_RETENTION_DAYS are pruned by a worker
 * (retention-worker.ts).
 */
import { Type } from 'typebox';
import { notFound } from '../errors.ts';
import { FieldsParam, FieldsQuery, IdParams, IdString } from '../http/common-schemas.ts';
import { LABEL_MAX, NAME_MAX } from '../http/input-limits.ts';
import type { App } from '../http/server.ts';
import { parseDateBounds } from './date-filter.ts';
import { CURSOR_MAX, decodeEventCursor } from './event-cursor.ts';
import { eventPage } from './event-page.ts';
import type { EventFilters } from './list-events.ts';
import { readEvent } from './list-events.ts';
import { eventResponse } from './serialize.ts';

/** Close's page size: 50 by default and at most (a larger `_limit` is a 400). */
export const EVENT_LIMIT_MAX = 50;

const label = () => Type.Optional(Type.String({ maxLength: LABEL_MAX }));

const ListQuery = Type.Object({
  _limit: Type.Optional(Type.Integer({ minimum: 1, maximum: EVENT_LIMIT_MAX, default: EVENT_LIMIT_MAX })),
  _cursor: Type.Optional(Type.String({ maxLength: CURSOR_MAX })),
  _fields: Type.Optional(FieldsParam),
  object_type: label(),
  // Object ids are ids, except an unsubscribed address's (the address itself).
  object_id: Type.Optional(Type.String({ maxLength: NAME_MAX })),
  lead_id: Type.Optional(IdString),
  action: label(),
  user_id: Type.Optional(IdString),
  request_id: label(),
  date_updated__gt: label(),
  date_updated__gte: label(),
  date_updated__lt: label(),
  date_updated__lte: label(),
});

/** A filter's value; an empty one (`lead_id=`) counts as not sent. */
function given(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export async function registerEventRoutes(app: App): Promise<void> {
  const tags = ['events'];

  app.get('/event/', { schema: { tags, summary: 'List events (the event log), newest first', querystring: ListQuery } }, async (request) => {
    const { db, organizationId, tzOffsetMinutes } = request.ctx;
    const q = request.query as Record<string, unknown>;
    const rawCursor = given(q._cursor);
    const cursor = rawCursor === undefined ? undefined : decodeEventCursor(rawCursor);
    const sent = parseDateBounds(q, tzOffsetMinutes);
    // Close: with `_cursor`, every filter but date_updated must be sent again; the cursor keeps those.
    const dates = Object.keys(sent).length > 0 || !cursor ? sent : cursor.bounds;
    const filters: EventFilters = {
      objectType: given(q.object_type),
      objectId: given(q.object_id),
      leadId: given(q.lead_id),
      action: given(q.action),
      userId: given(q.user_id),
      requestId: given(q.request_id),
      dates,
    };
    return eventPage(db, organizationId, filters, Number(q._limit ?? EVENT_LIMIT_MAX), cursor);
  });

  app.get('/event/:id/', { schema: { tags, summary: 'Get an event', params: IdParams, querystring: FieldsQuery } }, async (request) => {
    const row = await readEvent(request.ctx.db, request.ctx.organizationId, request.params.id);
    if (!row) throw notFound('event');
    return eventResponse(row);
  });
}
