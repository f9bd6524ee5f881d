/**
 * `/bulk_action/{kind}/` for every registered kind: list, create, fetch, pause/resume/cancel (PUT),
 * and the per-lead outcomes (`…/{id}/items/`, extension).
 */
import { sql } from 'kysely';
import { Type, type TSchema } from 'typebox';
import { fieldError, notFound } from '../errors.ts';
import { FieldsQuery, IdParams, IdString } from '../http/common-schemas.ts';
import type { RequestContext } from '../http/context.ts';
import { FILTERED_ITEMS_SKIP_MAX, INT4_MAX, LABEL_MAX } from '../http/input-limits.ts';
import { envelope, ListQuery, listQuery, pageOf } from '../http/pagination.ts';
import type { App } from '../http/server.ts';
import { formatTimestamp } from '../time.ts';
import { createBulkAction } from './create-action.ts';
import type { AnyBulkActionKind } from './kind.ts';
import { bulkActionKinds } from './kinds.ts';
import { serializeAction, type BulkActionRow } from './serialize.ts';
import { byApi, transition } from './state-machine.ts';

const commonBody: Record<string, TSchema> = {
  s_query: Type.Optional(Type.Unknown()),
  query: Type.Optional(Type.Unknown()),
  // Stored in an integer column.
  results_limit: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: INT4_MAX }), Type.Null()])),
  sort: Type.Optional(Type.Unknown()),
  send_done_email: Type.Optional(Type.Boolean()),
};

async function findAction(ctx: RequestContext, kind: AnyBulkActionKind, id: string): Promise<BulkActionRow> {
  const row = await ctx.db
    .selectFrom('bulk_actions')
    .selectAll()
    .where('organization_id', '=', ctx.organizationId)
    .where('kind', '=', kind.name)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw notFound('bulk action');
  return row;
}

function registerKind(app: App, kind: AnyBulkActionKind): void {
  const base = `/bulk_action/${kind.name}`;
  const tags = ['bulk actions'];
  const filterProps = Object.fromEntries((kind.listFilterParams ?? []).map((key) => [key, Type.Optional(IdString)]));

  app.get(
    `${base}/`,
    { schema: { tags, summary: `List bulk ${kind.name} actions`, querystring: Type.Intersect([ListQuery, Type.Object(filterProps)]) } },
    async (request) => {
      const { ctx } = request;
      const page = pageOf(request.query);
      const filters = request.query as Record<string, unknown>;
      let query = ctx.db
        .selectFrom('bulk_actions')
        .selectAll()
        .where('organization_id', '=', ctx.organizationId)
        .where('kind', '=', kind.name);
      for (const key of kind.listFilterParams ?? []) {
        const value = filters[key];
        if (typeof value === 'string') query = query.where(sql<string>`params->>${key}`, '=', value);
      }
      const rows = await query.orderBy('date_created', 'desc').orderBy('id', 'desc').offset(page.skip).limit(page.limit + 1).execute();
      return envelope(rows.map((row) => serializeAction(row, ctx.config)), page);
    },
  );

  app.post(
    `${base}/`,
    {
      schema: {
        tags,
        summary: `Create a bulk ${kind.name} action`,
        body: Type.Object({ ...commonBody, ...kind.bodyProperties }, { additionalProperties: false }),
      },
    },
    async (request) => {
      const row = await createBulkAction(request.ctx, kind, (request.body ?? {}) as Record<string, unknown>);
      return serializeAction(row, request.ctx.config);
    },
  );

  app.get(
    `${base}/:id/`,
    { schema: { tags, summary: `Get a bulk ${kind.name} action`, params: IdParams, querystring: FieldsQuery } },
    async (request) => serializeAction(await findAction(request.ctx, kind, request.params.id), request.ctx.config),
  );

  app.put(
    `${base}/:id/`,
    {
      schema: {
        tags,
        summary: `Pause ("paused"), resume ("resuming") or cancel ("cancelled") a bulk ${kind.name} action`,
        params: IdParams,
        body: Type.Object({ status: Type.String({ maxLength: LABEL_MAX }) }, { additionalProperties: false }),
      },
    },
    async (request) => {
      const { ctx } = request;
      await findAction(ctx, kind, request.params.id);
      const row = await ctx.db.transaction().execute((trx) =>
        transition(trx, ctx.organizationId, request.params.id, request.body.status, byApi(ctx)),
      );
      return serializeAction(row, ctx.config);
    },
  );

  app.get(
    `${base}/:id/items/`,
    {
      schema: {
        tags,
        summary: `Each lead's outcome in a bulk ${kind.name} action (extension)`,
        params: IdParams,
        // _skip up to the integer column without status (a seek); the filtered bound is checked below.
        querystring: Type.Intersect([
          listQuery(INT4_MAX),
          Type.Object({ status: Type.Optional(Type.Union(['pending', 'done', 'skipped', 'failed'].map((s) => Type.Literal(s)))) }),
        ]),
      },
    },
    async (request) => {
      const { ctx } = request;
      const action = await findAction(ctx, kind, request.params.id);
      const page = pageOf(request.query);
      let query = ctx.db
        .selectFrom('bulk_action_items')
        .select(['position', 'lead_id', 'status', 'reason', 'n_objects', 'date_updated'])
        .where('organization_id', '=', ctx.organizationId)
        .where('action_id', '=', action.id);
      const status = (request.query as { status?: 'pending' | 'done' | 'skipped' | 'failed' }).status;
      if (status !== undefined) {
        // An offset over the (action, status, position) index reads every skipped row.
        if (page.skip > FILTERED_ITEMS_SKIP_MAX) {
          throw fieldError('_skip', `Input should be less than or equal to ${FILTERED_ITEMS_SKIP_MAX} when filtering by status`);
        }
        query = query.where('status', '=', status).offset(page.skip);
      } else {
        // Positions run 0 … n_leads − 1 without gaps (load-items.ts), so the page starts at position
        // _skip: a seek whose cost does not grow with _skip, which lets the whole set be read.
        query = query.where('position', '>=', page.skip);
      }
      const rows = await query.orderBy('position').limit(page.limit + 1).execute();
      return envelope(
        rows.map((row) => ({
          lead_id: row.lead_id,
          position: row.position,
          status: row.status,
          reason: row.reason,
          n_objects: row.n_objects,
          date_updated: formatTimestamp(row.date_updated),
        })),
        page,
      );
    },
  );
}

/** Mounts the endpoints of every registered kind. */
export async function registerBulkActionRoutes(app: App): Promise<void> {
  for (const kind of bulkActionKinds) registerKind(app, kind);
}
