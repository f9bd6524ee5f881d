/**
 * Well-formed values for a JSON schema of the OpenAPI document: what a careful client would send,
 * so that a request carrying one hostile substitution gets past validation to the code behind it.
 * Where the schema says too little (`s_query: {}`, a plain string named `lead_id`), the property's
 * name decides, as it means the same across the API: `*_id` takes a real id of that kind from the
 * fixture world, `s_query` a search over its leads, `custom` its custom fields.
 */
import fc from 'fast-check';
import type { World, WorldCustomField } from './fixture-world.ts';
import type { JsonSchema } from './openapi-operations.ts';

export interface Ctx {
  readonly world: World;
  /** The operation's path: a few names mean different things under `/bulk_action/`. */
  readonly path: string;
  /** Whose custom fields a `custom` object takes. */
  readonly object: 'lead' | 'contact';
  /** The property holding this value's parent (`id` inside `lead_statuses` is a status id). */
  readonly parent: string;
}

const MODES = ['full_words', 'phrase', 'beginning_of_words', 'exact_value'] as const;

/** Id prefixes by what a property is called. */
const PREFIX_BY_NAME: Record<string, string[]> = {
  status: ['stat'], lead_status: ['stat'], lead_statuses: ['stat'], template: ['tmpl'], email_template: ['tmpl'],
  sender_account: ['emailacct'], email_account: ['emailacct'], connected_account: ['emailacct'], custom_field: ['cf'],
  bulk_email_action: ['bulkemail'], sequence_subscription: ['sub'], subscription: ['sub'], saved_search: ['save'],
  user: ['user'], calls_assigned_to: ['user'], contact: ['cont'], lead: ['lead'], sequence: ['seq'], steps: ['seqstep'], step: ['seqstep'],
  organization: ['orga'], activity: ['acti'], from_phone_number: ['phone'], id: [],
};

export function prefixesFor(name: string, world: World): string[] {
  const stem = name.replace(/__in$/, '').replace(/_ids?$/, '');
  if (PREFIX_BY_NAME[stem]) return PREFIX_BY_NAME[stem]!;
  return world.prefixes().filter((p) => stem.startsWith(p));
}

export function unknownIds(prefixes: readonly string[]): string[] {
  return prefixes.flatMap((p) => [`${p}_doesnotexist`, `${p}_${'0'.repeat(43)}`]);
}

/** An id of the kind `name` refers to: mostly A's, sometimes B's, unknown or of another kind. */
function idFor(name: string, ctx: Ctx): fc.Arbitrary<string> | undefined {
  const prefixes = prefixesFor(name === 'id' ? ctx.parent : name, ctx.world);
  const own = prefixes.flatMap((p) => ctx.world.idsWithPrefix('a', p));
  if (own.length === 0) return undefined;
  const theirs = prefixes.flatMap((p) => ctx.world.idsWithPrefix('b', p));
  const other = ctx.world.prefixes().filter((p) => !prefixes.includes(p)).flatMap((p) => ctx.world.idsWithPrefix('a', p).slice(0, 1));
  return fc.oneof(
    { weight: 12, arbitrary: fc.constantFrom(...own) },
    { weight: 1, arbitrary: fc.constantFrom(...(theirs.length ? theirs : own)) },
    { weight: 1, arbitrary: fc.constantFrom(...unknownIds(prefixes), ...other) },
  );
}

function customValue(field: WorldCustomField, world: World): fc.Arbitrary<unknown> {
  const one = ((): fc.Arbitrary<unknown> => {
    switch (field.type) {
      case 'number': return fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.double({ min: -1e6, max: 1e6, noNaN: true }));
      case 'date': return fc.constantFrom('2026-01-05', '1999-12-31', '2026-02-28');
      case 'datetime': return fc.constantFrom('2026-01-05T10:00:00Z', '2026-01-05T10:00:00.123456+02:00');
      case 'choices': return fc.constantFrom('alpha', 'beta', "o'neil");
      case 'user': return fc.constantFrom(...world.idsWithPrefix('a', 'user'));
      case 'contact': return fc.constantFrom(...world.idsWithPrefix('a', 'cont'));
      default: return fc.oneof(fc.constantFrom(...world.words), fc.string({ maxLength: 20 }));
    }
  })();
  return field.multiple ? fc.array(one, { minLength: 1, maxLength: 3 }) : one;
}

export function customObject(ctx: Ctx): fc.Arbitrary<Record<string, unknown>> {
  const fields = ctx.world.customFields.filter((f) => f.object === ctx.object);
  if (fields.length === 0) return fc.constant({});
  return fc
    .subarray(fields, { maxLength: 4 })
    .chain((chosen) => fc.tuple(...chosen.map((f) => fc.tuple(fc.constantFrom(f.id, f.name), customValue(f, ctx.world)))))
    .map((entries) => Object.fromEntries(entries));
}

