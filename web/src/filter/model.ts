/**
 * The filter builder's model of an Advanced Filtering query (`s_query.query` of leads), and the two
 * functions between it and the JSON `/data/search/` takes.
 *
 * The builder shows what it recognises exactly: `and`/`or` groups, free text, and field conditions on
 * the lead, or on its contacts, their emails and phones (through `has_related`), with the
 * conditions it has controls for. Every other node, and every recognised-looking node carrying a key
 * the builder does not know, is kept as a `raw` node whose JSON is edited as JSON and written back
 * exactly as it was: nothing the builder cannot show is ever dropped.
 *
 * Round trip (test/web/filter-model.test.ts): `fromQuery(toQuery(m))` equals `m` for every model, and
 * `toQuery(fromQuery(q))` equals `q` for every query in the canonical form (`negate` absent when false,
 * the lead's `object_type` clause first in a root `and`).
 */

export type TextMode = 'full_words' | 'phrase' | 'beginning_of_words' | 'exact_value';
export const TEXT_MODES: readonly TextMode[] = ['full_words', 'phrase', 'beginning_of_words', 'exact_value'];

/** Which object a condition is on: the lead itself, or (through has_related) its contacts, or their emails or phones. */
export type Via = 'lead' | 'contact' | 'contact_email' | 'contact_phone';
export const VIAS: readonly Via[] = ['lead', 'contact', 'contact_email', 'contact_phone'];

export type FieldRef =
  | { readonly type: 'regular_field'; readonly field_name: string }
  | { readonly type: 'custom_field'; readonly custom_field_id: string };

export type Moment =
  | { readonly type: 'now' }
  | { readonly type: 'fixed_local_date'; readonly value: string; readonly which: 'start' | 'end' }
  | {
      readonly type: 'offset';
      readonly direction: 'past' | 'future';
      readonly unit: OffsetUnit;
      readonly amount: number;
      readonly which_day_end: 'start' | 'end' | null;
    };
export type OffsetUnit = 'days' | 'weeks' | 'months' | 'years' | 'hours';
export const OFFSET_UNITS: readonly OffsetUnit[] = ['hours', 'days', 'weeks', 'months', 'years'];

export type Condition =
  | { readonly type: 'text'; readonly mode: TextMode; readonly value: string }
  | { readonly type: 'term'; readonly values: readonly string[] }
  | { readonly type: 'reference'; readonly reference_type: string; readonly object_ids: readonly string[] }
  | { readonly type: 'number_range'; readonly bounds: Readonly<Partial<Record<RangeKey, number | null>>> }
  | { readonly type: 'moment_range'; readonly on_or_after: Moment | null; readonly before: Moment | null }
  | { readonly type: 'exists' }
  | { readonly type: 'current_user' }
  | { readonly type: 'boolean'; readonly value: boolean };
export type ConditionType = Condition['type'];
export type RangeKey = 'gt' | 'gte' | 'lt' | 'lte';
const RANGE_KEYS: readonly RangeKey[] = ['gt', 'gte', 'lt', 'lte'];

export type FilterNode =
  | { readonly kind: 'group'; readonly op: 'and' | 'or'; readonly negate: boolean; readonly children: readonly FilterNode[] }
  | { readonly kind: 'text'; readonly negate: boolean; readonly mode: TextMode; readonly value: string }
  | { readonly kind: 'condition'; readonly negate: boolean; readonly via: Via; readonly field: FieldRef; readonly condition: Condition }
  | { readonly kind: 'raw'; readonly json: unknown };

export type Group = Extract<FilterNode, { kind: 'group' }>;

type Json = Record<string, unknown>;

const LEAD_OBJECT_TYPE = { type: 'object_type', object_type: 'lead' } as const;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True when `o` has exactly the `required` keys, plus some of `optional`, and nothing else. */
function hasKeys(o: Json, required: readonly string[], optional: readonly string[] = []): boolean {
  for (const key of required) if (!(key in o)) return false;
  for (const key of Object.keys(o)) if (!required.includes(key) && !optional.includes(key)) return false;
  return true;
}

