/**
 * `/export/…` in Close's shapes: `POST /export/lead/` (type `leads` or `contacts`), `GET /export/`
 * and `GET /export/lead/` (newest first), `GET /export/{id}/` and `GET /export/lead/{id}/`. Sluice's
 * extensions: `PUT` on the same paths with `{"status": "paused" | "resuming" | "cancelled"}` (as for
 * bulk actions), and `GET /export/{id}/download/`, the file for the API key (the signed
 * `download_url` needs none: public-routes.ts). Another organization's export is a 404 everywhere.
 */
import { Type } from 'typebox';
import { createBulkAction } from '../bulk-actions/create-action.ts';
import type { BulkActionRow } from '../bulk-actions/serialize.ts';
import { byApi, transition } from '../bulk-actions/state-machine.ts';
import { notFound } from '../errors.ts';
import { FieldsQuery, IdParams } from '../http/common-schemas.ts';
import type { RequestContext } from '../http/context.ts';
import { INT4_MAX, LABEL_MAX } from '../http/input-limits.ts';
import { envelope, ListQuery, pageOf } from '../http/pagination.ts';
import type { App } from '../http/server.ts';
import { exportBodyProperties, exportKind } from './export-kind.ts';
import { notDownloadable, sendExportFile } from './send-file.ts';
import { serializeExport, type ExportFileRow } from './serialize.ts';

const CreateBody = Type.Object(
  {
    // Validated by the Advanced Filtering compiler (its own bounds: nodes, depth, lengths).
    s_query: Type.Optional(Type.Unknown()),
    query: Type.Optional(Type.Unknown()),
    results_limit: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: INT4_MAX }), Type.Null()])),
    sort: Type.Optional(Type.Unknown()),
    send_done_email: Type.Optional(Type.Boolean()),
    ...exportBodyProperties,
  },
  { additionalProperties: false },
);

const StatusBody = Type.Object({ status: Type.String({ maxLength: LABEL_MAX }) }, { additionalProperties: false });

/** Export `id` of the caller's organization with its file record; a 404 for anything else. */
async function findExport(ctx: RequestContext, id: string): Promise<{ row: BulkActionRow; file: ExportFileRow | undefined }> {
  const row = await ctx.db
    .selectFrom('bulk_actions')
    .selectAll()
    .where('organization_id', '=', ctx.organizationId)
    .where('kind', '=', 'export')
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw notFound('export');
  const file = await ctx.db
    .selectFrom('export_files')
    .selectAll()
    .where('organization_id', '=', ctx.organizationId)
    .where('action_id', '=', id)
    .executeTakeFirst();
  return { row, file };
}

function present(ctx: RequestContext, row: BulkActionRow, file: ExportFileRow | undefined): Record<string, unknown> {
  return serializeExport(row, file, ctx.config, ctx.clock.now());
}

/** Mounts the export endpoints. */
export async function registerExportRoutes(app: App): Promise<void> {
  const tags = ['exports'];

  app.post('/export/lead/', { schema: { tags, summary: 'Export leads (or their contacts) matching a search query', body: CreateBody } }, async (request) => {
    const { ctx } = request;
    const body: Record<string, unknown> = { ...(request.body ?? {}) };
    // Close: "By default, all leads are exported." A legacy `query` string still gets the engine's 400.
    if ((body.s_query === undefined || body.s_query === null) && (body.query === undefined || body.query === null)) {
      body.s_query = { type: 'match_all' };
    }
    const row = await createBulkAction(ctx, exportKind, body);
    return present(ctx, row, undefined);
  });

  const list = async (request: { ctx: RequestContext; query: ListQuery }) => {
    const { ctx } = request;
    const page = pageOf(request.query);
    const rows = await ctx.db
      .selectFrom('bulk_actions')
      .selectAll()
      .where('organization_id', '=', ctx.organizationId)
      .where('kind', '=', 'export')
      .orderBy('date_created', 'desc')
      .orderBy('id', 'desc')
      .offset(page.skip)
      .limit(page.limit + 1)
      .execute();
    const ids = rows.map((row) => row.id);
    const files =
      ids.length === 0
        ? []
        : await ctx.db.selectFrom('export_files').selectAll().where('organization_id', '=', ctx.organizationId).where('action_id', 'in', ids).execute();
    const fileOf = new Map(files.map((file) => [file.action_id, file]));
    return envelope(rows.map((row) => present(ctx, row, fileOf.get(row.id))), page);
  };
  app.get('/export/', { schema: { tags, summary: 'List exports, newest first', querystring: ListQuery } }, list);
  app.get('/export/lead/', { schema: { tags, summary: 'List lead exports, newest first', querystring: ListQuery } }, list);

  for (const base of ['/export', '/export/lead']) {
    app.get(`${base}/:id/`, { schema: { tags, summary: 'Get an export (status, progress, download_url)', params: IdParams, querystring: FieldsQuery } }, async (request) => {
      const { row, file } = await findExport(request.ctx, request.params.id);
      return present(request.ctx, row, file);
    });

    app.put(
      `${base}/:id/`,
      {
        schema: {
          tags,
          summary: 'Pause ("paused"), resume ("resuming") or cancel ("cancelled") an export (extension)',
          params: IdParams,
          body: StatusBody,
        },
      },
      async (request) => {
        const { ctx } = request;
        await findExport(ctx, request.params.id);
        const row = await ctx.db.transaction().execute((trx) =>
          transition(trx, ctx.organizationId, request.params.id, request.body.status, byApi(ctx)),
        );
        const { file } = await findExport(ctx, row.id);
        return present(ctx, row, file);
      },
    );
  }

  app.get(
    '/export/:id/download/',
    { schema: { tags, summary: 'Download the gzip file of a done export with the API key (extension)', params: IdParams } },
    async (request, reply) => {
      const { row, file } = await findExport(request.ctx, request.params.id);
      const refused = notDownloadable(row, file, request.ctx.config);
      if (refused) throw refused;
      return sendExportFile(reply, row, request.ctx.config);
    },
  );
}
