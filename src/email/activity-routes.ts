/**
 * `/activity/email/`: the messages Sluice sent or is sending, newest first, filtered by lead,
 * contact, user, bulk email, sequence subscription, status and date ranges; and one by id.
 */
import { Type } from 'typebox';
import { fieldError, notFound } from '../errors.ts';
import { FieldsQuery, IdParams, IdString } from '../http/common-schemas.ts';
import { LABEL_MAX, QUERY_PARAM_MAX } from '../http/input-limits.ts';
import { envelope, ListQuery, pageOf } from '../http/pagination.ts';
import type { App } from '../http/server.ts';
import { activityResponse, selectActivities } from './activity-serialize.ts';

const RANGE_OPS = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;
type RangeOp = keyof typeof RANGE_OPS;
const rangeKeys = (field: string) =>
  Object.fromEntries((Object.keys(RANGE_OPS) as RangeOp[]).map((op) => [`${field}__${op}`, Type.Optional(Type.String({ maxLength: LABEL_MAX }))]));

const Query = Type.Intersect([
  ListQuery,
  Type.Object({
    id__in: Type.Optional(Type.String({ maxLength: QUERY_PARAM_MAX })),
    lead_id: Type.Optional(IdString),
    contact_id: Type.Optional(IdString),
    user_id: Type.Optional(IdString),
    bulk_email_action_id: Type.Optional(IdString),
    sequence_subscription_id: Type.Optional(IdString),
    status: Type.Optional(Type.String({ maxLength: LABEL_MAX })),
    ...rangeKeys('date_created'),
    ...rangeKeys('activity_at'),
  }),
]);

function parseMoment(raw: string, name: string): Date {
  const date = new Date(raw);
  if (Number.isNaN(date.getTime())) throw fieldError(name, 'Input should be a valid datetime.');
  return date;
}

export async function registerEmailActivityRoutes(app: App): Promise<void> {
  const tags = ['activities'];

  app.get('/activity/email/', { schema: { tags, summary: 'List email activities', querystring: Query } }, async (request) => {
    const { db, organizationId } = request.ctx;
    const q = request.query as Record<string, string | number | undefined>;
    const page = pageOf(request.query);
    let query = selectActivities(db, organizationId);
    const equal = ['lead_id', 'contact_id', 'user_id', 'bulk_email_action_id', 'sequence_subscription_id', 'status'] as const;
    for (const key of equal) {
      const value = q[key];
      if (typeof value === 'string') query = query.where(`a.${key}`, '=', value);
    }
    if (typeof q.id__in === 'string') query = query.where('a.id', 'in', q.id__in.split(',').map((s) => s.trim()).filter(Boolean).concat(['']));
    for (const field of ['date_created', 'activity_at'] as const) {
      for (const op of Object.keys(RANGE_OPS) as RangeOp[]) {
        const raw = q[`${field}__${op}`];
        if (typeof raw === 'string') query = query.where(`a.${field}`, RANGE_OPS[op], parseMoment(raw, `${field}__${op}`));
      }
    }
    const rows = await query.orderBy('a.date_created', 'desc').orderBy('a.id', 'desc').offset(page.skip).limit(page.limit + 1).execute();
    return envelope(rows.map(activityResponse), page);
  });

  app.get(
    '/activity/email/:id/',
    { schema: { tags, summary: 'Get an email activity', params: IdParams, querystring: FieldsQuery } },
    async (request) => {
      const row = await selectActivities(request.ctx.db, request.ctx.organizationId).where('a.id', '=', request.params.id).executeTakeFirst();
      if (!row) throw notFound('email activity');
      return activityResponse(row);
    },
  );
}