/** `negate` as the builder holds it: absent is false; true; anything else is not recognised. */
function readNegate(o: Json): boolean | undefined {
  if (!('negate' in o)) return false;
  return o.negate === true ? true : undefined;
}

const withNegate = (negate: boolean, json: Json): Json => (negate ? { ...json, negate: true } : json);

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

const isNumberOrNull = (v: unknown): v is number | null => v === null || (typeof v === 'number' && Number.isFinite(v));


function momentFromJson(raw: unknown): Moment | undefined {
  if (!isObject(raw)) return undefined;
  if (raw.type === 'now' && hasKeys(raw, ['type'])) return { type: 'now' };
  if (raw.type === 'fixed_local_date' && hasKeys(raw, ['type', 'value', 'which'])) {
    if (typeof raw.value !== 'string' || (raw.which !== 'start' && raw.which !== 'end')) return undefined;
    return { type: 'fixed_local_date', value: raw.value, which: raw.which };
  }
  if (raw.type === 'offset' && hasKeys(raw, ['type', 'direction', 'offset', 'which_day_end'], ['moment'])) {
    if (raw.direction !== 'past' && raw.direction !== 'future') return undefined;
    if ('moment' in raw && !(isObject(raw.moment) && raw.moment.type === 'now' && hasKeys(raw.moment, ['type']))) return undefined;
    if (raw.which_day_end !== null && raw.which_day_end !== 'start' && raw.which_day_end !== 'end') return undefined;
    const offset = raw.offset;
    if (!isObject(offset)) return undefined;
    const units = Object.keys(offset);
    if (units.length !== 1) return undefined;
    const unit = units[0] as OffsetUnit;
    const amount = offset[unit];
    if (!OFFSET_UNITS.includes(unit) || typeof amount !== 'number' || !Number.isInteger(amount) || amount < 0) return undefined;
    if ('moment' in raw) return undefined; // canonical form leaves `moment` out (it defaults to now)
    return { type: 'offset', direction: raw.direction, unit, amount, which_day_end: raw.which_day_end };
  }
  return undefined;
}

function momentToJson(moment: Moment): Json {
  switch (moment.type) {
    case 'now':
      return { type: 'now' };
    case 'fixed_local_date':
      return { type: 'fixed_local_date', value: moment.value, which: moment.which };
    case 'offset':
      return { type: 'offset', direction: moment.direction, offset: { [moment.unit]: moment.amount }, which_day_end: moment.which_day_end };
  }
}

function conditionFromJson(raw: unknown): Condition | undefined {
  if (!isObject(raw)) return undefined;
  switch (raw.type) {
    case 'text':
      if (!hasKeys(raw, ['type', 'mode', 'value']) || typeof raw.value !== 'string') return undefined;
      if (!TEXT_MODES.includes(raw.mode as TextMode)) return undefined;
      return { type: 'text', mode: raw.mode as TextMode, value: raw.value };
    case 'term':
      if (!hasKeys(raw, ['type', 'values']) || !isStringList(raw.values)) return undefined;
      return { type: 'term', values: raw.values };
    case 'reference':
      if (!hasKeys(raw, ['type', 'reference_type', 'object_ids']) || typeof raw.reference_type !== 'string' || !isStringList(raw.object_ids)) return undefined;
      return { type: 'reference', reference_type: raw.reference_type, object_ids: raw.object_ids };
    case 'number_range':
    {
      if (!hasKeys(raw, ['type'], RANGE_KEYS)) return undefined;
      const bounds: Partial<Record<RangeKey, number | null>> = {};
      for (const key of RANGE_KEYS) {
        if (!(key in raw)) continue;
        const value = raw[key];
        if (!isNumberOrNull(value)) return undefined;
        bounds[key] = value;
      }
      return { type: 'number_range', bounds };
    }
    case 'moment_range': {
      if (!hasKeys(raw, ['type', 'on_or_after', 'before'])) return undefined;
      const onOrAfter = raw.on_or_after === null ? null : momentFromJson(raw.on_or_after);
      const before = raw.before === null ? null : momentFromJson(raw.before);
      if (onOrAfter === undefined || before === undefined) return undefined;
      return { type: 'moment_range', on_or_after: onOrAfter, before };
    }
    case 'exists':
    case 'current_user':
      return hasKeys(raw, ['type']) ? { type: raw.type } : undefined;
    case 'boolean':
      return hasKeys(raw, ['type', 'value']) && typeof raw.value === 'boolean' ? { type: 'boolean', value: raw.value } : undefined;
    default:
      return undefined;
  }
}