/** An Advanced Filtering query over organization A's world (leads, statuses, custom fields, views). */
export function searchQuery(world: World): fc.Arbitrary<Record<string, unknown>> {
  const leads = world.idsWithPrefix('a', 'lead');
  const statuses = world.idsWithPrefix('a', 'stat');
  const views = world.idsWithPrefix('a', 'save');
  const ofType = (type: string) => world.customFields.filter((f) => f.object === 'lead' && f.type === type && !f.multiple).map((f) => ({ type: 'custom_field', custom_field_id: f.id }));
  const leadField = (name: string) => ({ type: 'regular_field', object_type: 'lead', field_name: name });
  const word = fc.constantFrom(...world.words);
  const leaves: fc.Arbitrary<Record<string, unknown>>[] = [
    fc.constant({ type: 'object_type', object_type: 'lead' }),
    fc.record({ type: fc.constant('id'), value: fc.constantFrom(...leads) }),
    fc.record({ type: fc.constant('text'), mode: fc.constantFrom(...MODES), value: word }),
    fc.record({ type: fc.constant('field_condition'), field: fc.constant(leadField('name')), condition: fc.record({ type: fc.constant('text'), mode: fc.constantFrom(...MODES), value: word }) }),
    fc.record({
      type: fc.constant('field_condition'), field: fc.constant(leadField('status_id')),
      condition: fc.record({ type: fc.constant('reference'), reference_type: fc.constant('status.lead'), object_ids: fc.subarray(statuses, { minLength: 1 }) }),
    }),
    fc.record({
      type: fc.constant('has_related'), this_object_type: fc.constant('lead'), related_object_type: fc.constant('contact'),
      related_query: fc.record({
        type: fc.constant('has_related'), this_object_type: fc.constant('contact'), related_object_type: fc.constant('contact_email'),
        related_query: fc.record({
          type: fc.constant('field_condition'), field: fc.constant({ type: 'regular_field', object_type: 'contact_email', field_name: 'email' }),
          condition: fc.record({ type: fc.constant('text'), mode: fc.constant('exact_value'), value: fc.constantFrom(...world.emails.a) }),
        }),
      }),
    }),
  ];
  if (ofType('text').length) {
    leaves.push(fc.record({ type: fc.constant('field_condition'), field: fc.constantFrom(...ofType('text')), condition: fc.record({ type: fc.constant('text'), mode: fc.constantFrom(...MODES), value: word }) }));
  }
  if (ofType('number').length) {
    leaves.push(fc.record({
      type: fc.constant('field_condition'), field: fc.constantFrom(...ofType('number')),
      condition: fc.record({ type: fc.constant('number_range'), gte: fc.integer({ min: -100, max: 100 }), lt: fc.integer({ min: 100, max: 1000 }) }, { requiredKeys: ['type'] }),
    }));
  }
  if (ofType('choices').length) {
    leaves.push(fc.record({ type: fc.constant('field_condition'), field: fc.constantFrom(...ofType('choices')), condition: fc.record({ type: fc.constant('term'), values: fc.subarray(['alpha', 'beta', "o'neil"], { minLength: 1 }) }) }));
  }
  if (views.length) leaves.push(fc.record({ type: fc.constant('saved_search'), saved_search_id: fc.constantFrom(...views) }));
  return fc
    .record({ type: fc.constantFrom('and', 'or'), queries: fc.array(fc.oneof(...leaves), { minLength: 1, maxLength: 3 }) })
    .map((q) => ({ type: 'and', queries: [{ type: 'object_type', object_type: 'lead' }, q] }));
}

export const sortArb = fc.array(
  fc.record({ direction: fc.constantFrom('asc', 'desc'), field: fc.record({ type: fc.constant('regular_field'), object_type: fc.constant('lead'), field_name: fc.constantFrom('name', 'date_created', 'date_updated') }) }),
  { maxLength: 2 },
);

