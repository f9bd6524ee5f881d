/**
 * Hostile substitutions into a well-formed request, one class at a time (NUL, lone surrogates,
 * megabyte strings, 100,000 items, nesting 10,000 deep, SQL / Liquid / regex metacharacters,
 * numbers out of range, wrong types, hostile keys, `__proto__`), each aimed at the kind of node it
 * is meant for (a NUL goes into a string the endpoint stores, a huge number replaces a number), so
 * that every class reaches every endpoint in a few dozen requests rather than by luck.
 */
import fc from 'fast-check';
import {
  amplify, BODY_BUDGET, deepArray, deepen, DEPTH, HOSTILE_KEYS, HOSTILE_NUMBERS, HOSTILE_QUERY_VALUES, HOSTILE_STRINGS, hostileValue, HUGE_STRINGS,
  MANY, MB, RawJson, toJson, WRONG_TYPES, withKey,
} from './hostile-values.ts';

export const CLASSES = ['nul', 'surrogate', 'huge', 'many', 'deep', 'sql', 'liquid', 'regex', 'number', 'type', 'key', 'proto', 'random'] as const;
export type HostileClass = (typeof CLASSES)[number];

const NUL = ['\u0000', 'a\u0000b', '\u0000\u0000'];
const SURROGATES = ['\ud800', '\udfff', 'x\ud800y', '\udfff\ud800', '\ud83d'];
const SQL = ["'; DROP TABLE leads; --", "' OR '1'='1", "\\'", '\\', '$1', '$$', '$$;SELECT 1;$$', '%', '_', '%_\\', "E'\\x00'", "''", '"; --'];
const LIQUID = ['{% include "package.json" %}', "{{ 'a' | append: 'a' }}", '{{', '}}', '{% raw %}', '{%', '{{ lead | json }}', '{% render "/etc/passwd" %}', '{% for i in (1..100000000) %}x{% endfor %}'];
const REGEX = ['.*', '(?:', '[', '(a+)+$', '\\m', '\\y', '^$', '*', '+', '?', '(?<', '\\1', '[[:alpha:]]', '\\'];
const STRINGS_BY_CLASS: Partial<Record<HostileClass, readonly string[]>> = { nul: NUL, surrogate: SURROGATES, sql: SQL, liquid: LIQUID, regex: REGEX };

export interface BodyMutation {
  readonly cls: HostileClass;
  readonly at: number;
  readonly variant: number;
  /** For `random`: the replacement. */
  readonly value: unknown;
}

export const bodyMutation: fc.Arbitrary<BodyMutation> = fc.record({
  cls: fc.constantFrom(...CLASSES),
  at: fc.nat(),
  variant: fc.nat(),
  value: hostileValue,
});

interface Slot {
  readonly value: unknown;
  /** The object holding it and its key (absent for the root and array items). */
  readonly holder?: Record<string, unknown>;
  readonly key?: string;
  set(v: unknown): void;
}

export function clone(value: unknown): unknown {
  if (value instanceof RawJson || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(clone);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) withKey(out, key, clone((value as Record<string, unknown>)[key]));
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof RawJson);
}

function slots(root: { v: unknown }): Slot[] {
  const out: Slot[] = [{ value: root.v, set: (v) => (root.v = v) }];
  const walk = (value: unknown, depth: number) => {
    if (depth > 12 || value === null || typeof value !== 'object' || value instanceof RawJson) return;
    if (Array.isArray(value)) {
      if (value.length > 50) return;
      value.forEach((item, i) => {
        out.push({ value: item, set: (v) => (value[i] = v) });
        walk(item, depth + 1);
      });
    } else {
      const record = value as Record<string, unknown>;
      for (const key of Object.keys(record)) {
        out.push({ value: record[key], holder: record, key, set: (v) => withKey(record, key, v) });
        walk(record[key], depth + 1);
      }
    }
  };
  walk(root.v, 0);
  return out;
}

function pick<T>(items: readonly T[], at: number): T | undefined {
  return items.length === 0 ? undefined : items[at % items.length];
}

/** The first non-empty candidate list's pick. */
function first(at: number, ...lists: Slot[][]): Slot | undefined {
  for (const list of lists) if (list.length) return pick(list, at);
  return undefined;
}

