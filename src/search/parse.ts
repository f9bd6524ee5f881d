/**
 * JSON → AST. Validates the whole query against the object type it is evaluated on, so that the
 * compiler never meets a node it cannot translate. Every refusal is a SluiceError (400) whose field
 * path is the JSON path of the bad node and whose message says what is allowed there.
 *
 * Which objects a query returns: the `object_type` clauses reachable from the root through `and`/`or`
 * (a negated clause does not count; a Smart View counts as its own `type`). None selects leads;
 * naming two different types is a 400, since a response holds one type. Below the root, every node
 * is evaluated on one object type: the result type at the top, the related type inside
 * `has_related.related_query`. `object_type` clauses are then simply true or false.
 */
import { fieldError, SluiceError } from '../errors.ts';
import { QUERY_TYPES, RESULT_OBJECT_TYPES, type Field, type Query, type ResultObjectType, type SortKey } from './ast.ts';
import { customFieldKind, isResultType, objectTypeDef, SORTABLE_KINDS } from './fields.ts';
import { asEnum, asList, asNegate, asObject, asString, at, describe, LIMITS } from './json-input.ts';
import { parseCondition, parseTextValue, type FieldInfo } from './parse-condition.ts';
import { relatedTypesOf } from './related.ts';
import { distinctWords } from './text-match.ts';

export interface CustomFieldDefinition {
  readonly id: string;
  readonly object_type: ResultObjectType;
  readonly type: string;
}

export interface SavedSearchDefinition {
  readonly id: string;
  readonly type: string;
  /** The stored `s_query.query`, as JSON. */
  readonly query: unknown;
}

/** What parsing needs from the database: the organization's custom fields and Smart Views. */
export interface Catalog {
  readonly customFields: ReadonlyMap<string, CustomFieldDefinition>;
  readonly savedSearches: ReadonlyMap<string, SavedSearchDefinition>;
}

interface State {
  readonly catalog: Catalog;
  /** Smart Views being expanded, outermost first (cycle guard). */
  readonly expanding: readonly string[];
  nodes: number;
}

/** The object type a query returns (see the module comment). */
export function resultTypeOf(raw: unknown, path: string): ResultObjectType {
  return namedResultType(raw, path) ?? 'lead';
}

/** The object type a query's own `object_type` clauses name, if any (a 400 if they conflict). */
export function namedResultType(raw: unknown, path: string): ResultObjectType | undefined {
  let found: { type: ResultObjectType; path: string } | undefined;
  const visit = (node: unknown, nodePath: string, depth: number): void => {
    if (depth > LIMITS.depth || node === null || typeof node !== 'object' || Array.isArray(node)) return;
    const o = node as Record<string, unknown>;
    if (o.negate === true) return;
    let named: unknown;
    if (o.type === 'object_type') named = o.object_type;
    if ((o.type === 'and' || o.type === 'or' || isUntypedAnd(o)) && Array.isArray(o.queries)) {
      o.queries.slice(0, LIMITS.listItems).forEach((q, i) => visit(q, `${nodePath}.queries[${i}]`, depth + 1));
    }
    if (typeof named !== 'string' || !isResultType(named)) return;
    if (found && found.type !== named) {
      throw fieldError(
        `${nodePath}.object_type`,
        `A query returns one object type; "${found.type}" is already selected at ${found.path}.`,
      );
    }
    found ??= { type: named, path: nodePath };
  };
  visit(raw, path, 0);
  return found?.type;
}

/**
 * A node with `queries` and no `type` is an `and`: Close's Bulk Actions page sends
 * `{"s_query": {"queries": [...]}}`. Stored queries are written back with `type: "and"`.
 */
function isUntypedAnd(o: Readonly<Record<string, unknown>>): boolean {
  return o.type === undefined && o.queries !== undefined;
}

/** Parses a query evaluated on `objectType`; `expanding` lists Smart Views already being expanded. */
export function parseQuery(
  raw: unknown,
  path: string,
  objectType: string,
  catalog: Catalog,
  expanding: readonly string[] = [],
): Query {
  const query = parseNode(raw, path, objectType, { catalog, expanding, nodes: 0 }, 0);
  const words = textWordsOf(query);
  if (words > LIMITS.queryWords) {
    throw fieldError(path, `A query may search for at most ${LIMITS.queryWords} words in all (its text values and Smart Views); this one has ${words}.`);
  }
  return query;
}

