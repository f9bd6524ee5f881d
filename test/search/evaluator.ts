/**
 * An in-memory interpreter of the search AST with the semantics documented in src/search
 * (text-match.ts, moments.ts, compile-condition.ts, compile.ts), written independently of the SQL
 * compiler: the property test checks that both select the same objects.
 */
import { createHash } from 'node:crypto';
import type { Condition, Field, Query, SortKey } from '../../src/search/ast.ts';
import { describeField } from '../../src/search/fields.ts';
import { firstLocalDayFrom, momentInstant, type MomentClock } from '../../src/search/moments.ts';

export interface MEmail { email: string; type: string }
export interface MPhone { phone: string; type: string; country: string | null }
export interface MUrl { url: string; type: string }
export interface MAddress { label: string | null; address_1: string | null; address_2: string | null; city: string | null; state: string | null; zipcode: string | null; country: string | null }
/** A sequence subscription; `deleted` ones (DELETE hides them, the row stays) are no subscription. */
export interface MSubscription { id: string; sequence_id: string; status: 'active' | 'paused' | 'finished' | 'goal' | 'error'; date_created: Date; deleted: boolean }
export interface MContact {
  id: string; lead_id: string; name: string | null; title: string | null; custom: Record<string, unknown>;
  created_by: string | null; updated_by: string | null; date_created: Date; date_updated: Date;
  emails: MEmail[]; phones: MPhone[]; urls: MUrl[]; subscriptions: MSubscription[];
}
export interface MLead {
  id: string; name: string | null; description: string | null; url: string | null; status_id: string;
  custom: Record<string, unknown>; created_by: string | null; updated_by: string | null; date_created: Date; date_updated: Date;
  contacts: MContact[]; addresses: MAddress[];
  /** How many email activities the lead has (their content matters to no query). */
  activities: number;
}
export interface World {
  /** The organization's sequence ids (subscriptions point at them). */
  sequences: string[];
  leads: MLead[];
  /** Lower-cased unsubscribed addresses. */
  unsubscribed: Set<string>;
}
export interface EvalContext { world: World; userId: string; clock: MomentClock }

type Obj = Record<string, unknown>;
const WORD_CHAR = '[\\p{L}\\p{Nd}_]';

function wordsOf(value: string): string[] {
  return value.match(/[\p{L}\p{Nd}_]+/gu) ?? [];
}

/** The JavaScript twin of the PostgreSQL patterns: `(?<!w)word(?!w)`, case-insensitive. */
function textTests(mode: 'full_words' | 'phrase' | 'beginning_of_words', value: string): RegExp[] {
  const words = wordsOf(value);
  const start = `(?<!${WORD_CHAR})`;
  const end = `(?!${WORD_CHAR})`;
  if (mode === 'phrase') return [new RegExp(`${start}${words.join('[^\\p{L}\\p{Nd}_]+')}${end}`, 'iu')];
  return words.map((w) => new RegExp(`${start}${w}${mode === 'full_words' ? end : ''}`, 'iu'));
}

function firstBy<T extends { date_created: Date }>(items: readonly T[], pick: (t: T) => boolean): T | undefined {
  return [...items].sort((a, b) => a.date_created.getTime() - b.date_created.getTime()).find(pick);
}

function leadOf(world: World, id: string): MLead {
  return world.leads.find((l) => l.id === id)!;
}

function regularValue(objectType: string, obj: Obj, name: string, ctx: EvalContext): unknown {
  const lead = obj as unknown as MLead;
  const contact = obj as unknown as MContact;
  switch (`${objectType}.${name}`) {
    case 'lead.display_name':
      return (lead.name || firstBy(lead.contacts, (c) => !!c.name)?.name) ?? '';
    case 'contact.display_name':
      return contact.name || contact.emails[0]?.email || '';
    case 'lead.num_contacts':
      return lead.contacts.length;
    case 'lead.addresses_count':
      return lead.addresses.length;
    case 'lead.num_emails':
      return lead.contacts.reduce((n, c) => n + c.emails.length, 0);
    case 'lead.num_phones':
      return lead.contacts.reduce((n, c) => n + c.phones.length, 0);
    case 'lead.all_urls_count':
      return (lead.url ? 1 : 0) + lead.contacts.reduce((n, c) => n + c.urls.length, 0);
    case 'lead.num_activities':
      return lead.activities;
    case 'contact.emails_count':
      return contact.emails.length;
    case 'contact.phones_count':
      return contact.phones.length;
    case 'contact.urls_count':
      return contact.urls.length;
    case 'contact_email.is_unsubscribed':
      return ctx.world.unsubscribed.has(String(obj.email).toLowerCase());
    case 'address.location':
      return ['address_1', 'address_2', 'city', 'state', 'zipcode', 'country'].map((k) => obj[k]).filter((v) => v !== null).join(', ');
    default:
      return obj[name] ?? null;
  }
}

