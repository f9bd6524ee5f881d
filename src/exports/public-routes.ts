/**
 * The signed `download_url` of an export, outside `/api/v1` and without an API key:
 * `GET /download/export/{id}/?expires=…&signature=…` (download-link.ts). A link that is malformed,
 * forged, for another export or past its expiry is a 403 and reveals nothing about the export; a
 * valid link to an export whose file is gone (expired, cancelled) is a 400 saying so.
 */
import { Type } from 'typebox';
import { SluiceError } from '../errors.ts';
import { IdParams } from '../http/common-schemas.ts';
import type { AppDeps } from '../http/context.ts';
import { QUERY_PARAM_MAX } from '../http/input-limits.ts';
import type { App } from '../http/server.ts';
import { checkDownloadLink } from './download-link.ts';
import { notDownloadable, sendExportFile } from './send-file.ts';

const LinkQuery = Type.Object({
  expires: Type.Optional(Type.String({ maxLength: QUERY_PARAM_MAX })),
  signature: Type.Optional(Type.String({ maxLength: QUERY_PARAM_MAX })),
});

/** Mounts the signed download route (called by server.ts outside `/api/v1`). */
export async function registerExportDownloadRoutes(app: App, deps: AppDeps): Promise<void> {
  app.get(
    '/download/export/:id/',
    { config: { public: true }, schema: { hide: true, params: IdParams, querystring: LinkQuery } },
    async (request, reply) => {
      const { id } = request.params;
      const { expires = '', signature = '' } = request.query;
      // The organization comes from the export; the signature binds the link to it.
      const row = await deps.db.selectFrom('bulk_actions').selectAll().where('id', '=', id).where('kind', '=', 'export').executeTakeFirst();
      const check = row ? checkDownloadLink(deps.config, row.organization_id, id, expires, signature, deps.clock.now()) : 'invalid';
      if (!row || check === 'invalid') throw new SluiceError('forbidden', 'This download link is not valid.');
      if (check === 'expired') {
        throw new SluiceError('forbidden', 'This download link has expired; GET /api/v1/export/{id}/ gives a new download_url.');
      }
      const file = await deps.db
        .selectFrom('export_files')
        .selectAll()
        .where('organization_id', '=', row.organization_id)
        .where('action_id', '=', id)
        .executeTakeFirst();
      const refused = notDownloadable(row, file, deps.config);
      if (refused) throw refused;
      return sendExportFile(reply, row, deps.config);
    },
  );
}
