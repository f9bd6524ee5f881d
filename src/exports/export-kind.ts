/**
 * Exports run by the bulk-action engine, as a kind with endpoints of its own (`/export/…`,
 * routes.ts): the engine claims, leases, loads the matched leads once in `sort` order, batches,
 * pauses, resumes, cancels, counts and sends the done email exactly as for bulk actions. What the
 * kind adds is its file: each batch renders its leads (or their contacts) with the API serializers,
 * deflates them as one segment of a single gzip stream (gzip-segments.ts), and appends the segment
 * under the action's lock, fsynced before the batch commits the new length (export-file.ts). The
 * transaction that ends the export writes the gzip trailer.
 *
 * Counters: `n_objects` / `n_objects_processed` (shown as `n_docs` / `n_docs_processed`) count the
 * objects written: leads, or contacts for type `contacts`.
 */
import { sql } from 'kysely';
import { Type } from 'typebox';
import { fieldError } from '../errors.ts';
import { LABEL_MAX, LIST_MAX } from '../http/input-limits.ts';
import { BulkActionFatalError, type BulkActionKind, type BulkActionRecord, type DoneEmailContext, type Trx } from '../bulk-actions/kind.ts';
import { LeaseLostError } from '../bulk-actions/state-machine.ts';
import { formatTimestamp } from '../time.ts';
import { DATE_FORMATS, type DateFormat } from './csv.ts';
import { signedDownloadUrl } from './download-link.ts';
import { ExportFileLostError, exportFilePath, writeSegmentAt, type ExportFormat } from './export-file.ts';
import { csvColumns, validateFields, type CsvColumn, type ExportType } from './fields.ts';
import { advance, finalSegment, middleSegment, type StreamState } from './gzip-segments.ts';
import { renderBatch, renderEnd, type RenderSpec } from './render-batch.ts';
import { serializeExport, type ExportFileRow, type ExportParams } from './serialize.ts';

const FORMATS: readonly ExportFormat[] = ['csv', 'json'];
const TYPES: readonly ExportType[] = ['leads', 'contacts'];

/** The kind's own request fields (the common ones, s_query … send_done_email, are the engine's). */
export const exportBodyProperties = {
  format: Type.Optional(Type.String({ maxLength: LABEL_MAX })),
  type: Type.Optional(Type.String({ maxLength: LABEL_MAX })),
  // Field names; `custom.cf_…` ones are checked against the organization's custom fields.
  fields: Type.Optional(Type.Union([Type.Array(Type.String({ maxLength: LABEL_MAX }), { maxItems: LIST_MAX }), Type.Null()])),
  date_format: Type.Optional(Type.Union([Type.String({ maxLength: LABEL_MAX }), Type.Null()])),
  include_activities: Type.Optional(Type.Boolean()),
  include_smart_fields: Type.Optional(Type.Boolean()),
};

function oneOf<T extends string>(body: Record<string, unknown>, key: string, allowed: readonly T[], extra?: Record<string, string>): T {
  const value = body[key];
  if (value === undefined || value === null) throw fieldError(key, `This field is required (one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}).`);
  if (typeof value === 'string' && extra && Object.hasOwn(extra, value)) throw fieldError(key, extra[value]!);
  if (!allowed.includes(value as T)) throw fieldError(key, `Input should be one of: ${allowed.map((a) => JSON.stringify(a)).join(', ')}.`);
  return value as T;
}

async function fileOf(trx: Trx, action: BulkActionRecord): Promise<ExportFileRow> {
  const file = await trx
    .selectFrom('export_files')
    .selectAll()
    .where('organization_id', '=', action.organizationId)
    .where('action_id', '=', action.id)
    .executeTakeFirst();
  // Written in the transaction that ended loading, so a processing export always has one.
  if (!file) throw new BulkActionFatalError('The export has no file record; it cannot go on.');
  return file;
}

function specOf(action: BulkActionRecord<ExportParams>, file: ExportFileRow): RenderSpec {
  return {
    organizationId: action.organizationId,
    type: action.params.type,
    format: action.params.format,
    fields: action.params.fields,
    dateFormat: action.params.date_format,
    columns: (file.columns as CsvColumn[] | null) ?? null,
    publicUrl: action.config.publicUrl,
  };
}

const streamOf = (file: ExportFileRow): StreamState => ({ crc32: Number(file.crc32), rawBytes: Number(file.raw_bytes) });

/**
 * Writes `segment` after the committed prefix of the file and records the new committed state in
 * the batch's transaction. The caller holds the action's lock; `expectedBytes` is the committed
 * length its rendering assumed, re-checked under the lock.
 */
async function append(
  trx: Trx,
  action: BulkActionRecord<ExportParams>,
  expectedBytes: string,
  segment: Buffer,
  next: { stream: StreamState; nRows: number; finished: boolean },
): Promise<void> {
  const now = await fileOf(trx, action);
  // Another worker advanced the file since this batch read it: its items are not ours to write.
  if (now.bytes !== expectedBytes) throw new LeaseLostError(action.id);
  const committed = Number(now.bytes);
  try {
    await writeSegmentAt(exportFilePath(action.config.dataDir, action.id, action.params.format), committed, segment);
  } catch (error) {
    if (error instanceof ExportFileLostError) throw new BulkActionFatalError(error.message);
    throw error;
  }
  await trx
    .updateTable('export_files')
    .set({
      bytes: committed + segment.length,
      crc32: next.stream.crc32,
      raw_bytes: next.stream.rawBytes,
      started: true,
      n_rows: next.nRows,
      ...(next.finished ? { date_finished: sql<Date>`now()` } : {}),
    })
    .where('organization_id', '=', action.organizationId)
    .where('action_id', '=', action.id)
    .execute();
}