/** The field's value as the SQL expression yields it (null: no usable value). */
function fieldValue(objectType: string, obj: Obj, field: Field, ctx: EvalContext): unknown {
  if (field.type === 'regular_field') return regularValue(objectType, obj, field.field_name, ctx);
  const custom = obj.custom as Record<string, unknown>;
  const raw = Object.hasOwn(custom, field.custom_field_id) ? custom[field.custom_field_id] : undefined;
  switch (describeField(field).kind) {
    case 'number':
      return typeof raw === 'number' ? raw : null;
    case 'datetime':
      return typeof raw === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(raw) ? new Date(raw) : null;
    case 'text':
    case 'date':
      return typeof raw === 'string' ? raw : null;
    default:
      return raw === undefined ? null : raw;
  }
}

function customHas(obj: Obj, fieldId: string, values: readonly string[]): boolean {
  const custom = obj.custom as Record<string, unknown>;
  if (!Object.hasOwn(custom, fieldId)) return false;
  const raw = custom[fieldId];
  return values.some((v) => raw === v || (Array.isArray(raw) && raw.includes(v)));
}

function evalCondition(objectType: string, obj: Obj, field: Field, c: Condition, ctx: EvalContext): boolean {
  const oneOf = (values: readonly string[]) => {
    if (field.type === 'custom_field') return customHas(obj, field.custom_field_id, values);
    const v = fieldValue(objectType, obj, field, ctx);
    return v !== null && values.includes(String(v));
  };
  switch (c.type) {
    case 'term':
      return oneOf(c.values);
    case 'reference':
      return oneOf(c.object_ids);
    case 'current_user':
      return oneOf([ctx.userId]);
    default:
      break;
  }
  const v = fieldValue(objectType, obj, field, ctx);
  const kind = describeField(field).kind;
  switch (c.type) {
    case 'text':
      if (typeof v !== 'string') return false;
      if (c.mode === 'exact_value') return v.toLowerCase() === c.value.toLowerCase();
      return textTests(c.mode, c.value).every((re) => re.test(v));
    case 'number_range': {
      if (typeof v !== 'number') return false;
      return (c.gt === null || v > c.gt) && (c.gte === null || v >= c.gte) && (c.lt === null || v < c.lt) && (c.lte === null || v <= c.lte);
    }
    case 'boolean':
      return v === c.value;
    case 'exists':
      if (field.type === 'custom_field') {
        const custom = obj.custom as Record<string, unknown>;
        const raw = custom[field.custom_field_id];
        return Object.hasOwn(custom, field.custom_field_id) && raw !== null && raw !== '' && !(Array.isArray(raw) && raw.length === 0);
      }
      if (kind === 'count') return (v as number) > 0;
      if (kind === 'text') return v !== null && v !== '';
      return v !== null;
    case 'moment_range': {
      if (v === null) return false;
      const bounds = [
        [c.on_or_after, (x: number | string, b: number | string) => x >= b],
        [c.before, (x: number | string, b: number | string) => x < b],
      ] as const;
      return bounds.every(([moment, ok]) => {
        if (moment === null) return true;
        const instant = momentInstant(moment, ctx.clock);
        if (kind === 'date') return ok(v as string, firstLocalDayFrom(instant, ctx.clock.tzOffsetMinutes));
        return ok((v as Date).getTime(), instant);
      });
    }
  }
}

function textSources(objectType: string, obj: Obj): (string | null)[] {
  const contactText = (c: MContact) => [c.name, c.title, ...c.emails.map((e) => e.email), ...c.phones.map((p) => p.phone)];
  if (objectType === 'lead') {
    const l = obj as unknown as MLead;
    return [l.name, l.description, l.url, ...l.contacts.flatMap(contactText)];
  }
  return contactText(obj as unknown as MContact);
}

