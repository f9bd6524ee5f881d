/**
 * `key:value` and `key > value` on a field (term-table.ts) or a custom field (`custom.NAME`) → the
 * Advanced Filtering query that means the same. `key:*` is "has a value" (`exists`) for every field.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import type { CustomFieldDef } from '../../custom-fields/values.ts';
import type { ResultObjectType } from '../ast.ts';
import { LIMITS } from '../json-input.ts';
import { distinctWords } from '../text-match.ts';
import { momentRange } from './dates.ts';
import { legacyError } from './legacy-error.ts';
import type { Operator, TermSyntax, Value } from './syntax.ts';
import { FIELD_TERMS, RELATED_CLAUSES, type FieldPlace, type FieldTerm, type LegacyObjectType } from './term-table.ts';
import { customFieldNamed, type Vocabulary } from './vocabulary.ts';

export type QueryJson = Record<string, unknown>;

/** `query`, reached from an object of type `from` through the has_related hops of `path`. */
export function along(from: string, path: readonly string[], query: QueryJson): QueryJson {
  const chain = [from, ...path];
  let q = query;
  for (let i = path.length - 1; i >= 0; i -= 1) {
    q = { type: 'has_related', this_object_type: chain[i], related_object_type: chain[i + 1], related_query: q };
  }
  return q;
}

function onPlace(from: string, place: FieldPlace, condition: QueryJson): QueryJson {
  return along(from, place.path, { type: 'field_condition', field: place.field, condition });
}

/** Checks what `/data/search/` would refuse in a text value, naming the term instead of a JSON path. */
function textValue(value: string, source: string, words: boolean): string {
  if (value.length > LIMITS.stringLength) throw legacyError(source, `A value may have at most ${LIMITS.stringLength} characters.`);
  if (!words) return value;
  const n = distinctWords(value).length;
  if (n === 0) throw legacyError(source, 'Expected at least one word (letters or digits) to search for.');
  if (n > LIMITS.textWords) throw legacyError(source, `At most ${LIMITS.textWords} different words may be searched for in one term; this one has ${n}.`);
  return value;
}

/** Words (`:`; a quoted value is a phrase) or the whole value (`=`). */
export function textCondition(op: Operator, value: Value, source: string): QueryJson {
  if (op === '=') return { type: 'text', mode: 'exact_value', value: textValue(value.text, source, false) };
  if (op !== ':') throw legacyError(source, `A text field is matched with ":" (words) or "=" (the whole value), not "${op}".`);
  return { type: 'text', mode: value.quoted ? 'phrase' : 'full_words', value: textValue(value.text, source, true) };
}

/** A decimal number (`12`, `-1.5`) or a 400. Written as a scan: the value is the client's. */
function numberValue(text: string, source: string): number {
  let i = text.startsWith('-') ? 1 : 0;
  let digits = 0;
  let dot = false;
  for (; i < text.length; i += 1) {
    const ch = text[i]!;
    if (ch === '.' && !dot && digits > 0) dot = true;
    else if (ch >= '0' && ch <= '9') digits += 1;
    else digits = -Infinity;
  }
  const n = Number(text);
  if (!(digits > 0) || text.endsWith('.') || text.length > 40 || !Number.isFinite(n)) throw legacyError(source, 'Expected a number.');
  return n;
}

function numberCondition(op: Operator, value: Value, source: string): QueryJson {
  const n = numberValue(value.text, source);
  switch (op) {
    case ':':
    case '=':
      return { type: 'number_range', gte: n, lte: n };
    case '>':
      return { type: 'number_range', gt: n };
    case '>=':
      return { type: 'number_range', gte: n };
    case '<':
      return { type: 'number_range', lt: n };
    case '<=':
      return { type: 'number_range', lte: n };
  }
}

function equalityOnly(op: Operator, source: string, what: string): void {
  if (op !== ':' && op !== '=') throw legacyError(source, `${what} is matched with ":" or "=", not "${op}".`);
}

const isAny = (value: Value) => value.text === '*' && !value.quoted;

function fieldCondition(term: FieldTerm, t: TermSyntax, vocabulary: Vocabulary): QueryJson {
  const { op, value, source } = t;
  switch (term.kind) {
    case 'text':
      return textCondition(op, value, source);
    case 'email':
      // A whole address finds that address (`email_address:"a@b.example"` picks the lead to update).
      if (op === ':' && value.text.includes('@') && !value.text.includes(' ')) {
        return { type: 'text', mode: 'exact_value', value: textValue(value.text, source, false) };
      }
      return textCondition(op, value, source);
    case 'phone': {
      const parsed = op === ':' || op === '=' ? parsePhoneNumberFromString(value.text.trim().slice(0, 100), 'US') : undefined;
      // Phones are stored in E.164 (contacts/channels.ts normalises them the same way).
      if (parsed?.isPossible()) return { type: 'text', mode: 'exact_value', value: parsed.number };
      return textCondition(op, value, source);
    }
    case 'status': {
      equalityOnly(op, source, 'A lead status');
      const id = vocabulary.statuses.get(value.text.trim().toLowerCase());
      if (!id) throw legacyError(source, `No lead status is labelled "${value.text.slice(0, 200)}".`);
      return { type: 'reference', reference_type: 'status.lead', object_ids: [id] };
    }
    case 'number':
      return numberCondition(op, value, source);
    case 'date':
      return momentRange(op, value.text, source);
    case 'choice': {
      equalityOnly(op, source, 'This field');
      const choice = value.text.trim().toLowerCase();
      if (!term.values.includes(choice)) throw legacyError(source, `Expected one of: ${term.values.join(', ')}.`);
      return { type: 'term', values: [choice] };
    }
    case 'sequence':
      equalityOnly(op, source, 'A sequence');
      // Ids only: a name (not unique among sequences) would otherwise match nothing, silently.
      if (!value.text.startsWith('seq_')) throw legacyError(source, 'Write the sequence\'s id (seq_…), or * for any sequence.');
      return { type: 'reference', reference_type: 'sequence', object_ids: [textValue(value.text, source, false)] };
  }
}

