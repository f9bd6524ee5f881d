/**
 * Syntax tree → the Advanced Filtering request that means the same: `{query, sort}` as JSON, which
 * `parse.ts` then checks and resolves exactly as it does a `/data/search/` body. So the legacy
 * string selects what its `s_query` selects, by construction, and README can show each term's JSON.
 *
 * `sort:` orders the whole result, so it is accepted only among the terms of the top level (never
 * inside parentheses, under `not` or beside `or`). Without it the order is the list's own: oldest
 * first (`date_created` ascending, ties by id).
 *
 * A clause on related objects (`contact(…)` on leads, `sequence_subscription(…)` on contacts) is a
 * `has_related` whose inner query is translated with the terms of the related object, exactly as a
 * query on that object would be (a `contact(…)` takes the terms of `GET /contact/?query=`).
 */
import { assertNever, type ResultObjectType } from '../ast.ts';
import { isResultType } from '../fields.ts';
import { LIMITS } from '../json-input.ts';
import { along, CUSTOM_PREFIX, customPlace, fieldTermQuery, textCondition, type QueryJson } from './field-terms.ts';
import { legacyError } from './legacy-error.ts';
import type { RelatedSyntax, Syntax, TermSyntax } from './syntax.ts';
import { HAS_TERMS, RELATED_CLAUSES, SORT_KEYS, type LegacyObjectType } from './term-table.ts';
import type { Vocabulary } from './vocabulary.ts';

export interface LegacyTranslation {
  readonly query: QueryJson;
  readonly sort: QueryJson[];
}

/** At most this many `sort:` terms (the sort keys `/data/search/` accepts). */
const MAX_SORT_KEYS = 5;

const CUSTOM_SORT_TYPES = ['text', 'hidden', 'number', 'date', 'datetime'];

/** The list order of `GET /lead/` and `GET /contact/`, as a search sort. */
export function listOrder(resultType: ResultObjectType): QueryJson[] {
  return [{ direction: 'asc', field: { type: 'regular_field', object_type: resultType, field_name: 'date_created' } }];
}

function negated(q: QueryJson): QueryJson {
  const { negate, ...rest } = q;
  return negate === true ? rest : { ...rest, negate: true };
}

/** `type` of `queries`, with same-type children that are not negated merged into it. */
function join(type: 'and' | 'or', queries: readonly QueryJson[]): QueryJson {
  if (queries.length === 1) return queries[0]!;
  const flat = queries.flatMap((q) => (q.type === type && q.negate !== true ? (q.queries as QueryJson[]) : [q]));
  return { type, queries: flat };
}

function sliceQuery(t: TermSyntax): QueryJson {
  if (t.op !== ':') throw legacyError(t.source, 'Write a slice as slice:N/M.');
  const [n, m, ...extra] = t.value.text.split('/');
  const whole = (s: string | undefined) => (s !== undefined && s.length > 0 && s.length <= 9 && [...s].every((c) => c >= '0' && c <= '9') ? Number(s) : NaN);
  const slice = whole(n);
  const total = whole(m);
  if (extra.length > 0 || !(total >= 1 && total <= LIMITS.totalSlices && slice >= 1 && slice <= total)) {
    throw legacyError(t.source, `Write a slice as slice:N/M, part N (from 1) of M parts, M at most ${LIMITS.totalSlices}.`);
  }
  return { type: 'slice', slice, total_slices: total };
}

function hasQuery(t: TermSyntax, objectType: LegacyObjectType): QueryJson {
  const table = HAS_TERMS[objectType];
  if (table.size === 0) throw legacyError(t.source, `has: does not apply to a ${objectType}.`);
  const has = t.op === ':' ? table.get(t.value.text.toLowerCase()) : undefined;
  if (!has) throw legacyError(t.source, `Known here: ${[...table.keys()].map((k) => `has:${k}`).join(', ')}.`);
  return along(objectType, has.path, has.query);
}

