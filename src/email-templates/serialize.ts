/** An email template as `/email_template/` shows it, with the sequences whose steps send it. */
import type { Kysely, Selectable } from 'kysely';
import type { Database, EmailTemplatesTable } from '../db/schema.ts';
import { formatTimestamp } from '../time.ts';

export type TemplateRow = Selectable<EmailTemplatesTable>;

/** Loads `used_by_sequences` for many templates in one query. */
export async function sequencesUsing(db: Kysely<Database>, organizationId: string, templateIds: readonly string[]): Promise<Map<string, { id: string; name: string }[]>> {
  const out = new Map<string, { id: string; name: string }[]>();
  if (templateIds.length === 0) return out;
  const rows = await db
    .selectFrom('sequence_steps')
    .innerJoin('sequences', (join) => join.onRef('sequences.id', '=', 'sequence_steps.sequence_id').onRef('sequences.organization_id', '=', 'sequence_steps.organization_id'))
    .select(['sequence_steps.email_template_id as template_id', 'sequences.id', 'sequences.name'])
    .where('sequence_steps.organization_id', '=', organizationId)
    .where('sequence_steps.email_template_id', 'in', [...templateIds])
    .distinct()
    .orderBy('sequences.id')
    .execute();
  for (const row of rows) {
    if (!row.template_id) continue;
    const list = out.get(row.template_id) ?? [];
    list.push({ id: row.id, name: row.name });
    out.set(row.template_id, list);
  }
  return out;
}

/** Close's EmailTemplate fields. */
export function templateResponse(row: TemplateRow, usedBy: readonly { id: string; name: string }[] = []): Record<string, unknown> {
  return {
    id: row.id,
    organization_id: row.organization_id,
    name: row.name,
    subject: row.subject,
    body: row.body,
    is_shared: row.is_shared,
    is_archived: row.is_archived,
    attachments: row.attachments ?? [],
    used_by_sequences: usedBy,
    created_by: row.created_by,
    updated_by: row.updated_by,
    date_created: formatTimestamp(row.date_created),
    date_updated: formatTimestamp(row.date_updated),
  };
}