/** The condition on a custom field, by its type. */
function customCondition(field: CustomFieldDef, t: TermSyntax): QueryJson {
  const { op, value, source } = t;
  switch (field.type) {
    case 'number':
      return numberCondition(op, value, source);
    case 'date':
    case 'datetime':
      return momentRange(op, value.text, source);
    case 'choices': {
      equalityOnly(op, source, 'A choice');
      // The declared choice whatever the case it is written in; values are stored as declared.
      const lower = value.text.toLowerCase();
      const choice = field.choices?.find((c) => c.toLowerCase() === lower) ?? value.text;
      return { type: 'term', values: [textValue(choice, source, false)] };
    }
    case 'user':
    case 'contact':
      equalityOnly(op, source, `A ${field.type} field`);
      return { type: 'reference', reference_type: field.type === 'user' ? 'user_or_group' : 'contact', object_ids: [textValue(value.text, source, false)] };
    case 'text':
    case 'hidden':
      return textCondition(op, value, source);
  }
}

/** `custom.NAME` → the field and where it is, from the result type (a contact reaches its lead's). */
export function customPlace(name: string, resultType: ResultObjectType, vocabulary: Vocabulary, source: string): { field: CustomFieldDef; place: FieldPlace } {
  const own = customFieldNamed(vocabulary, resultType, name);
  const field = own ?? (resultType === 'contact' ? customFieldNamed(vocabulary, 'lead', name) : undefined);
  if (!field) throw legacyError(source, `No ${resultType === 'contact' ? 'contact or lead' : 'lead'} custom field is named "${name.slice(0, 200)}".`);
  return { field, place: { path: own ? [] : ['lead'], field: { type: 'custom_field', custom_field_id: field.id } } };
}

export const CUSTOM_PREFIX = 'custom.';

const isPrimary = (objectType: LegacyObjectType): objectType is ResultObjectType => objectType === 'lead' || objectType === 'contact';

/** The keys a term on `objectType` may use, for the message refusing an unknown one. */
function knownKeys(objectType: LegacyObjectType): string {
  const clauses = [...RELATED_CLAUSES[objectType].keys()].map((name) => `${name}(…)`);
  const extra = isPrimary(objectType) ? ['custom.NAME', 'has:', 'sort:', 'slice:'] : [];
  return [...FIELD_TERMS[objectType].keys(), ...extra, ...clauses].join(', ');
}

/**
 * The query of a field term (`name:acme`, `contacts > 2`, `custom.Tier:Gold`, `status:paused` in a
 * `sequence_subscription(…)` clause) on `objectType`, or a 400 quoting it.
 */
export function fieldTermQuery(t: TermSyntax, objectType: LegacyObjectType, vocabulary: Vocabulary): QueryJson {
  if (isAny(t.value) && t.op !== ':') throw legacyError(t.source, '"*" means "has a value" and goes after ":".');
  if (!t.value.quoted && t.value.text.toLowerCase() === 'null') {
    // Some scripts write `custom.X:null` for "no value"; Close does not document it, so rather than
    // search for the word, say how to ask for either.
    throw legacyError(t.source, `For objects without a value write -${t.key}:*; to search for the word, quote it: "null".`);
  }
  if (t.key.toLowerCase().startsWith(CUSTOM_PREFIX)) {
    const name = t.key.slice(CUSTOM_PREFIX.length);
    if (!isPrimary(objectType)) throw legacyError(t.source, `A ${objectType} has no custom fields.`);
    if (name === '') throw legacyError(t.source, 'Name the custom field after "custom.".');
    const { field, place } = customPlace(name, objectType, vocabulary, t.source);
    if (isAny(t.value)) return onPlace(objectType, place, { type: 'exists' });
    return onPlace(objectType, place, customCondition(field, t));
  }
  const term = FIELD_TERMS[objectType].get(t.key.toLowerCase());
  if (!term) throw legacyError(t.source, `Unknown search field "${t.key.slice(0, 200)}". Known here: ${knownKeys(objectType)}.`);
  if (isAny(t.value)) return onPlace(objectType, term.place, { type: 'exists' });
  return onPlace(objectType, term.place, fieldCondition(term, t, vocabulary));
}