function doneEmail(row: Parameters<NonNullable<BulkActionKind['doneEmail']>>[0], worker: DoneEmailContext | undefined): { subject: string; text: string } {
  const params = row.params as unknown as ExportParams;
  const objects = params.type === 'leads' ? 'leads' : 'contacts';
  const done = row.status === 'done';
  const lines = [
    `Your export ${row.id} (${params.type}, ${params.format}) ${done ? 'is done' : 'stopped with an error'}.`,
    '',
    `Leads matched: ${row.n_leads ?? 0}`,
    `${objects[0]!.toUpperCase()}${objects.slice(1)} written: ${row.n_objects_processed}`,
  ];
  if (done && worker) {
    const { config, now } = worker;
    lines.push(
      '',
      `Download (link valid until ${formatTimestamp(new Date(now.getTime() + config.exports.linkSeconds * 1000))}):`,
      signedDownloadUrl(config, row.organization_id, row.id, now),
      '',
      `Or with your API key: ${config.publicUrl}/api/v1/export/${row.id}/download/`,
      `The file is kept for ${config.exports.retentionDays} days.`,
    );
  }
  if (row.error_message) lines.push('', `Error: ${row.error_message}`);
  return {
    subject: done ? `Export done: ${row.n_objects_processed} ${objects}` : `Export failed: ${row.n_objects_processed} ${objects} written`,
    text: `${lines.join('\n')}\n`,
  };
}

export const exportKind: BulkActionKind<ExportParams> = {
  name: 'export',
  idPrefix: 'expo',
  eventObjectType: 'export',
  bodyProperties: exportBodyProperties,

  async validateCreate(ctx, body) {
    const format = oneOf(body, 'format', FORMATS);
    const type = oneOf(body, 'type', TYPES, { lead_opps: 'Sluice has no opportunities: only "leads" and "contacts" exports exist.' });
    const dateFormat = body.date_format === undefined || body.date_format === null ? 'original' : oneOf(body, 'date_format', DATE_FORMATS);
    for (const key of ['include_activities', 'include_smart_fields'] as const) {
      if (body[key] === true) throw fieldError(key, 'Sluice exports have no activities or smart fields; send false or leave it out.');
    }
    const fields = await validateFields(ctx.db, ctx.organizationId, type, body.fields);
    return { type, format, fields, date_format: dateFormat as DateFormat };
  },

  serialize(params) {
    return { type: params.type, format: params.format, fields: params.fields, date_format: params.date_format };
  },

  // Runs in the transaction that ends loading: the file record, with the CSV header fixed now.
  async onLoaded(trx, action, nLeads) {
    const { params, organizationId } = action;
    const columns = params.format === 'csv' ? await csvColumns(trx, organizationId, params.type, params.fields) : null;
    await trx
      .insertInto('export_files')
      .values({ organization_id: organizationId, action_id: action.id, columns: columns === null ? null : JSON.stringify(columns) })
      .onConflict((oc) =>
        oc.columns(['organization_id', 'action_id']).doUpdateSet({
          columns: columns === null ? null : JSON.stringify(columns),
          bytes: 0,
          crc32: 0,
          raw_bytes: 0,
          started: false,
          n_rows: 0,
          date_finished: null,
          date_removed: null,
        }),
      )
      .execute();
    if (params.type === 'leads') return nLeads;
    const row = await trx
      .selectFrom('contacts')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('organization_id', '=', organizationId)
      .where('lead_id', 'in', (eb) =>
        eb.selectFrom('bulk_action_items').select('lead_id').where('organization_id', '=', organizationId).where('action_id', '=', action.id),
      )
      .executeTakeFirstOrThrow();
    return Number(row.n);
  },

  async processBatch(trx, action, items, batch) {
    // Read and render before taking the action's lock, so a PUT waits only for the write.
    const file = await fileOf(trx, action);
    const rendered = await renderBatch(trx, specOf(action, file), items, { started: file.started, nRows: Number(file.n_rows) });
    const raw = Buffer.from(rendered.text, 'utf8');
    const segment = await middleSegment(raw, Number(file.bytes) === 0);
    await batch.lockAction();
    await append(trx, action, file.bytes, segment, {
      stream: advance(streamOf(file), raw),
      nRows: Number(file.n_rows) + rendered.nRows,
      finished: false,
    });
    return rendered.outcomes;
  },

  async finish(trx, action, batch) {
    await batch.lockAction();
    const file = await fileOf(trx, action);
    const raw = Buffer.from(renderEnd(specOf(action, file), { started: file.started, nRows: Number(file.n_rows) }), 'utf8');
    const segment = await finalSegment(raw, streamOf(file), Number(file.bytes) === 0);
    await append(trx, action, file.bytes, segment, { stream: advance(streamOf(file), raw), nRows: Number(file.n_rows), finished: true });
  },

  present(row, config) {
    return serializeExport(row, undefined, config, null);
  },

  doneEmail,

  describe(params) {
    return `Exported ${params.type} as ${params.format}.`;
  },
};
