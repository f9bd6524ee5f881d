/**
 * A parsed query back to Close's JSON, for storing: Smart Views and bulk actions keep what was
 * validated, not the request's raw JSON, so unknown keys (of any size or depth) never reach the
 * database and a stored query always parses again. Smart View references stay references: the
 * stored query follows the Smart View as it changes, as it did when sent.
 */
import { assertNever, type Condition, type Field, type Query, type SortKey } from './ast.ts';

function fieldToJson(field: Field): Record<string, unknown> {
  return field.type === 'regular_field'
    ? { type: 'regular_field', object_type: field.object_type, field_name: field.field_name }
    : { type: 'custom_field', custom_field_id: field.custom_field_id };
}

function conditionToJson(condition: Condition): Record<string, unknown> {
  switch (condition.type) {
    case 'text':
      return { type: 'text', mode: condition.mode, value: condition.value };
    case 'term':
      return { type: 'term', values: [...condition.values] };
    case 'reference':
      return { type: 'reference', reference_type: condition.reference_type, object_ids: [...condition.object_ids] };
    case 'number_range': {
      const out: Record<string, unknown> = { type: 'number_range' };
      for (const bound of ['gt', 'gte', 'lt', 'lte'] as const) if (condition[bound] !== null) out[bound] = condition[bound];
      return out;
    }
    case 'boolean':
      return { type: 'boolean', value: condition.value };
    case 'exists':
    case 'current_user':
      return { type: condition.type };
    case 'moment_range':
      // Moments are plain data already (parse-condition.ts builds them key by key).
      return { type: 'moment_range', on_or_after: condition.on_or_after, before: condition.before };
    default:
      return assertNever(condition);
  }
}

function nodeToJson(q: Query): Record<string, unknown> {
  switch (q.type) {
    case 'and':
    case 'or':
      return { type: q.type, queries: q.queries.map(queryToJson) };
    case 'object_type':
      return { type: 'object_type', object_type: q.object_type };
    case 'id':
      return { type: 'id', value: q.value };
    case 'text':
      return { type: 'text', mode: q.mode, value: q.value };
    case 'field_condition':
      return { type: 'field_condition', field: fieldToJson(q.field), condition: conditionToJson(q.condition) };
    case 'has_related':
      return {
        type: 'has_related',
        this_object_type: q.this_object_type,
        related_object_type: q.related_object_type,
        related_query: queryToJson(q.related_query),
      };
    case 'match_all':
      return { type: 'match_all' };
    case 'slice':
      return { type: 'slice', slice: q.slice, total_slices: q.total_slices };
    case 'saved_search':
      return { type: 'saved_search', saved_search_id: q.saved_search_id };
    default:
      return assertNever(q);
  }
}

/** `q` as Close's query JSON (`negate` only where true). */
export function queryToJson(q: Query): Record<string, unknown> {
  const out = nodeToJson(q);
  return q.negate ? { ...out, negate: true } : out;
}

/** Sort keys as Close's JSON. */
export function sortToJson(sort: readonly SortKey[]): Record<string, unknown>[] {
  return sort.map((key) => ({ direction: key.direction, field: fieldToJson(key.field) }));
}