function conditionToJson(condition: Condition): Json {
  switch (condition.type) {
    case 'text':
      return { type: 'text', mode: condition.mode, value: condition.value };
    case 'term':
      return { type: 'term', values: [...condition.values] };
    case 'reference':
      return { type: 'reference', reference_type: condition.reference_type, object_ids: [...condition.object_ids] };
    case 'number_range':
      return { type: 'number_range', ...condition.bounds };
    case 'moment_range':
      return {
        type: 'moment_range',
        on_or_after: condition.on_or_after && momentToJson(condition.on_or_after),
        before: condition.before && momentToJson(condition.before),
      };
    case 'exists':
    case 'current_user':
      return { type: condition.type };
    case 'boolean':
      return { type: 'boolean', value: condition.value };
  }
}

function fieldFromJson(raw: unknown, objectType: Via): FieldRef | undefined {
  if (!isObject(raw)) return undefined;
  if (raw.type === 'regular_field' && hasKeys(raw, ['type', 'object_type', 'field_name'])) {
    if (raw.object_type !== objectType || typeof raw.field_name !== 'string') return undefined;
    return { type: 'regular_field', field_name: raw.field_name };
  }
  if (raw.type === 'custom_field' && hasKeys(raw, ['type', 'custom_field_id']) && typeof raw.custom_field_id === 'string') {
    if (objectType !== 'lead' && objectType !== 'contact') return undefined;
    return { type: 'custom_field', custom_field_id: raw.custom_field_id };
  }
  return undefined;
}

function fieldToJson(field: FieldRef, objectType: Via): Json {
  return field.type === 'regular_field'
    ? { type: 'regular_field', object_type: objectType, field_name: field.field_name }
    : { type: 'custom_field', custom_field_id: field.custom_field_id };
}

/** A `field_condition` on `objectType` without negate, or undefined. */
function fieldConditionFromJson(raw: Json, objectType: Via): { field: FieldRef; condition: Condition } | undefined {
  if (raw.type !== 'field_condition' || !hasKeys(raw, ['type', 'field', 'condition'], ['negate'])) return undefined;
  const field = fieldFromJson(raw.field, objectType);
  const condition = conditionFromJson(raw.condition);
  return field && condition ? { field, condition } : undefined;
}

/**
 * The related query of a `has_related` node from `from` to `to` (negate allowed only on the
 * outermost node, which the caller reads), or undefined when `raw` is not exactly that.
 */
function relatedQueryOf(raw: Json, from: Via, to: Via): Json | undefined {
  if (raw.type !== 'has_related' || !hasKeys(raw, ['type', 'this_object_type', 'related_object_type', 'related_query'], from === 'lead' ? ['negate'] : [])) return undefined;
  if (raw.this_object_type !== from || raw.related_object_type !== to || !isObject(raw.related_query)) return undefined;
  if ('negate' in raw.related_query) return undefined;
  return raw.related_query;
}

