/**
 * The Advanced Filtering query (`query` of `POST /data/search/`, `s_query.query` of bulk actions and
 * Smart Views) as an immutable, fully resolved tree. `parse.ts` builds it from JSON (custom fields are
 * looked up, Smart Views inlined), `compile.ts` turns it into SQL, and the test evaluator interprets it
 * in memory. Every union is tagged by `type`, as on the wire, so switches over it can be exhaustive.
 */

/** Object types a query can return. */
export type ResultObjectType = 'lead' | 'contact';
export const RESULT_OBJECT_TYPES: readonly ResultObjectType[] = ['lead', 'contact'];

/** Object types a query node can be evaluated against (results plus related objects). */
export type ObjectType = string;

export type TextMode = 'full_words' | 'phrase' | 'beginning_of_words' | 'exact_value';
export const TEXT_MODES: readonly TextMode[] = ['full_words', 'phrase', 'beginning_of_words', 'exact_value'];

interface Negatable {
  readonly negate: boolean;
}

export interface AndQuery extends Negatable {
  readonly type: 'and';
  readonly queries: readonly Query[];
}
export interface OrQuery extends Negatable {
  readonly type: 'or';
  readonly queries: readonly Query[];
}
export interface ObjectTypeQuery extends Negatable {
  readonly type: 'object_type';
  readonly object_type: ResultObjectType;
}
export interface IdQuery extends Negatable {
  readonly type: 'id';
  readonly value: string;
}
export interface TextQuery extends Negatable {
  readonly type: 'text';
  readonly mode: TextMode;
  readonly value: string;
}
export interface FieldConditionQuery extends Negatable {
  readonly type: 'field_condition';
  readonly field: Field;
  readonly condition: Condition;
}
export interface HasRelatedQuery extends Negatable {
  readonly type: 'has_related';
  readonly this_object_type: ObjectType;
  readonly related_object_type: ObjectType;
  readonly related_query: Query;
}
export interface MatchAllQuery extends Negatable {
  readonly type: 'match_all';
}
/**
 * Part `slice` (1-based) of `total_slices` stable parts of the objects, by a hash of the id alone:
 * the parts are disjoint, together they hold every object, and an object never changes part. Sluice's
 * node for Close's legacy `slice:N/M` (`GET /lead/?query=`), which scripts use to read one large
 * result in parallel.
 */
export interface SliceQuery extends Negatable {
  readonly type: 'slice';
  readonly slice: number;
  readonly total_slices: number;
}
/** A Smart View reference, with the Smart View's own query inlined at parse time. */
export interface SavedSearchQuery extends Negatable {
  readonly type: 'saved_search';
  readonly saved_search_id: string;
  readonly query: Query;
}

export type Query =
  | AndQuery
  | OrQuery
  | ObjectTypeQuery
  | IdQuery
  | TextQuery
  | FieldConditionQuery
  | HasRelatedQuery
  | MatchAllQuery
  | SliceQuery
  | SavedSearchQuery;

export type QueryType = Query['type'];
export const QUERY_TYPES: readonly QueryType[] = [
  'and', 'or', 'object_type', 'id', 'text', 'field_condition', 'has_related', 'match_all', 'slice', 'saved_search',
];

/** What a field holds, which decides the conditions it accepts (see `fields.ts`). */
export type FieldKind = 'text' | 'number' | 'count' | 'date' | 'datetime' | 'choices' | 'reference' | 'boolean';

export interface RegularField {
  readonly type: 'regular_field';
  readonly object_type: ObjectType;
  readonly field_name: string;
}
/** A custom field, resolved against the organization's definitions. */
export interface CustomField {
  readonly type: 'custom_field';
  readonly custom_field_id: string;
  readonly object_type: ResultObjectType;
  /** The stored custom field type: text, hidden, number, date, datetime, choices, user, contact. */
  readonly value_type: string;
}
export type Field = RegularField | CustomField;

export interface TextCondition {
  readonly type: 'text';
  readonly mode: TextMode;
  readonly value: string;
}
export interface TermCondition {
  readonly type: 'term';
  readonly values: readonly string[];
}
export interface ReferenceCondition {
  readonly type: 'reference';
  readonly reference_type: string;
  readonly object_ids: readonly string[];
}
export interface NumberRangeCondition {
  readonly type: 'number_range';
  readonly gt: number | null;
  readonly gte: number | null;
  readonly lt: number | null;
  readonly lte: number | null;
}
export interface BooleanCondition {
  readonly type: 'boolean';
  readonly value: boolean;
}
export interface ExistsCondition {
  readonly type: 'exists';
}
export interface CurrentUserCondition {
  readonly type: 'current_user';
}
export interface MomentRangeCondition {
  readonly type: 'moment_range';
  readonly on_or_after: Moment | null;
  readonly before: Moment | null;
}

export type Condition =
  | TextCondition
  | TermCondition
  | ReferenceCondition
  | NumberRangeCondition
  | BooleanCondition
  | ExistsCondition
  | CurrentUserCondition
  | MomentRangeCondition;

export type ConditionType = Condition['type'];
export const CONDITION_TYPES: readonly ConditionType[] = [
  'text', 'term', 'reference', 'number_range', 'boolean', 'exists', 'current_user', 'moment_range',
];

export interface NowMoment {
  readonly type: 'now';
}
export interface FixedLocalDateMoment {
  readonly type: 'fixed_local_date';
  /** `YYYY-MM-DD`, a calendar day in the request's timezone. */
  readonly value: string;
  readonly which: 'start' | 'end';
}
export interface OffsetAmounts {
  readonly years: number;
  readonly months: number;
  readonly weeks: number;
  readonly days: number;
  readonly hours: number;
  readonly minutes: number;
  readonly seconds: number;
}
export interface OffsetMoment {
  readonly type: 'offset';
  readonly direction: 'past' | 'future';
  readonly moment: Moment;
  readonly offset: OffsetAmounts;
  readonly which_day_end: 'start' | 'end' | null;
}
export type Moment = NowMoment | FixedLocalDateMoment | OffsetMoment;

export type SortDirection = 'asc' | 'desc';
export interface SortKey {
  readonly direction: SortDirection;
  readonly field: Field;
}

/** Fails to compile when a switch over a union misses a member. */
export function assertNever(value: never): never {
  throw new Error(`unhandled variant: ${JSON.stringify(value)}`);
}
