/**
 * Hostile values for bodies, query strings and paths, the JSON writer that can carry a body too
 * deep for JSON.stringify, and a short printable form of any request for failure reports.
 */
import fc from 'fast-check';

/** JSON text inserted verbatim by `toJson` (nesting 10,000 deep is built as text, not as objects). */
export class RawJson {
  constructor(
    readonly text: string,
    readonly label: string,
  ) {}
}

export const MB = 1 << 20;
export const DEPTH = 10_000;
export const MANY = 100_000;
/** Under BODY_LIMIT_BYTES (10 MB), so a 413 is not the only answer a big body can get. */
export const BODY_BUDGET = 9 * MB;

const bigX = 'x'.repeat(MB);

export const HOSTILE_STRINGS: readonly string[] = [
  '\u0000', 'a\u0000b', '\ud800', '\udfff', 'x\ud800y', '\udfff\ud800', '\ud83d',
  "'; DROP TABLE leads; --", "' OR '1'='1", "\\'", '\\', '"', '$1', '$$', '$$;SELECT 1;$$', '%', '_', '%_\\', 'E\'\\x00\'', '\'\'',
  '{% include "package.json" %}', "{{ 'a' | append: 'a' }}", '{{', '}}', '{% raw %}', '{%', '{{ lead | json }}',
  '{% render "/etc/passwd" %}', '{% for i in (1..100000000) %}x{% endfor %}', '{{ "x" | append: "x" | append: "x" }}',
  '.*', '(?:', '[', '(a+)+$', '\\m', '\\y', '^$', '*', '+', '?', '(?<', '\\1', '[[:alpha:]]',
  '', ' ', '\t\n', '🙂', '\u202e', '\uffff', '\ufeff', '\u2028',
  '9999-99-99', '2026-02-30', '0000-00-00', '99999-01-01T00:00:00Z', 'NaN', 'Infinity', '-infinity', 'epoch', 'allballs',
  'null', 'true', '0x10', '1e20', '-1', '__proto__', 'constructor', 'prototype', 'custom.cf_nope', 'cf_nope',
  'a@b', '@', 'a@b@c', `${'a'.repeat(300)}@example.com`, '"a b"@example.com',
  'x'.repeat(201), 'x'.repeat(1001), 'x'.repeat(10_001), 'x'.repeat(65_536),
];

/** Strings of a megabyte, as plain text and with the hostile bytes at the end. */
export const HUGE_STRINGS: readonly string[] = [bigX, `${bigX.slice(1)}\u0000`, `${bigX.slice(1)}\ud800`, '\u00e9'.repeat(MB)];

export const HOSTILE_NUMBERS: readonly number[] = [
  1e308, -1e308, -1, 2 ** 53 + 1, 1e20, -0, 0.5, 1e-320, 2 ** 31, -(2 ** 31) - 1, 2 ** 63, Number.MAX_SAFE_INTEGER, 315_360_001, 65_536, 0,
];

export const WRONG_TYPES: readonly unknown[] = [{}, [], true, false, null, '1', 1, [null], { $gt: '' }, [[[[]]]], { length: 1e9 }, [{}], { id: 'x' }];

export const HOSTILE_KEYS: readonly string[] = [
  '__proto__', 'constructor', 'prototype', 'a\u0000b', '\u0000', '\ud800', '', 'custom.cf_nope', 'custom.', 'custom.\u0000', 'custom',
  "x'; DROP TABLE leads; --", 'id', 'organization_id', 'date_created', 'created_by', 'x'.repeat(10_000), 'toString', 'hasOwnProperty',
];

/** An object whose own key may be `__proto__` (a plain assignment would set the prototype). */
export function withKey(object: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  return object;
}

export function manyKeys(n: number): RawJson {
  const parts: string[] = [];
  for (let i = 0; i < n; i++) parts.push(`"k${i}":${i}`);
  return new RawJson(`{${parts.join(',')}}`, `{${n} keys}`);
}

export function deepArray(n: number): RawJson {
  return new RawJson(`${'['.repeat(n)}${']'.repeat(n)}`, `[${n} deep]`);
}

export function deepObject(n: number): RawJson {
  return new RawJson(`${'{"a":'.repeat(n)}1${'}'.repeat(n)}`, `{"a": ${n} deep}`);
}

/**
 * `value` nested inside itself `n` times, through the key that holds a list when there is one
 * (`{"type":"and","queries":[…]}` becomes that 10,000 times over), so the body stays the shape the
 * endpoint reads and the depth reaches the code that walks it.
 */