/** Values the API gives a meaning to by name; undefined when the schema alone should decide. */
function hintFor(schema: JsonSchema, name: string, ctx: Ctx): fc.Arbitrary<unknown> | undefined {
  const w = ctx.world;
  const stringy = schema.type === 'string';
  const json = (arb: fc.Arbitrary<unknown>) => (stringy ? arb.map((v) => JSON.stringify(v)) : arb);
  const untyped = schema.type === undefined && !schema.properties && !schema.anyOf && !schema.enum;
  if ((name === 's_query' || name === 'query') && (untyped || stringy)) {
    const q = searchQuery(w);
    return json(fc.oneof(q, fc.record({ query: q, sort: sortArb, results_limit: fc.integer({ min: 0, max: 50 }) }, { requiredKeys: ['query'] })));
  }
  if (name === 'sort' && (untyped || stringy)) return json(sortArb);
  if (name === '_fields' && untyped) return fc.constantFrom({ lead: ['id', 'display_name'] }, { lead: ['id'], contact: ['id', 'name'] });
  if (untyped && /(^_?|_)limit$/.test(name)) return fc.integer({ min: 0, max: 50 });
  if (untyped && /^(include_|is_|send_)/.test(name)) return fc.boolean();
  if (name === 'custom' && (schema.type === 'object' || untyped)) return customObject(ctx);
  if (schema.enum || schema.anyOf) return undefined;
  if (name === '_fields') return fc.constantFrom('id', 'id,name', '_all', 'custom', 'display_name,contacts', `id,custom.${w.customFields[0]?.id}`);
  if (stringy || untyped) {
    if (name === 'id' || /_id$|_ids$|__in$/.test(name)) {
      const id = idFor(name, ctx);
      if (id) return /__in$/.test(name) ? fc.array(id, { minLength: 1, maxLength: 3 }).map((ids) => ids.join(',')) : id;
    }
    if (schema.format === 'email' || /(^|_)email$/.test(name)) {
      return fc.oneof(fc.constantFrom(...w.emails.a), fc.nat(1e6).map((n) => `fresh${n}@hostile-a.example`));
    }
    if (name === 'sender') return fc.constantFrom(...w.emails.a.map((e) => `"Sam" <${e}>`), ...w.emails.a);
    if (name === 'status') {
      if (ctx.path.includes('/bulk_action/') || ctx.path.includes('/export/')) return fc.constantFrom('paused', 'resuming', 'cancelled');
      if (ctx.path.includes('/activity/')) return fc.constantFrom('sent', 'outbox', 'error', 'sent,outbox');
      return fc.constantFrom(...w.statusLabels);
    }
    if (name === 'type') {
      if (ctx.path.includes('/bulk_action/')) return fc.constantFrom('set_lead_status', 'set_custom_field', 'clear_custom_field', 'set_contact_custom_field', 'clear_contact_custom_field');
      if (ctx.path.includes('/saved_search/')) return fc.constantFrom('lead', 'contact');
      if (ctx.path.includes('/export/')) return fc.constantFrom('leads', 'contacts');
      return fc.constantFrom('office', 'home', 'mobile', 'url');
    }
    if (name === 'action_type') return fc.constantFrom('subscribe', 'pause', 'resume', 'resume_finished');
    if (name === 'format' && ctx.path.includes('/export/')) return fc.constantFrom('csv', 'json');
    if (name === 'date_format') return fc.constantFrom('original', 'iso8601', 'excel');
    if (name === 'contact_preference') return fc.constantFrom('lead', 'contact', 'all');
    if (name === 'bulk_object_type' || name === 'type__in') return fc.constantFrom('lead', 'contact', 'lead,contact');
    if (name === 'custom_field_operation') return fc.constantFrom('replace', 'add', 'remove');
    if (name === '_type') return fc.constant('custom_email');
    if (name === 'custom_field_name') return fc.constantFrom(...w.customFields.map((f) => f.name));
    if (name === 'timezone') return fc.constantFrom('UTC', 'Europe/Berlin', 'America/New_York');
    if (name === 'start' || name === 'end') return fc.constantFrom('09:00', '17:30', '00:00');
    if (name === 'currency') return fc.constantFrom('USD', 'EUR');
    if (name === 'phone') return fc.constantFrom('+14155550123', '+4930123456');
    if (name === 'url') return fc.constantFrom('https://x.example/', 'acme.example');
    // IP literals only: a host name would make the API resolve it (smtp.host is checked on save).
    if (name === 'host') return fc.constantFrom('192.0.2.10', '198.51.100.7');
    if (name === 'subject' || name === 'body') return fc.constantFrom('Hi {{ contact.first_name }}', 'Plain', '{{ lead.display_name | upcase }}');
    if (/date|_at(__|$)/.test(name)) return fc.constantFrom('2026-01-05', '2026-01-05T10:00:00Z', '2020-01-01T00:00:00+02:00');
    if (name === 'name' || name === 'label' || name === 'title') {
      return fc.tuple(fc.constantFrom(...w.words), fc.nat(1e9)).map(([word, n]) => `${word} ${n}`);
    }
    if (name === 'custom_field_value') return fc.constantFrom('alpha', 'plain', '2026-01-05', ...w.idsWithPrefix('a', 'user'));
  }
  if (name === 'custom_field_value') return fc.constantFrom('alpha', 'plain', 7, '2026-01-05', null);
  if (name === 'custom_field_values') return fc.array(fc.constantFrom('alpha', 'beta', ...w.idsWithPrefix('a', 'user')), { maxLength: 3 });
  if (name === 'calls_assigned_to' && schema.type === 'array') return fc.subarray(w.idsWithPrefix('a', 'user'));
  if (name === 'fields' && ctx.path.includes('/export/')) return fc.subarray(['id', 'name', 'display_name', 'custom', 'date_created'], { minLength: 1 });
  if (name === 'weekday') return fc.integer({ min: 0, max: 6 });
  return undefined;
}

