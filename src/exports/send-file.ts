/**
 * Serving an export file: streamed from disk as stored (already gzip), never read into memory, with
 * the headers Close sets on its exports: `Content-Encoding: gzip` and `Content-Type: text/csv` or
 * `application/json`, so HTTP clients that decode gzip hand over the CSV or JSON itself.
 */
import fs from 'node:fs/promises';
import type { FastifyReply } from 'fastify';
import type { Config } from '../config.ts';
import { badRequest, notFound, SluiceError } from '../errors.ts';
import type { BulkActionRow } from '../bulk-actions/serialize.ts';
import { exportFilePath } from './export-file.ts';
import { downloadable, exportStatus } from './lifecycle.ts';
import type { ExportFileRow, ExportParams } from './serialize.ts';

/** Why `row` cannot be downloaded (a 400), or undefined when it can. */
export function notDownloadable(row: BulkActionRow, file: ExportFileRow | undefined, config: Config): SluiceError | undefined {
  if (downloadable(row.status, file)) return undefined;
  const status = exportStatus(row.status, file);
  if (status === 'expired') return badRequest(`The file of this export was deleted ${config.exports.retentionDays} days after it was done.`);
  return badRequest(`The export is ${status}; its file can be downloaded once the status is done.`);
}

/** Streams the file of the downloadable export `row`. */
export async function sendExportFile(reply: FastifyReply, row: BulkActionRow, config: Config): Promise<FastifyReply> {
  const params = row.params as unknown as ExportParams;
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(exportFilePath(config.dataDir, row.id, params.format), 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw notFound('export file');
    throw error;
  }
  const { size } = await handle.stat();
  return reply
    .header('content-type', params.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8')
    .header('content-encoding', 'gzip')
    .header('content-length', size)
    .header('content-disposition', `attachment; filename="${row.id}.${params.format}"`)
    .header('cache-control', 'private, no-store')
    .header('x-content-type-options', 'nosniff')
    .send(handle.createReadStream());
}
