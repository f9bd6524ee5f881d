/**
 * `/email_template/`: list (filters `is_archived`, `is_shared`), create, get, update, delete. Subject
 * and body are Liquid; a template that does not parse is refused with a 400 on `subject` or `body`,
 * so a bulk email never discovers a broken template halfway through.
 */
import { Type, type Static } from 'typebox';
import type { Db } from '../db/database.ts';
import { checkTemplate } from '../email/template-engine.ts';
import { fieldError, notFound, SluiceError } from '../errors.ts';
import { recordEvent } from '../events/record-event.ts';
import { newId } from '../ids.ts';
import { FieldsQuery, IdParams } from '../http/common-schemas.ts';
import { envelope, ListQuery, pageOf } from '../http/pagination.ts';
import type { RequestContext } from '../http/context.ts';
import type { App } from '../http/server.ts';
import { registerTemplateRenderRoute } from './render-route.ts';
import { sequencesUsing, templateResponse, type TemplateRow } from './serialize.ts';

const Body = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 1000 })),
    subject: Type.Optional(Type.String({ maxLength: 10000 })),
    body: Type.Optional(Type.String({ maxLength: 1000000 })),
    is_shared: Type.Optional(Type.Boolean()),
    is_archived: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
type Body = Static<typeof Body>;
const Params = IdParams;

async function findTemplate(db: Db, organizationId: string, id: string): Promise<TemplateRow | undefined> {
  return db.selectFrom('email_templates').selectAll().where('organization_id', '=', organizationId).where('id', '=', id).executeTakeFirst();
}

async function respond(db: Db, row: TemplateRow): Promise<Record<string, unknown>> {
  const used = await sequencesUsing(db, row.organization_id, [row.id]);
  return templateResponse(row, used.get(row.id));
}

function eventOf(ctx: RequestContext, row: TemplateRow, action: string, changed: string[] = []) {
  return {
    organizationId: ctx.organizationId,
    objectType: 'email_template',
    objectId: row.id,
    action,
    userId: ctx.userId,
    apiKeyId: ctx.apiKeyId,
    requestId: ctx.requestId,
    changedFields: changed,
    data: templateResponse(row),
    at: ctx.clock.now(),
  };
}

function changesOf(body: Body): Record<string, unknown> {
  const changes: Record<string, unknown> = {};
  for (const key of ['name', 'subject', 'body', 'is_shared', 'is_archived'] as const) {
    if (body[key] !== undefined) changes[key] = body[key];
  }
  return changes;
}

export async function registerEmailTemplateRoutes(app: App): Promise<void> {
  const tags = ['email templates'];

  app.get(
    '/email_template/',
    {
      schema: {
        tags,
        summary: 'List email templates',
        querystring: Type.Intersect([ListQuery, Type.Object({ is_archived: Type.Optional(Type.Boolean()), is_shared: Type.Optional(Type.Boolean()) })]),
      },
    },
    async (request) => {
      const { db, organizationId } = request.ctx;
      const page = pageOf(request.query);
      let query = db.selectFrom('email_templates').selectAll().where('organization_id', '=', organizationId);
      if (request.query.is_archived !== undefined) query = query.where('is_archived', '=', request.query.is_archived);
      if (request.query.is_shared !== undefined) query = query.where('is_shared', '=', request.query.is_shared);
      const rows = await query.orderBy('date_created').orderBy('id').offset(page.skip).limit(page.limit + 1).execute();
      const used = await sequencesUsing(db, organizationId, rows.map((r) => r.id));
      return envelope(rows.map((row) => templateResponse(row, used.get(row.id))), page);
    },
  );

  app.post('/email_template/', { schema: { tags, summary: 'Create an email template', body: Body, querystring: FieldsQuery } }, async (request) => {
    const ctx = request.ctx;
    const body = request.body ?? {};
    if (!body.name) throw fieldError('name', 'This field is required.');
    const subject = body.subject ?? '';
    const text = body.body ?? '';
    await checkTemplate({ subject, body: text }, ctx.config.templates);
    const now = ctx.clock.now();
    const row = await ctx.db.transaction().execute(async (trx) => {
      const inserted = await trx
        .insertInto('email_templates')
        .values({
          id: newId('tmpl'),
          organization_id: ctx.organizationId,
          name: body.name!,
          subject,
          body: text,
          is_shared: body.is_shared ?? false,
          is_archived: body.is_archived ?? false,
          created_by: ctx.userId,
          updated_by: ctx.userId,
          date_created: now,
          date_updated: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await recordEvent(trx, eventOf(ctx, inserted, 'created'));
      return inserted;
    });
    return respond(ctx.db, row);
  });

  app.get('/email_template/:id/', { schema: { tags, summary: 'Get an email template', params: Params, querystring: FieldsQuery } }, async (request) => {
    const row = await findTemplate(request.ctx.db, request.ctx.organizationId, request.params.id);
    if (!row) throw notFound('email template');
    return respond(request.ctx.db, row);
  });

  app.put('/email_template/:id/', { schema: { tags, summary: 'Update an email template', params: Params, body: Body, querystring: FieldsQuery } }, async (request) => {
    const ctx = request.ctx;
    const changes = changesOf(request.body ?? {});
    const merged = (row: TemplateRow) => ({
      subject: (changes.subject as string | undefined) ?? row.subject,
      body: (changes.body as string | undefined) ?? row.body,
    });
    // Checked before the row is locked: the check waits for a template thread (up to seconds), and
    // neither a row lock nor a pooled connection should be held meanwhile.
    const current = await findTemplate(ctx.db, ctx.organizationId, request.params.id);
    if (!current) throw notFound('email template');
    const checked = merged(current);
    if (changes.subject !== undefined || changes.body !== undefined) await checkTemplate(checked, ctx.config.templates);
    const row = await ctx.db.transaction().execute(async (trx) => {
      const existing = await trx
        .selectFrom('email_templates')
        .selectAll()
        .where('organization_id', '=', ctx.organizationId)
        .where('id', '=', request.params.id)
        .forUpdate()
        .executeTakeFirst();
      if (!existing) throw notFound('email template');
      const next = merged(existing);
      // Another update changed the part this one keeps since the check: the result is not what was checked.
      if (next.subject !== checked.subject || next.body !== checked.body) {
        throw new SluiceError('conflict', 'The template changed while this update was being checked; send it again.');
      }
      const updated = await trx
        .updateTable('email_templates')
        .set({ ...changes, updated_by: ctx.userId, date_updated: ctx.clock.now() })
        .where('organization_id', '=', ctx.organizationId)
        .where('id', '=', existing.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      await recordEvent(trx, eventOf(ctx, updated, 'updated', Object.keys(changes)));
      return updated;
    });
    return respond(ctx.db, row);
  });

  app.delete('/email_template/:id/', { schema: { tags, summary: 'Delete an email template', params: Params } }, async (request) => {
    const ctx = request.ctx;
    await ctx.db.transaction().execute(async (trx) => {
      const deleted = await trx
        .deleteFrom('email_templates')
        .where('organization_id', '=', ctx.organizationId)
        .where('id', '=', request.params.id)
        .returningAll()
        .executeTakeFirst();
      if (!deleted) throw notFound('email template');
      await recordEvent(trx, eventOf(ctx, deleted, 'deleted'));
    });
    return {};
  });

  await registerTemplateRenderRoute(app);
}