/** The builder node for one query node (a `raw` node when the builder cannot show it exactly). */
export function nodeFromJson(raw: unknown): FilterNode {
  const asRaw: FilterNode = { kind: 'raw', json: raw };
  if (!isObject(raw)) return asRaw;
  const negate = readNegate(raw);
  if (negate === undefined) return asRaw;
  switch (raw.type) {
    case 'and':
    case 'or': {
      if (!hasKeys(raw, ['type', 'queries'], ['negate']) || !Array.isArray(raw.queries)) return asRaw;
      return { kind: 'group', op: raw.type, negate, children: raw.queries.map(nodeFromJson) };
    }
    case 'text': {
      if (!hasKeys(raw, ['type', 'mode', 'value'], ['negate']) || typeof raw.value !== 'string') return asRaw;
      if (!TEXT_MODES.includes(raw.mode as TextMode)) return asRaw;
      return { kind: 'text', negate, mode: raw.mode as TextMode, value: raw.value };
    }
    case 'field_condition': {
      const parsed = fieldConditionFromJson(raw, 'lead');
      return parsed ? { kind: 'condition', negate, via: 'lead', ...parsed } : asRaw;
    }
    case 'has_related': {
      const inner = relatedQueryOf(raw, 'lead', 'contact');
      if (!inner) return asRaw;
      const onContact = fieldConditionFromJson(inner, 'contact');
      if (onContact) return { kind: 'condition', negate, via: 'contact', ...onContact };
      // Emails and phones hang off contacts: lead → contact → contact_email | contact_phone.
      for (const via of ['contact_email', 'contact_phone'] as const) {
        const deeper = relatedQueryOf(inner, 'contact', via);
        const parsed = deeper && fieldConditionFromJson(deeper, via);
        if (parsed) return { kind: 'condition', negate, via, ...parsed };
      }
      return asRaw;
    }
    default:
      return asRaw;
  }
}

/** The query JSON of one builder node. */
export function nodeToJson(node: FilterNode): unknown {
  switch (node.kind) {
    case 'group':
      return withNegate(node.negate, { type: node.op, queries: node.children.map(nodeToJson) });
    case 'text':
      return withNegate(node.negate, { type: 'text', mode: node.mode, value: node.value });
    case 'condition': {
      const fc = { type: 'field_condition', field: fieldToJson(node.field, node.via), condition: conditionToJson(node.condition) };
      if (node.via === 'lead') return withNegate(node.negate, fc);
      const onContact =
        node.via === 'contact' ? fc : { type: 'has_related', this_object_type: 'contact', related_object_type: node.via, related_query: fc };
      return withNegate(node.negate, { type: 'has_related', this_object_type: 'lead', related_object_type: 'contact', related_query: onContact });
    }
    case 'raw':
      return node.json;
  }
}

const isLeadObjectType = (q: unknown) => isObject(q) && hasKeys(q, ['type', 'object_type']) && q.type === 'object_type' && q.object_type === 'lead';

/**
 * The builder's root group for a lead query: the clauses of a root `and` that names the lead object
 * type (the clause itself is implied and left out); any other query becomes the one child of the root.
 */
export function fromQuery(query: unknown): Group {
  if (isObject(query) && query.type === 'and' && hasKeys(query, ['type', 'queries']) && Array.isArray(query.queries) && isLeadObjectType(query.queries[0])) {
    return { kind: 'group', op: 'and', negate: false, children: query.queries.slice(1).map(nodeFromJson) };
  }
  if (query === undefined || query === null) return emptyGroup();
  return { kind: 'group', op: 'and', negate: false, children: [nodeFromJson(query)] };
}

/** The lead query of a root group: `and` of the lead object type and the group's children. */
export function toQuery(root: Group): Json {
  // The root is always a plain `and` (the builder offers `or` and negation on the groups inside it).
  return { type: 'and', queries: [LEAD_OBJECT_TYPE, ...root.children.map(nodeToJson)] };
}

export function emptyGroup(op: 'and' | 'or' = 'and'): Group {
  return { kind: 'group', op, negate: false, children: [] };
}
