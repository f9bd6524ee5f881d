/**
 * Fixtures for lead and contact tests: custom fields and statuses inserted directly, so these tests
 * do not depend on the custom-field and status endpoints.
 */
import type { Db } from '../../src/db/database.ts';
import { newId } from '../../src/ids.ts';

export interface FieldSpec {
  readonly name: string;
  readonly type: 'text' | 'number' | 'date' | 'datetime' | 'choices' | 'user' | 'contact' | 'hidden';
  readonly objectType?: 'lead' | 'contact';
  readonly choices?: string[];
  readonly multiple?: boolean;
}

/** Inserts a custom field for `organizationId`; returns its id. */
export async function insertCustomField(db: Db, organizationId: string, spec: FieldSpec): Promise<string> {
  const id = newId('cf');
  await db
    .insertInto('custom_fields')
    .values({
      id,
      organization_id: organizationId,
      object_type: spec.objectType ?? 'lead',
      name: spec.name,
      description: null,
      type: spec.type,
      choices: spec.choices ? JSON.stringify(spec.choices) : null,
      accepts_multiple_values: spec.multiple ?? false,
      editable_with_roles: '[]',
      created_by: null,
      updated_by: null,
    })
    .execute();
  return id;
}

/** The statuses of an organization in order. */
export async function statusesOf(db: Db, organizationId: string): Promise<{ id: string; label: string }[]> {
  return db
    .selectFrom('lead_statuses')
    .select(['id', 'label'])
    .where('organization_id', '=', organizationId)
    .orderBy('position')
    .execute();
}

/** Counts rows of `table` belonging to `organizationId`. */
export async function countRows(
  db: Db,
  table: 'leads' | 'contacts' | 'contact_emails' | 'contact_phones' | 'contact_urls' | 'addresses' | 'events' | 'unsubscribed_emails',
  organizationId: string,
): Promise<number> {
  const row = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('organization_id', '=', organizationId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