function related(objectType: string, obj: Obj, to: string, ctx: EvalContext): Obj[] {
  switch (`${objectType}->${to}`) {
    case 'lead->contact':
      return (obj as unknown as MLead).contacts as unknown as Obj[];
    case 'lead->address':
      return (obj as unknown as MLead).addresses as unknown as Obj[];
    case 'contact->lead':
      return [leadOf(ctx.world, String(obj.lead_id)) as unknown as Obj];
    case 'contact->contact_email':
      return (obj as unknown as MContact).emails as unknown as Obj[];
    case 'contact->contact_phone':
      return (obj as unknown as MContact).phones as unknown as Obj[];
    case 'contact->contact_url':
      return (obj as unknown as MContact).urls as unknown as Obj[];
    case 'contact->sequence_subscription':
      return (obj as unknown as MContact).subscriptions.filter((s) => !s.deleted) as unknown as Obj[];
    default:
      throw new Error(`no relation ${objectType}->${to}`);
  }
}

/** The 1-based part of `total` an id is in: the first 32 bits of its md5, modulo `total`. */
function sliceOf(id: string, total: number): number {
  return (createHash('md5').update(id).digest().readUInt32BE(0) % total) + 1;
}

/** Whether `obj` (of `objectType`) matches `q`. */
export function matches(q: Query, objectType: string, obj: Obj, ctx: EvalContext): boolean {
  return q.negate !== matchesInner(q, objectType, obj, ctx);
}

function matchesInner(q: Query, objectType: string, obj: Obj, ctx: EvalContext): boolean {
  switch (q.type) {
    case 'and':
      return q.queries.every((s) => matches(s, objectType, obj, ctx));
    case 'or':
      return q.queries.some((s) => matches(s, objectType, obj, ctx));
    case 'object_type':
      return q.object_type === objectType;
    case 'id':
      return obj.id === q.value;
    case 'match_all':
      return true;
    case 'slice':
      return sliceOf(String(obj.id), q.total_slices) === q.slice;
    case 'saved_search':
      return matches(q.query, objectType, obj, ctx);
    case 'field_condition':
      return evalCondition(objectType, obj, q.field, q.condition, ctx);
    case 'has_related':
      return related(objectType, obj, q.related_object_type, ctx).some((r) => matches(q.related_query, q.related_object_type, r, ctx));
    case 'text': {
      const sources = textSources(objectType, obj).filter((s): s is string => s !== null);
      if (q.mode === 'exact_value') return sources.some((s) => s.toLowerCase() === q.value.toLowerCase());
      return textTests(q.mode, q.value).every((re) => sources.some((s) => re.test(s)));
    }
  }
}

/** The ids of the objects of `resultType` in the world that match `q`. */
export function evaluate(q: Query, resultType: 'lead' | 'contact', ctx: EvalContext): string[] {
  const objects = resultType === 'lead' ? ctx.world.leads : ctx.world.leads.flatMap((l) => l.contacts);
  return objects.filter((o) => matches(q, resultType, o as unknown as Obj, ctx)).map((o) => o.id).sort();
}

/**
 * The ids of `evaluate` in result order: each key ascending with NULLs last or descending with NULLs
 * first, then id in the direction of the last key (default: date_created descending). Text compares
 * by code point, as the C.UTF-8 collation does.
 */
export function evaluateSorted(q: Query, resultType: 'lead' | 'contact', sort: readonly SortKey[], ctx: EvalContext): string[] {
  const keys: readonly SortKey[] = sort.length > 0 ? sort : [{ direction: 'desc', field: { type: 'regular_field', object_type: resultType, field_name: 'date_created' } }];
  const objects = (resultType === 'lead' ? ctx.world.leads : ctx.world.leads.flatMap((l) => l.contacts)) as unknown as Obj[];
  const chosen = objects.filter((o) => matches(q, resultType, o, ctx));
  const valueOf = (o: Obj, key: SortKey): number | string | null => {
    const v = fieldValue(resultType, o, key.field, ctx);
    if (v === null || v === undefined) return null;
    return v instanceof Date ? v.getTime() : (v as number | string);
  };
  const cmp = (a: number | string, b: number | string) => (a < b ? -1 : a > b ? 1 : 0);
  const idSign = keys.at(-1)!.direction === 'asc' ? 1 : -1;
  return chosen
    .sort((a, b) => {
      for (const key of keys) {
        const [x, y] = [valueOf(a, key), valueOf(b, key)];
        const sign = key.direction === 'asc' ? 1 : -1;
        if (x === null && y === null) continue;
        // NULL sorts as the largest value: last ascending, first descending.
        if (x === null) return sign;
        if (y === null) return -sign;
        const c = cmp(x, y);
        if (c !== 0) return sign * c;
      }
      return idSign * cmp(String(a.id), String(b.id));
    })
    .map((o) => String(o.id));
}