/** Distinct words per text value, summed over the query: each costs its own regular expression. */
function textWordsOf(q: Query): number {
  switch (q.type) {
    case 'and':
    case 'or':
      return q.queries.reduce((sum, s) => sum + textWordsOf(s), 0);
    case 'text':
      return q.mode === 'exact_value' ? 0 : distinctWords(q.value).length;
    case 'field_condition':
      return q.condition.type === 'text' && q.condition.mode !== 'exact_value' ? distinctWords(q.condition.value).length : 0;
    case 'has_related':
      return textWordsOf(q.related_query);
    case 'saved_search':
      return textWordsOf(q.query);
    default:
      return 0;
  }
}

function parseNode(raw: unknown, path: string, objectType: string, state: State, depth: number): Query {
  if (depth > LIMITS.depth) throw fieldError(path, `Queries may nest at most ${LIMITS.depth} levels deep.`);
  state.nodes += 1;
  if (state.nodes > LIMITS.nodes) throw fieldError(path, `A query may have at most ${LIMITS.nodes} nodes.`);
  const o = asObject(raw, path, 'a query object');
  const type = isUntypedAnd(o) ? 'and' : asEnum(o.type, at(path, 'type'), QUERY_TYPES);
  const negate = asNegate(o.negate, at(path, 'negate'));
  const primary = isResultType(objectType);
  const requirePrimary = () => {
    if (!primary) {
      throw fieldError(at(path, 'type'), `"${type}" applies to leads and contacts; here the object is "${objectType}".`);
    }
  };
  switch (type) {
    case 'and':
    case 'or': {
      const listPath = at(path, 'queries');
      const queries = asList(o.queries, listPath, 'a list of queries').map((q, i) =>
        parseNode(q, at(listPath, i), objectType, state, depth + 1),
      );
      return { type, negate, queries };
    }
    case 'object_type':
      return { type, negate, object_type: asEnum(o.object_type, at(path, 'object_type'), RESULT_OBJECT_TYPES) };
    case 'id':
      requirePrimary();
      return { type, negate, value: asString(o.value, at(path, 'value'), { allowEmpty: false }) };
    case 'text':
      requirePrimary();
      return { type, negate, ...parseTextValue(o, path) };
    case 'match_all':
      return { type, negate };
    case 'slice':
      requirePrimary();
      return { type, negate, ...parseSlice(o, path) };
    case 'field_condition': {
      const { field, info } = parseField(o.field, at(path, 'field'), objectType, state.catalog);
      return { type, negate, field, condition: parseCondition(o.condition, at(path, 'condition'), info) };
    }
    case 'has_related': {
      const thisPath = at(path, 'this_object_type');
      if (o.this_object_type !== objectType) {
        throw fieldError(thisPath, `Must be "${objectType}", the object this clause applies to; got ${describe(o.this_object_type)}.`);
      }
      const related = asEnum(o.related_object_type, at(path, 'related_object_type'), relatedTypesOf(objectType));
      const relatedQuery = parseNode(o.related_query, at(path, 'related_query'), related, state, depth + 1);
      return { type, negate, this_object_type: objectType, related_object_type: related, related_query: relatedQuery };
    }
    case 'saved_search': {
      requirePrimary();
      return parseSavedSearch(o, path, objectType, state, depth, negate);
    }
  }
}

/** `slice` (1-based) and `total_slices`: whole numbers, 1 ≤ slice ≤ total_slices ≤ LIMITS.totalSlices. */
function parseSlice(o: Readonly<Record<string, unknown>>, path: string): { slice: number; total_slices: number } {
  const whole = (value: unknown, key: string, max: number): number => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
      throw fieldError(at(path, key), `Expected a whole number from 1 to ${max}, got ${describe(value)}.`);
    }
    return value;
  };
  const total = whole(o.total_slices, 'total_slices', LIMITS.totalSlices);
  return { slice: whole(o.slice, 'slice', total), total_slices: total };
}

