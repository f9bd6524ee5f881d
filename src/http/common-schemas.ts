/** Path and query schemas most routes share, bounded by input-limits.ts. */
import { Type } from 'typebox';
import { ID_MAX, QUERY_PARAM_MAX } from './input-limits.ts';

/** `_fields`: a comma list of the keys to return. */
export const FieldsParam = Type.String({ maxLength: QUERY_PARAM_MAX });

/** The query string of a route whose only parameter is `_fields`. */
export const FieldsQuery = Type.Object({ _fields: Type.Optional(FieldsParam) });

/** An object id in a body, a filter or a path. */
export const IdString = Type.String({ maxLength: ID_MAX });

/** `/{id}/` path parameters. */
export const IdParams = Type.Object({ id: IdString });

/** A string of at most `maxLength` characters, or null. */
export function nullableString(maxLength: number) {
  return Type.Union([Type.String({ maxLength }), Type.Null()]);
}