function sortKey(t: TermSyntax, resultType: ResultObjectType, vocabulary: Vocabulary): QueryJson {
  const text = t.value.text;
  const direction = text.startsWith('-') ? 'desc' : 'asc';
  const key = direction === 'desc' ? text.slice(1) : text;
  if (t.op !== ':' || key === '') throw legacyError(t.source, 'Write a sort as sort:KEY, or sort:-KEY for descending.');
  if (key.toLowerCase().startsWith(CUSTOM_PREFIX)) {
    const { field, place } = customPlace(key.slice(CUSTOM_PREFIX.length), resultType, vocabulary, t.source);
    if (place.path.length > 0 || !CUSTOM_SORT_TYPES.includes(field.type)) {
      throw legacyError(t.source, `Only text, number and date custom fields of the ${resultType} itself can be sorted on.`);
    }
    return { direction, field: place.field };
  }
  const fieldName = SORT_KEYS[resultType].get(key.toLowerCase());
  if (!fieldName) throw legacyError(t.source, `Known sort keys here: ${[...SORT_KEYS[resultType].keys()].join(', ')}, custom.NAME.`);
  return { direction, field: { type: 'regular_field', object_type: resultType, field_name: fieldName } };
}

const isSort = (s: Syntax): s is TermSyntax => s.kind === 'term' && s.key.toLowerCase() === 'sort';

/** Where a piece of the query is: the object it is evaluated on, and the related clause it is in. */
interface Scope {
  readonly objectType: LegacyObjectType;
  readonly clause?: RelatedSyntax;
}

/** `name(…)` → has_related from the scope's object to the clause's, with the inner query on it. */
function relatedQuery(s: RelatedSyntax, scope: Scope, vocabulary: Vocabulary): QueryJson {
  const name = s.name.toLowerCase();
  const target = RELATED_CLAUSES[scope.objectType].get(name);
  if (!target) {
    const known = [...RELATED_CLAUSES[scope.objectType].keys()].map((k) => `${k}(…)`);
    const hint = name === 'sequence_subscription' && scope.objectType === 'lead' ? ' Subscriptions belong to contacts: write contact(sequence_subscription(…)).' : '';
    const here = known.length > 0 ? `Clauses on related objects known here: ${known.join(', ')}.` : `A ${scope.objectType} has no clauses on related objects.`;
    throw legacyError(s.source, `${here}${hint}`);
  }
  const inner = filter(s.operand, { objectType: target, clause: s }, vocabulary);
  return { type: 'has_related', this_object_type: scope.objectType, related_object_type: target, related_query: inner };
}

function filter(s: Syntax, scope: Scope, vocabulary: Vocabulary): QueryJson {
  const { objectType } = scope;
  switch (s.kind) {
    case 'all':
      return { type: 'match_all' };
    case 'words':
      // The `text` query: each word anywhere in the object's text (a quoted phrase: in one field).
      if (!isResultType(objectType)) throw legacyError(s.source, `Words are searched for in leads and contacts; in ${scope.clause?.name}(…) use field terms.`);
      return textCondition(':', s.value, s.source);
    case 'not':
      return negated(filter(s.operand, scope, vocabulary));
    case 'and':
    case 'or':
      return join(s.kind, s.items.map((item) => filter(item, scope, vocabulary)));
    case 'related':
      return relatedQuery(s, scope, vocabulary);
    case 'term':
      switch (s.key.toLowerCase()) {
        case 'sort':
          throw legacyError(s.source, 'sort: orders the whole result: put it at the top level, not inside parentheses, after "not" or beside "or".');
        case 'slice':
          // A part of the result, not of a lead's contacts.
          if (scope.clause) throw legacyError(s.source, `slice: splits the result: put it outside ${scope.clause.name}(…).`);
          return sliceQuery(s);
        case 'has':
          return hasQuery(s, objectType);
        default:
          return fieldTermQuery(s, objectType, vocabulary);
      }
    default:
      return assertNever(s);
  }
}

/** The `{query, sort}` of a legacy query on `resultType`; a 400 quoting the first term it cannot take. */
export function translate(syntax: Syntax, resultType: ResultObjectType, vocabulary: Vocabulary): LegacyTranslation {
  const top = syntax.kind === 'and' ? syntax.items : [syntax];
  const sorts = top.filter(isSort);
  if (sorts.length > MAX_SORT_KEYS) throw legacyError(sorts[MAX_SORT_KEYS]!.source, `At most ${MAX_SORT_KEYS} sort: terms are allowed.`);
  const filters = top.filter((s) => !isSort(s)).map((s) => filter(s, { objectType: resultType }, vocabulary));
  let query = filters.length === 0 ? { type: 'match_all' } : join('and', filters);
  // Contacts are named as the result type (leads are the default of a query without one).
  if (resultType === 'contact') query = join('and', [{ type: 'object_type', object_type: 'contact' }, query]);
  const sort = sorts.length > 0 ? sorts.map((t) => sortKey(t, resultType, vocabulary)) : listOrder(resultType);
  return { query, sort };
}
