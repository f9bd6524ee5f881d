/**
 * The text one batch adds to an export: the batch's leads (type `leads`), or the contacts of its
 * leads (type `contacts`: by lead in the export's order, then by contact creation), read with the
 * API's own serializers in a fixed number of queries per batch, so memory stays one batch deep
 * whatever the export's size.
 *
 * JSON files are one array (what Close's own import script reads with `json.load`): `[`, the
 * objects separated by `,\n`, then `\n]\n` (or `[]\n` for none), written across batches.
 */
import { sql } from 'kysely';
import { loadContactObjects } from '../contacts/serialize.ts';
import { loadLeadObjects } from '../leads/serialize.ts';
import type { BulkItem, ItemOutcome, Trx } from '../bulk-actions/kind.ts';
import { csvHeader, csvRow, type DateFormat } from './csv.ts';
import { pickFields, type CsvColumn, type ExportType } from './fields.ts';
import type { ExportFormat } from './export-file.ts';

export interface RenderSpec {
  readonly organizationId: string;
  readonly type: ExportType;
  readonly format: ExportFormat;
  readonly fields: readonly string[];
  readonly dateFormat: DateFormat;
  /** CSV only: the header, fixed at loading. */
  readonly columns: readonly CsvColumn[] | null;
  readonly publicUrl: string;
}

/** Where the file stands: whether anything (header, `[`) was written, and how many objects. */
export interface RenderState {
  readonly started: boolean;
  readonly nRows: number;
}

export interface RenderedBatch {
  readonly text: string;
  readonly nRows: number;
  readonly outcomes: ItemOutcome[];
}

function opening(spec: RenderSpec): string {
  return spec.format === 'csv' ? csvHeader(spec.columns ?? []) : '[';
}

function serialize(spec: RenderSpec, object: Record<string, unknown>, first: boolean): string {
  const picked = pickFields(object, spec.fields);
  if (spec.format === 'csv') return csvRow(picked, spec.columns ?? [], spec.dateFormat);
  return `${first ? '\n' : ',\n'}${JSON.stringify(picked)}`;
}

/** The contacts of `leadIds` in export order: by the lead's place in the batch, then creation. */
async function contactIdsOf(trx: Trx, organizationId: string, leadIds: readonly string[]): Promise<{ id: string; lead_id: string }[]> {
  const result = await sql<{ id: string; lead_id: string }>`
    SELECT c.id, c.lead_id
    FROM unnest(${[...leadIds]}::text[]) WITH ORDINALITY AS b(lead_id, n)
    JOIN contacts c ON c.organization_id = ${organizationId} AND c.lead_id = b.lead_id
    ORDER BY b.n, c.date_created, c.id`.execute(trx);
  return result.rows;
}

/** Renders `items` (in position order) after `state`. */
export async function renderBatch(trx: Trx, spec: RenderSpec, items: readonly BulkItem[], state: RenderState): Promise<RenderedBatch> {
  const leadIds = items.map((item) => item.leadId);
  let text = state.started ? '' : opening(spec);
  let nRows = 0;
  const outcomes: ItemOutcome[] = [];
  const add = (object: Record<string, unknown>) => {
    text += serialize(spec, object, state.nRows + nRows === 0);
    nRows += 1;
  };
  if (spec.type === 'leads') {
    const leads = await loadLeadObjects(trx, spec.organizationId, leadIds, { publicUrl: spec.publicUrl, fields: spec.fields });
    for (const id of leadIds) {
      const lead = leads.get(id);
      // A lead deleted since loading has no outcome: the engine records it as skipped (lead_deleted).
      if (!lead) continue;
      add(lead);
      outcomes.push({ leadId: id, status: 'done', nObjects: 1 });
    }
    return { text, nRows, outcomes };
  }
  const [rows, existing] = await Promise.all([
    contactIdsOf(trx, spec.organizationId, leadIds),
    trx.selectFrom('leads').select('id').where('organization_id', '=', spec.organizationId).where(sql<boolean>`id = ANY(${[...leadIds]}::text[])`).execute(),
  ]);
  const contacts = await loadContactObjects(trx, spec.organizationId, rows.map((row) => row.id));
  const perLead = new Map<string, number>();
  for (const row of rows) {
    const contact = contacts.get(row.id);
    if (!contact) continue;
    add(contact);
    perLead.set(row.lead_id, (perLead.get(row.lead_id) ?? 0) + 1);
  }
  for (const { id } of existing) {
    const n = perLead.get(id) ?? 0;
    outcomes.push(n > 0 ? { leadId: id, status: 'done', nObjects: n } : { leadId: id, status: 'skipped', reason: 'no_contacts', nObjects: 0 });
  }
  return { text, nRows, outcomes };
}

/** The text that ends the file after `state`. */
export function renderEnd(spec: RenderSpec, state: RenderState): string {
  const start = state.started ? '' : opening(spec);
  if (spec.format === 'csv') return start;
  return `${start}${state.nRows === 0 ? ']\n' : '\n]\n'}`;
}