function typeSwap(v: unknown): unknown {
  if (typeof v === 'string') return v === '' ? 0 : Number.isNaN(Number(v)) ? [v] : Number(v);
  if (typeof v === 'number') return String(v);
  if (typeof v === 'boolean') return v ? 'true' : 0;
  if (Array.isArray(v)) return Object.fromEntries(v.map((x, i) => [String(i), x]));
  if (isRecord(v)) return Object.values(v);
  return {};
}

function applyBody(root: { v: unknown }, m: BodyMutation): void {
  const all = slots(root);
  const inner = all.slice(1);
  const strings = inner.filter((s) => typeof s.value === 'string');
  const numbers = inner.filter((s) => typeof s.value === 'number');
  const leaves = inner.filter((s) => s.value === null || typeof s.value !== 'object');
  const records = all.filter((s) => isRecord(s.value));
  const lists = inner.filter((s) => Array.isArray(s.value));
  const choose = <T>(list: readonly T[]) => list[m.variant % list.length]!;
  const texts = STRINGS_BY_CLASS[m.cls];
  if (texts) {
    const text = choose(texts);
    // Odd variants put the text in a key instead (keys reach the same checks, or should).
    if (m.variant % 4 === 3 && records.length) {
      const target = pick(records, m.at)!.value as Record<string, unknown>;
      const keys = Object.keys(target);
      const key = keys.length ? keys[m.at % keys.length]! : 'x';
      withKey(target, `${key}${text}`, target[key] ?? text);
      return;
    }
    const slot = first(m.at, strings, leaves, all)!;
    const s = typeof slot.value === 'string' ? slot.value : '';
    const cut = m.variant % (s.length + 1);
    slot.set(m.variant % 2 === 0 ? s.slice(0, cut) + text + s.slice(cut) : text);
    return;
  }
  switch (m.cls) {
    case 'huge':
      first(m.at, strings, leaves, all)!.set(choose(HUGE_STRINGS));
      return;
    case 'many': {
      const slot = first(m.at, lists, leaves, all)!;
      slot.set(amplify(Array.isArray(slot.value) ? slot.value : [slot.value], MANY));
      return;
    }
    case 'deep': {
      // An object holding a list first: a search nested in itself goes further than bare arrays.
      const nestable = records.filter((s) => Object.values(s.value as object).some(Array.isArray));
      const slot = first(m.at, nestable, records, all)!;
      slot.set(m.variant % 5 === 4 ? deepArray(DEPTH) : deepen(slot.value, DEPTH));
      return;
    }
    case 'number':
      first(m.at, numbers, leaves, all)!.set(choose(HOSTILE_NUMBERS));
      return;
    case 'type': {
      const slot = pick(all, m.at)!;
      slot.set(m.variant % 2 === 0 ? typeSwap(slot.value) : choose(WRONG_TYPES));
      return;
    }
    case 'key': {
      const target = pick(records, m.at);
      if (target) withKey(target.value as Record<string, unknown>, choose(HOSTILE_KEYS), choose([...HOSTILE_STRINGS.slice(0, 12), 1, null, {}, []]));
      return;
    }
    case 'proto': {
      const target = pick(records, m.at);
      if (!target) return;
      const record = target.value as Record<string, unknown>;
      if (m.variant % 2 === 0) withKey(record, '__proto__', { polluted: true, status_id: 'stat_polluted', organization_id: 'orga_polluted' });
      else withKey(record, 'constructor', { prototype: { polluted: true } });
      return;
    }
    default:
      pick(all, m.at)!.set(m.value);
  }
}

/** `value` with `mutations` applied in turn, each kept only while the body stays within budget. */
export function mutateBody(value: unknown, mutations: readonly BodyMutation[]): unknown {
  let state = clone(value);
  for (const m of mutations) {
    const root = { v: clone(state) };
    try {
      applyBody(root, m);
      if (toJson(root.v).length <= BODY_BUDGET) state = root.v;
    } catch (error) {
      // Too large to build at all (a string over V8's limit): the mutation is skipped like an over-budget one.
      if (!(error instanceof RangeError)) throw error;
    }
  }
  return state;
}

// ——— query strings ———

export type QueryPairs = [string, string][];

export interface QueryMutation {
  readonly cls: HostileClass;
  /** Which parameter (of the documented ones and the list conventions) it goes to. */
  readonly param: number;
  readonly variant: number;
}

export const queryMutation: fc.Arbitrary<QueryMutation> = fc.record({ cls: fc.constantFrom(...CLASSES), param: fc.nat(), variant: fc.nat() });