export function deepen(value: unknown, n: number): RawJson {
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof RawJson)) {
    const record = value as Record<string, unknown>;
    const key = Object.keys(record).find((k) => Array.isArray(record[k])) ?? Object.keys(record)[0];
    if (key !== undefined) {
      const list = Array.isArray(record[key]);
      const rest: Record<string, unknown> = {};
      for (const k of Object.keys(record)) if (k !== key) withKey(rest, k, record[k]);
      // The siblings repeat at every level; big ones would only make the body too large to send.
      const head = toJson(rest).slice(0, -1);
      const open = `${head === '{' || head.length > 200 ? '{' : `${head},`}${JSON.stringify(key)}:${list ? '[' : ''}`;
      const close = `${list ? ']' : ''}}`;
      return new RawJson(open.repeat(n) + toJson(value) + close.repeat(n), `${short(value, 80)} nested ${n} deep via ${key}`);
    }
  }
  return new RawJson('['.repeat(n) + toJson(value ?? null) + ']'.repeat(n), `${short(value, 80)} in ${n} arrays`);
}

/** `items` repeated up to `n` (fewer when the copies would not fit the body budget). */
export function amplify(items: readonly unknown[], n: number): unknown[] {
  const seed = items.length > 0 ? items : ['x'];
  const size = Math.max(...seed.map((i) => toJson(i).length)) + 1;
  const count = Math.min(n, Math.floor((BODY_BUDGET * 0.8) / size));
  return Array.from({ length: count }, (_, i) => seed[i % seed.length]);
}

/** JSON.stringify that also writes RawJson and own `__proto__` keys. */
export function toJson(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : toJson(v))).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const parts: string[] = [];
    for (const key of Object.keys(value)) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) parts.push(`${JSON.stringify(key)}:${toJson(v)}`);
    }
    return `{${parts.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** A printable, bounded rendering: long strings and lists by size, invisible characters escaped. */
export function short(value: unknown, budget = 600): string {
  const walk = (v: unknown, depth: number): string => {
    if (v instanceof RawJson) return `<raw ${v.label}, ${v.text.length} chars>`;
    if (typeof v === 'string') {
      const shown = v.length > 60 ? `${v.slice(0, 40)}…(${v.length} chars)…${v.slice(-8)}` : v;
      return JSON.stringify(shown).replace(/[\ud800-\udfff]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
    }
    if (Array.isArray(v)) {
      if (depth > 6) return '[…]';
      if (v.length > 6) return `[${v.slice(0, 3).map((x) => walk(x, depth + 1)).join(',')}, …(${v.length} items)]`;
      return `[${v.map((x) => walk(x, depth + 1)).join(',')}]`;
    }
    if (v !== null && typeof v === 'object') {
      if (depth > 6) return '{…}';
      const keys = Object.keys(v);
      const shownKeys = keys.length > 12 ? keys.slice(0, 12) : keys;
      const body = shownKeys.map((k) => `${walk(k, depth + 1)}:${walk((v as Record<string, unknown>)[k], depth + 1)}`).join(',');
      return `{${body}${keys.length > 12 ? `, …(${keys.length} keys)` : ''}}`;
    }
    return String(JSON.stringify(v) ?? v);
  };
  const out = walk(value, 0);
  return out.length > budget ? `${out.slice(0, budget)}…` : out;
}

/** Any hostile JSON value (a replacement for a node of a well-formed body). */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 1, arbitrary: fc.constantFrom(...HUGE_STRINGS) },
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_NUMBERS) },
  { weight: 3, arbitrary: fc.constantFrom(...WRONG_TYPES) },
  { weight: 1, arbitrary: fc.constantFrom(0, 'x', null, {}, '\u0000').map((v) => Array.from({ length: MANY }, () => v)) },
  { weight: 1, arbitrary: fc.constantFrom(deepArray(DEPTH), deepObject(DEPTH), manyKeys(MANY)) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
);

/** Query string values, already percent-encoded (a lone surrogate cannot be, by encodeURIComponent). */
export const HOSTILE_QUERY_VALUES: readonly string[] = [
  '%00', 'a%00b', '%ED%A0%80', '%ED%BF%BF', '%FF', '%C0%80', '%', '%zz', '100000000000000000000', '1e20', '1e308', '-1', '9007199254740993',
  '0x10', '1.5', 'NaN', 'Infinity', 'abc', '', '%20', "%27%3B%20DROP%20TABLE%20leads%3B--", '%27%20OR%20%271%27%3D%271', '__proto__', 'constructor',
  '%7B%25%20include%20%22package.json%22%20%25%7D', '%7B%7B%20%27a%27%20%7C%20append%3A%20%27a%27%20%7D%7D', '.*%5B(', '(a%2B)%2B%24',
  '%5B%5D', '%7B%7D', 'null', 'true', '2026-02-30', '9999-99-99T99:99:99', 'x'.repeat(10_000), '_all,%00', 'id,__proto__,constructor',
];

/** encodeURIComponent, except that lone surrogates go out as their (invalid) 3-byte UTF-8 form. */
export function encodeQueryValue(value: string): string {
  let out = '';
  for (const ch of value) {
    const code = ch.charCodeAt(0);
    if (ch.length === 1 && code >= 0xd800 && code <= 0xdfff) {
      out += `%${(0xe0 | (code >> 12)).toString(16)}%${(0x80 | ((code >> 6) & 0x3f)).toString(16)}%${(0x80 | (code & 0x3f)).toString(16)}`.toUpperCase();
    } else out += encodeURIComponent(ch);
  }
  return out;
}