function parseSavedSearch(
  o: Readonly<Record<string, unknown>>,
  path: string,
  objectType: string,
  state: State,
  depth: number,
  negate: boolean,
): Query {
  const idPath = at(path, 'saved_search_id');
  const id = asString(o.saved_search_id, idPath, { allowEmpty: false });
  const saved = state.catalog.savedSearches.get(id);
  if (!saved) throw fieldError(idPath, 'Unknown saved search.');
  if (state.expanding.includes(id)) {
    throw fieldError(idPath, `Saved search ${id} refers to itself (through ${[...state.expanding, id].join(' → ')}).`);
  }
  if (saved.type !== objectType) {
    throw fieldError(idPath, `This saved search finds ${saved.type}s; a ${objectType} query is expected here.`);
  }
  let query: Query;
  const inner: State = { ...state, expanding: [...state.expanding, id] };
  try {
    query = parseNode(saved.query, 'query', objectType, inner, depth + 1);
  } catch (error) {
    if (!(error instanceof SluiceError)) throw error;
    const inner = Object.entries(error.fieldErrors)[0];
    const detail = inner ? `${inner[0]}: ${inner[1]}` : error.message;
    // A cycle is reported as such; anything else names the stored query's own bad node.
    throw fieldError(idPath, detail.includes('refers to itself') ? detail.replace(/^[^:]*: /, '') : `The saved search's query is invalid (${detail})`);
  }
  state.nodes = inner.nodes;
  return { type: 'saved_search', negate, saved_search_id: id, query };
}

/** Parses a field reference evaluated on `objectType`. */
export function parseField(raw: unknown, path: string, objectType: string, catalog: Catalog): { field: Field; info: FieldInfo } {
  const o = asObject(raw, path, 'a field object');
  const type = asEnum(o.type, at(path, 'type'), ['regular_field', 'custom_field'] as const);
  if (type === 'regular_field') {
    const otPath = at(path, 'object_type');
    if (o.object_type !== objectType) {
      throw fieldError(
        otPath,
        `Must be "${objectType}", the object this condition applies to (use has_related for other objects); got ${describe(o.object_type)}.`,
      );
    }
    const def = objectTypeDef(objectType);
    const names = [...(def?.fields.keys() ?? [])];
    const name = asEnum(o.field_name, at(path, 'field_name'), names);
    const fieldDef = def!.fields.get(name)!;
    return {
      field: { type, object_type: objectType, field_name: name },
      info: { label: `${objectType}.${name}`, kind: fieldDef.kind, referenceTypes: fieldDef.referenceTypes ?? [] },
    };
  }
  const idPath = at(path, 'custom_field_id');
  const id = asString(o.custom_field_id, idPath, { allowEmpty: false });
  const cf = catalog.customFields.get(id);
  if (!cf) throw fieldError(idPath, 'Unknown custom field.');
  if (cf.object_type !== objectType) {
    throw fieldError(idPath, `This is a ${cf.object_type} custom field; the object here is "${objectType}" (use has_related).`);
  }
  const { kind, referenceTypes = [] } = customFieldKind(cf.type);
  return {
    field: { type, custom_field_id: id, object_type: cf.object_type, value_type: cf.type },
    info: { label: id, kind, referenceTypes },
  };
}

/** Parses `sort` for results of `objectType`: number, date and text fields of that object only. */
export function parseSort(raw: unknown, path: string, objectType: ResultObjectType, catalog: Catalog): SortKey[] {
  if (raw === undefined || raw === null) return [];
  const items = asList(raw, path, 'a list of sort objects');
  if (items.length > 5) throw fieldError(path, 'At most 5 sort keys are allowed.');
  return items.map((item, i) => {
    const itemPath = at(path, i);
    const o = asObject(item, itemPath, 'a sort object');
    const direction = o.direction === undefined ? 'asc' : asEnum(o.direction, at(itemPath, 'direction'), ['asc', 'desc'] as const);
    const { field, info } = parseField(o.field, at(itemPath, 'field'), objectType, catalog);
    if (!SORTABLE_KINDS.includes(info.kind)) {
      throw fieldError(at(itemPath, 'field'), `Only number, date and text fields of the ${objectType} can be sorted; ${info.label} is a ${info.kind} field.`);
    }
    return { direction, field };
  });
}
