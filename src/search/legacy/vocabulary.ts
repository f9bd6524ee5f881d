/**
 * The organization's own words a legacy query may use: lead status labels (`status:Potential`) and
 * custom field names (`custom.Lead Source:Web`). Loaded once per query, in two small statements.
 */
import type { Kysely } from 'kysely';
import { findCustomField, loadCustomFields, type CustomFieldDef } from '../../custom-fields/values.ts';
import type { Database } from '../../db/schema.ts';

export interface Vocabulary {
  /** Status ids by lower-cased label (labels are unique ignoring case). */
  readonly statuses: ReadonlyMap<string, string>;
  readonly customFields: Readonly<Record<'lead' | 'contact', readonly CustomFieldDef[]>>;
}

export async function loadVocabulary(db: Kysely<Database>, organizationId: string): Promise<Vocabulary> {
  const [statuses, lead, contact] = await Promise.all([
    db.selectFrom('lead_statuses').select(['id', 'label']).where('organization_id', '=', organizationId).execute(),
    loadCustomFields(db, organizationId, 'lead'),
    loadCustomFields(db, organizationId, 'contact'),
  ]);
  return { statuses: new Map(statuses.map((s) => [s.label.toLowerCase(), s.id])), customFields: { lead, contact } };
}

/**
 * The custom field of `objectType` a query names: by id, by exact name, then by name ignoring case
 * (names are unique ignoring case, so at most one matches).
 */
export function customFieldNamed(vocabulary: Vocabulary, objectType: 'lead' | 'contact', idOrName: string): CustomFieldDef | undefined {
  const fields = vocabulary.customFields[objectType];
  const lower = idOrName.toLowerCase();
  return findCustomField(fields, idOrName) ?? fields.find((f) => f.name.toLowerCase() === lower);
}
