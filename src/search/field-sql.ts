/**
 * SQL expressions for a field's value on a row. Regular fields come from the allow-list in
 * `fields.ts`; custom fields read `custom -> $key` with the field id as a parameter. Each expression
 * is NULL exactly when the object has no usable value of the field's kind (a custom value of the
 * wrong JSON type counts as none), which is what the evaluator in the tests mirrors.
 */
import type { Field } from './ast.ts';
import { describeField, objectTypeDef } from './fields.ts';
import type { SqlBuilder } from './sql-builder.ts';

export interface FieldSql {
  /** The value: text, numeric, timestamptz, boolean, or for custom choices/references the raw jsonb. */
  readonly value: string;
  /** For custom fields: the jsonb value, and the placeholder of the field id. */
  readonly custom?: { readonly raw: string; readonly key: string };
}

/** The SQL of `field` on the row aliased `alias`. */
export function fieldSql(field: Field, alias: string, b: SqlBuilder): FieldSql {
  if (field.type === 'regular_field') {
    const def = objectTypeDef(field.object_type)?.fields.get(field.field_name);
    if (!def) throw new Error(`unknown field ${field.object_type}.${field.field_name}`);
    return { value: def.sql(alias, b) };
  }
  const key = b.param(field.custom_field_id);
  const raw = `${alias}.custom -> ${key}`;
  const text = `${alias}.custom ->> ${key}`;
  const isType = (t: string) => `jsonb_typeof(${raw}) = '${t}'`;
  let value: string;
  switch (describeField(field).kind) {
    case 'number':
      value = `(CASE WHEN ${isType('number')} THEN (${raw})::numeric END)`;
      break;
    case 'datetime':
      // Stored as ISO 8601 with an offset; the shape check keeps other strings from failing the cast.
      value = `(CASE WHEN ${isType('string')} AND (${text}) ~ '^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d' THEN (${text})::timestamptz END)`;
      break;
    case 'text':
    case 'date':
      value = `(CASE WHEN ${isType('string')} THEN ${text} END)`;
      break;
    default:
      value = raw;
  }
  return { value, custom: { raw, key } };
}