const enc = (list: readonly string[]) => list.map((s) => encodeURIComponent(s));
const Q_NUMBERS = ['100000000000000000000', '1e20', '1e308', '-1', '9007199254740993', 'NaN', 'Infinity', '1.5', '-0', '0x10', '2147483648', '-9223372036854775809'];
const Q_KEYS = ['%00', 'a%00b', '%ED%A0%80', 'x'.repeat(10_000), '__proto__', 'constructor', '', '%5B%5D'];
const Q_PROTO = ['__proto__%5Bpolluted%5D', 'constructor%5Bprototype%5D%5Bpolluted%5D', '__proto__.polluted'];

/** Applies `m` to `pairs` (percent-encoded), naming one of `names`. */
export function applyQuery(pairs: QueryPairs, names: readonly string[], m: QueryMutation, extras: { ids: () => string; deepSearch: () => string }): void {
  const name = names[m.param % names.length]!;
  const choose = (list: readonly string[]) => list[m.variant % list.length]!;
  const set = (value: string) => {
    const existing = pairs.find(([k]) => k === name);
    if (existing) existing[1] = value;
    else pairs.push([name, value]);
  };
  const texts = STRINGS_BY_CLASS[m.cls];
  if (texts) {
    const text = m.cls === 'nul' ? choose(['%00', 'a%00b', 'id%00', '%00%00']) : m.cls === 'surrogate' ? choose(['%ED%A0%80', '%ED%BF%BF', 'x%ED%A0%80y', '%ED%A0%BD']) : choose(enc(texts));
    const existing = pairs.find(([k]) => k === name);
    set(m.variant % 2 === 0 && existing ? `${existing[1]}${text}` : text);
    return;
  }
  switch (m.cls) {
    case 'huge':
      return set(m.variant % 2 ? 'x'.repeat(MB) : encodeURIComponent('\u00e9'.repeat(MB / 8)));
    case 'many':
      return set(m.variant % 2 ? extras.ids() : Array.from({ length: MANY }, () => 'x').join(','));
    case 'deep':
      return set(m.variant % 2 ? extras.deepSearch() : encodeURIComponent(deepArray(DEPTH).text));
    case 'number':
      return set(choose(Q_NUMBERS));
    case 'type': {
      // Repeated or bracketed, a parameter arrives as an array or an object instead of a string.
      const value = pairs.find(([k]) => k === name)?.[1] ?? '1';
      if (m.variant % 3 === 0) pairs.push([name, value], [name, value]);
      else if (m.variant % 3 === 1) pairs.push([`${name}%5B%5D`, value]);
      else pairs.push([`${name}%5Bx%5D`, value]);
      return;
    }
    case 'key':
      pairs.push([choose(Q_KEYS), '1']);
      return;
    case 'proto':
      pairs.push([choose(Q_PROTO), 'polluted']);
      return;
    default:
      return set(choose(HOSTILE_QUERY_VALUES));
  }
}

// ——— path parameters ———

/** A hostile value for a path parameter whose real values look like `sample` (already encoded). */
export function hostilePathValue(cls: HostileClass, variant: number, sample: string): string {
  const choose = (list: readonly string[]) => list[variant % list.length]!;
  switch (cls) {
    case 'nul': return choose(['%00', `${sample}%00`, `%00${sample}`]);
    case 'surrogate': return choose(['%ED%A0%80', `${sample}%ED%A0%80`, '%ED%BF%BF']);
    case 'huge': return choose(['x'.repeat(10_000), `${sample}${'x'.repeat(1000)}`, 'x'.repeat(101)]);
    case 'many': return choose([Array.from({ length: 1000 }, () => sample).join(','), `${sample},${sample}`]);
    case 'deep': return choose(['..', '%2E%2E', '%2F', '%252F', '..%2F..%2Fetc%2Fpasswd', '.']);
    case 'sql': return choose(enc(SQL));
    case 'liquid': return choose(enc(LIQUID));
    case 'regex': return choose(enc(REGEX));
    case 'number': return choose(['0', '-1', '1e20', '100000000000000000000', 'NaN']);
    case 'type': return choose(['null', 'undefined', 'true', '%5B%5D', '%7B%7D', '%20']);
    case 'key': return choose(['__proto__', 'constructor', 'toString', 'hasOwnProperty']);
    case 'proto': return choose(['__proto__', 'prototype']);
    default: return choose(['%', '%zz', '%FF', '%C0%AE', '*', '%F0%9F%99%82', sample.toUpperCase()]);
  }
}
