/**
 * The one place where every byte a client sends is checked before any route sees it: path
 * parameters, query strings and JSON bodies. PostgreSQL text cannot hold NUL, and a lone UTF-16
 * surrogate cannot be encoded (inside a jsonb parameter PostgreSQL refuses its `\ud800` escape), so
 * both are refused here with a 400 naming the field, instead of surfacing as a database error
 * halfway through a write. JSON nesting is bounded too: no Sluice object nests deeper than a search
 * query (32 levels of query nodes, a few JSON levels each), and a deeper document only costs memory
 * and stack further down.
 *
 * The walk is iterative (an explicit stack), so a hostile document cannot overflow the call stack
 * here either.
 */
import { fieldError } from '../errors.ts';

declare global {
  interface String {
    /** ES2024 (V8 11, Node 20); the ES2023 lib this project compiles against does not declare it. */
    isWellFormed(): boolean;
  }
}

/** Deepest JSON nesting accepted in a request body (objects and arrays). */
export const MAX_JSON_DEPTH = 128;

/**
 * Most values (objects, arrays and the items in them) a JSON body may hold. Parsing costs about a
 * microsecond per value on the event loop, so this keeps the parse of any body in the tens of
 * milliseconds, whatever BODY_LIMIT_BYTES allows for long strings (template bodies). Real bodies
 * hold a few thousand.
 */
export const MAX_JSON_VALUES = 100_000;

/**
 * Whether the JSON `text` holds more than `MAX_JSON_VALUES` values, counted by the separators and
 * openers outside strings. Checked before parsing, in one pass: strings are skipped with indexOf,
 * so a long string costs almost nothing.
 */
export function exceedsJsonValues(text: string): boolean {
  let count = 0;
  let i = 0;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (code === 0x22) {
      // Skip to the closing quote: one not preceded by an odd run of backslashes.
      let from = i + 1;
      for (;;) {
        const quote = text.indexOf('"', from);
        if (quote === -1) return false; // unterminated: JSON.parse will refuse it
        let backslashes = 0;
        while (quote - 1 - backslashes >= from && text.charCodeAt(quote - 1 - backslashes) === 0x5c) backslashes += 1;
        from = quote + 1;
        if (backslashes % 2 === 0) break;
      }
      i = from;
      continue;
    }
    if ((code === 0x2c || code === 0x7b || code === 0x5b) && ++count > MAX_JSON_VALUES) return true;
    i += 1;
  }
  return false;
}

/** Why `text` cannot be stored, or undefined when it is fine. */
export function textProblem(text: string): string | undefined {
  if (text.includes('\u0000')) return 'Must not contain NUL characters.';
  if (!text.isWellFormed()) return 'Must be valid Unicode text (it has an unpaired surrogate).';
  return undefined;
}

function join(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path === '' ? key : `${path}.${key}`;
}

/** What is wrong where: the first problem under `value` in document order, with its path. */
function locate(value: unknown, root: string): { path: string; message: string } | undefined {
  const stack: Array<{ value: unknown; path: string; depth: number }> = [{ value, path: root, depth: 0 }];
  while (stack.length > 0) {
    const { value: current, path, depth } = stack.pop()!;
    if (typeof current === 'string') {
      const problem = textProblem(current);
      if (problem) return { path: path || '__all__', message: problem };
      continue;
    }
    if (current === null || typeof current !== 'object') continue;
    if (depth >= MAX_JSON_DEPTH) {
      return { path: path || '__all__', message: `Nested too deeply: at most ${MAX_JSON_DEPTH} levels of objects and lists are accepted.` };
    }
    if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i -= 1) stack.push({ value: current[i], path: join(path, i), depth: depth + 1 });
      continue;
    }
    const entries = Object.entries(current);
    for (let i = entries.length - 1; i >= 0; i -= 1) {
      const [key, child] = entries[i]!;
      const problem = textProblem(key);
      // The key itself is unprintable: name its parent and say it is a key.
      if (problem) return { path: path || '__all__', message: `A key ${problem.charAt(0).toLowerCase()}${problem.slice(1)}` };
      stack.push({ value: child, path: join(path, key), depth: depth + 1 });
    }
  }
  return undefined;
}

/** Whether anything under `value` is refused; no paths are built (the common, clean case). */
function hasProblem(value: unknown): boolean {
  const values: unknown[] = [value];
  const depths: number[] = [0];
  while (values.length > 0) {
    const current = values.pop()!;
    const depth = depths.pop()!;
    if (depth >= MAX_JSON_DEPTH) return true;
    const children = Array.isArray(current) ? current : Object.values(current as object);
    if (!Array.isArray(current) && Object.keys(current as object).some((key) => textProblem(key) !== undefined)) return true;
    for (const child of children) {
      if (typeof child === 'string') {
        if (textProblem(child) !== undefined) return true;
      } else if (child !== null && typeof child === 'object') {
        values.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return false;
}

/**
 * Throws a 400 naming the first string (or object key) under `value` that holds NUL or a lone
 * surrogate, or the first place nested deeper than `MAX_JSON_DEPTH`. `root` prefixes the paths
 * (e.g. `_skip` for a query parameter); bodies use '' so paths read like Close's (`contacts[0].name`).
 * A clean document is checked without building any path; paths are built only to report a problem.
 */
export function assertCleanInput(value: unknown, root = ''): void {
  if (typeof value === 'string') {
    const problem = textProblem(value);
    if (problem) throw fieldError(root || '__all__', problem);
    return;
  }
  if (value === null || typeof value !== 'object' || !hasProblem(value)) return;
  const found = locate(value, root);
  if (found) throw fieldError(found.path, found.message);
}
