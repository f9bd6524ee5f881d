/**
 * `/saved_search/` list (filter `type`, `type__in`), create, get, update, delete.
 */
import { Type } from 'typebox';
import type { Db } from '../db/database.ts';
import { fieldError, notFound } from '../errors.ts';
import { newId } from '../ids.ts';
import { FieldsQuery, IdParams } from '../http/common-schemas.ts';
import { LABEL_MAX, QUERY_PARAM_MAX } from '../http/input-limits.ts';
import { envelope, ListQuery, pageOf } from '../http/pagination.ts';
import type { App } from '../http/server.ts';
import type { ResultObjectType } from './ast.ts';
import { checkSavedQuery, SAVED_SEARCH_TYPES, savedSearchResponse, type SavedSearchRow } from './saved-searches.ts';

const tags = ['saved searches'];
const Params = IdParams;
const TypeEnum = Type.Union(SAVED_SEARCH_TYPES.map((t) => Type.Literal(t)));
const Body = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 1000 }),
    description: Type.Optional(Type.Union([Type.String({ maxLength: 10_000 }), Type.Null()])),
    type: Type.Optional(TypeEnum),
    s_query: Type.Unknown(),
    // Close's legacy search string: stored and returned as sent, never run (see saved-searches.ts).
    query: Type.Optional(Type.Union([Type.String({ maxLength: QUERY_PARAM_MAX }), Type.Null()])),
    is_shared: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
const UpdateBody = Type.Partial(Body, { additionalProperties: false });
const Fields = FieldsQuery;

async function findSavedSearch(db: Db, organizationId: string, id: string): Promise<SavedSearchRow | undefined> {
  return db.selectFrom('saved_searches').selectAll().where('organization_id', '=', organizationId).where('id', '=', id).executeTakeFirst() as Promise<
    SavedSearchRow | undefined
  >;
}

function requireSQuery(value: unknown): unknown {
  if (value === undefined) throw fieldError('s_query', 'This field is required.');
  return value;
}

export async function registerSavedSearchRoutes(app: App): Promise<void> {
  app.get(
    '/saved_search/',
    {
      schema: {
        tags,
        summary: 'List Smart Views',
        querystring: Type.Intersect([
          ListQuery,
          Type.Object({ type: Type.Optional(Type.String({ maxLength: LABEL_MAX })), type__in: Type.Optional(Type.String({ maxLength: LABEL_MAX })) }),
        ]),
      },
    },
    async (request) => {
      const { db, organizationId } = request.ctx;
      const page = pageOf(request.query);
      const types = request.query.type__in?.split(',').map((s) => s.trim()).filter(Boolean) ?? (request.query.type ? [request.query.type] : undefined);
      let q = db.selectFrom('saved_searches').selectAll().where('organization_id', '=', organizationId);
      if (types && types.length > 0) q = q.where('type', 'in', types);
      const rows = (await q.orderBy('date_created').orderBy('id').offset(page.skip).limit(page.limit + 1).execute()) as SavedSearchRow[];
      return envelope(rows.map(savedSearchResponse), page);
    },
  );

  app.post('/saved_search/', { schema: { tags, summary: 'Create a Smart View', body: Body, querystring: Fields } }, async (request) => {
    const { db, organizationId, userId, clock } = request.ctx;
    const type: ResultObjectType = request.body.type ?? 'lead';
    const sQuery = await checkSavedQuery(db, organizationId, requireSQuery(request.body.s_query), type);
    const now = clock.now();
    const row = (await db
      .insertInto('saved_searches')
      .values({
        id: newId('save'),
        organization_id: organizationId,
        user_id: userId,
        name: request.body.name,
        description: request.body.description ?? null,
        type,
        s_query: JSON.stringify(sQuery),
        query: request.body.query ?? null,
        is_shared: request.body.is_shared ?? false,
        created_by: userId,
        updated_by: userId,
        date_created: now,
        date_updated: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow()) as SavedSearchRow;
    return savedSearchResponse(row);
  });

  app.get('/saved_search/:id/', { schema: { tags, summary: 'Get a Smart View', params: Params, querystring: Fields } }, async (request) => {
    const row = await findSavedSearch(request.ctx.db, request.ctx.organizationId, request.params.id);
    if (!row) throw notFound('saved search');
    return savedSearchResponse(row);
  });

  app.put('/saved_search/:id/', { schema: { tags, summary: 'Update a Smart View', params: Params, body: UpdateBody, querystring: Fields } }, async (request) => {
    const { db, organizationId, userId, clock } = request.ctx;
    const before = await findSavedSearch(db, organizationId, request.params.id);
    if (!before) throw notFound('saved search');
    const body = request.body;
    const type = (body.type ?? before.type) as ResultObjectType;
    const patch: Record<string, unknown> = {};
    if (body.s_query !== undefined || body.type !== undefined) {
      const sQuery = await checkSavedQuery(db, organizationId, body.s_query ?? before.s_query, type, before.id);
      patch.s_query = JSON.stringify(sQuery);
      patch.type = type;
    }
    if (body.name !== undefined) patch.name = body.name;
    if (body.description !== undefined) patch.description = body.description;
    if (body.query !== undefined) patch.query = body.query;
    if (body.is_shared !== undefined) patch.is_shared = body.is_shared;
    if (Object.keys(patch).length === 0) return savedSearchResponse(before);
    const row = (await db
      .updateTable('saved_searches')
      .set({ ...patch, updated_by: userId, date_updated: clock.now() })
      .where('organization_id', '=', organizationId)
      .where('id', '=', before.id)
      .returningAll()
      .executeTakeFirstOrThrow()) as SavedSearchRow;
    return savedSearchResponse(row);
  });

  app.delete('/saved_search/:id/', { schema: { tags, summary: 'Delete a Smart View', params: Params } }, async (request) => {
    const { db, organizationId } = request.ctx;
    const deleted = await db.deleteFrom('saved_searches').where('organization_id', '=', organizationId).where('id', '=', request.params.id).executeTakeFirst();
    if (Number(deleted.numDeletedRows) === 0) throw notFound('saved search');
    return {};
  });
}