const smallJson: fc.Arbitrary<unknown> = fc.jsonValue({ maxDepth: 2 });

function singular(name: string): string {
  return name.endsWith('s') ? name.slice(0, -1) : name;
}

/** A value matching `schema`. */
export function valueFor(schema: JsonSchema, name: string, ctx: Ctx, depth = 0): fc.Arbitrary<unknown> {
  const inner = ((): fc.Arbitrary<unknown> => {
    const hinted = hintFor(schema, name, ctx);
    if (hinted) return hinted;
    if (schema.enum) return fc.constantFrom(...schema.enum);
    const branches = schema.anyOf ?? schema.oneOf;
    if (branches) return fc.oneof(...branches.map((b) => valueFor(b, name, ctx, depth)));
    const type = Array.isArray(schema.type) ? schema.type[0] : schema.type ?? (schema.properties ? 'object' : schema.items ? 'array' : undefined);
    switch (type) {
      case 'string': {
        if (schema.pattern) {
          try {
            const re = new RegExp(schema.pattern);
            return fc.stringMatching(re).filter((s) => s.length <= (schema.maxLength ?? 200) && s.length >= (schema.minLength ?? 0));
          } catch {
            // A pattern JavaScript cannot compile falls back to plain strings.
          }
        }
        const min = schema.minLength ?? 0;
        return fc.string({ minLength: Math.max(min, 1), maxLength: Math.max(min, Math.min(schema.maxLength ?? 20, 20)) });
      }
      case 'integer': {
        const min = schema.minimum ?? 0;
        return fc.integer({ min, max: Math.min(schema.maximum ?? min + 1000, min + 100_000) });
      }
      case 'number': {
        const min = schema.minimum ?? -1000;
        return fc.double({ min, max: schema.maximum ?? min + 1e6, noNaN: true, noDefaultInfinity: true });
      }
      case 'boolean':
        return fc.boolean();
      case 'null':
        return fc.constant(null);
      case 'array':
        return fc.array(valueFor(schema.items ?? {}, singular(name), { ...ctx, parent: name }, depth + 1), {
          minLength: schema.minItems ?? 0,
          maxLength: Math.max(schema.minItems ?? 0, Math.min(schema.maxItems ?? 3, 3)),
        });
      case 'object':
        return objectFor(schema, name, ctx, depth);
      default:
        return smallJson;
    }
  })();
  return schema.nullable ? fc.oneof({ weight: 1, arbitrary: fc.constant(null) }, { weight: 8, arbitrary: inner }) : inner;
}

function objectFor(schema: JsonSchema, name: string, parentCtx: Ctx, depth: number): fc.Arbitrary<unknown> {
  const ctx: Ctx = { ...parentCtx, object: name === 'contacts' || name === 'contact' ? 'contact' : parentCtx.object, parent: name };
  if (depth > 6) return fc.constant({});
  const properties = schema.properties ?? {};
  const shape: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [key, sub] of Object.entries(properties)) {
    const untyped = sub.type === undefined && !sub.properties && !sub.anyOf && !sub.oneOf && !sub.enum;
    // A key the document says nothing about is left out of a well-formed body (mutations add junk).
    shape[key] = untyped && !hintFor(sub, key, ctx) ? fc.constant(undefined) : valueFor(sub, key, ctx, depth + 1);
  }
  const record = fc.record(shape, { requiredKeys: (schema.required ?? []).filter((k) => k in shape) });
  // Close objects with custom fields also take them as top-level `custom.cf_…` keys.
  if ('custom' in properties && schema.additionalProperties !== false) {
    return fc.tuple(record, fc.option(customObject(ctx), { nil: undefined })).map(([r, extra]) => {
      const out: Record<string, unknown> = { ...r };
      for (const [k, v] of Object.entries(extra ?? {})) out[`custom.${k}`] = v;
      return out;
    });
  }
  return record;
}
