/**
 * Custom field definitions in the database and their wire shape (Close's custom field object).
 * Every query is confined to one organization and one object type, so a lead field's id used on
 * the contact path is simply not found.
 */
import { sql, type Kysely, type Selectable } from 'kysely';
import type { CustomFieldsTable, Database } from '../db/schema.ts';
import { fieldError } from '../errors.ts';
import { formatTimestamp } from '../time.ts';
import type { FieldDefinition } from './field-definition.ts';
import type { CustomFieldDef, CustomFieldType } from './values.ts';

type Db = Kysely<Database>;
export type ObjectType = 'lead' | 'contact';
export type CustomFieldRow = Selectable<CustomFieldsTable>;

/** A row as Close shows a custom field. */
export function customFieldResponse(row: CustomFieldRow): Record<string, unknown> {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    type: row.type,
    choices: row.choices ?? null,
    accepts_multiple_values: row.accepts_multiple_values,
    editable_with_roles: row.editable_with_roles,
    organization_id: row.organization_id,
    created_by: row.created_by,
    updated_by: row.updated_by,
    date_created: formatTimestamp(row.date_created),
    date_updated: formatTimestamp(row.date_updated),
  };
}

/** The subset values.ts works with. */
export function toDef(row: CustomFieldRow): CustomFieldDef {
  return {
    id: row.id,
    organization_id: row.organization_id,
    object_type: row.object_type,
    name: row.name,
    type: row.type as CustomFieldType,
    choices: row.choices ?? null,
    accepts_multiple_values: row.accepts_multiple_values,
  };
}

/** One field of the organization and object type, or undefined; `forUpdate` locks the row. */
export async function findField(db: Db, organizationId: string, objectType: ObjectType, id: string, forUpdate = false): Promise<CustomFieldRow | undefined> {
  let query = db
    .selectFrom('custom_fields')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where('object_type', '=', objectType)
    .where('id', '=', id);
  if (forUpdate) query = query.forUpdate();
  return query.executeTakeFirst();
}

/** A page of fields, oldest first (`limit + 1` rows, for has_more). */
export async function listFields(db: Db, organizationId: string, objectType: ObjectType, skip: number, limit: number): Promise<CustomFieldRow[]> {
  return db
    .selectFrom('custom_fields')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where('object_type', '=', objectType)
    .orderBy('date_created')
    .orderBy('id')
    .offset(skip)
    .limit(limit)
    .execute();
}

/**
 * Refuses a name another field of the same object type already has (case-insensitively, since
 * fields are also addressed by name). Callers hold the organization lock, so two creates cannot both pass.
 */
export async function checkNameFree(db: Db, organizationId: string, objectType: ObjectType, name: string, exceptId?: string): Promise<void> {
  const taken = await db
    .selectFrom('custom_fields')
    .select(['id', 'name'])
    .where('organization_id', '=', organizationId)
    .where('object_type', '=', objectType)
    .where((eb) => eb(eb.fn('lower', ['name']), '=', name.toLowerCase()))
    .executeTakeFirst();
  if (taken && taken.id !== exceptId) throw fieldError('name', `A ${objectType} custom field named "${taken.name}" already exists.`);
}

/** Serialises definition writes of one organization (name uniqueness). */
export async function lockOrganization(db: Db, organizationId: string): Promise<void> {
  // NO KEY UPDATE, not UPDATE: it serialises these writers without blocking the KEY SHARE locks
  // that every lead or contact insert of the organization takes through its foreign key.
  await db.selectFrom('organizations').select('id').where('id', '=', organizationId).forNoKeyUpdate().executeTakeFirst();
}

/** Inserts a field and returns its row. */
export async function insertField(
  db: Db,
  input: { id: string; organizationId: string; objectType: ObjectType; userId: string; at: Date; definition: FieldDefinition },
): Promise<CustomFieldRow> {
  const d = input.definition;
  return db
    .insertInto('custom_fields')
    .values({
      id: input.id,
      organization_id: input.organizationId,
      object_type: input.objectType,
      name: d.name,
      description: d.description,
      type: d.type,
      choices: d.choices === null ? null : JSON.stringify(d.choices),
      accepts_multiple_values: d.accepts_multiple_values,
      editable_with_roles: JSON.stringify(d.editable_with_roles),
      created_by: input.userId,
      updated_by: input.userId,
      date_created: input.at,
      date_updated: input.at,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Writes a field's new definition and returns its row. */
export async function updateField(db: Db, row: CustomFieldRow, definition: FieldDefinition, userId: string, at: Date): Promise<CustomFieldRow> {
  return db
    .updateTable('custom_fields')
    .set({
      name: definition.name,
      description: definition.description,
      type: definition.type,
      choices: definition.choices === null ? null : JSON.stringify(definition.choices),
      accepts_multiple_values: definition.accepts_multiple_values,
      editable_with_roles: JSON.stringify(definition.editable_with_roles),
      updated_by: userId,
      date_updated: at,
    })
    .where('organization_id', '=', row.organization_id)
    .where('id', '=', row.id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** The table holding values of fields of `objectType`. */
export function valueTable(objectType: ObjectType): 'leads' | 'contacts' {
  return objectType === 'lead' ? 'leads' : 'contacts';
}

/** Deletes a field and, in the caller's transaction, its value from every object; returns how many objects held one. */
export async function deleteField(db: Db, row: CustomFieldRow): Promise<number> {
  const result = await db
    .updateTable(valueTable(row.object_type))
    .set({ custom: sql`custom - ${row.id}::text` })
    .where('organization_id', '=', row.organization_id)
    .where(sql<boolean>`custom ? ${row.id}::text`)
    .executeTakeFirst();
  await db.deleteFrom('custom_fields').where('organization_id', '=', row.organization_id).where('id', '=', row.id).execute();
  return Number(result.numUpdatedRows);
}
