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

/**
 * Throws a 400 naming the first string (or object key) under `value` that holds NUL or a lone
 * surrogate, or the first place nested deeper than `MAX_JSON_DEPTH`. `root` prefixes the paths
 * (e.g. `_skip` for a query parameter); bodies use '' so paths read like Close's (`contacts[0].name`).
 */
export function assertCleanInput(value: unknown, root = ''): void {
  const stack: Array<{ value: unknown; path: string; depth: number }> = [{ value, path: root, depth: 0 }];
  while (stack.length > 0) {
    const { value: current, path, depth } = stack.pop()!;
    if (typeof current === 'string') {
      const problem = textProblem(current);
      if (problem) throw fieldError(path || '__all__', problem);
      continue;
    }
    if (current === null || typeof current !== 'object') continue;
    if (depth >= MAX_JSON_DEPTH) {
      throw fieldError(path || '__all__', `Nested too deeply: at most ${MAX_JSON_DEPTH} levels of objects and lists are accepted.`);
    }
    if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i -= 1) stack.push({ value: current[i], path: join(path, i), depth: depth + 1 });
      continue;
    }
    for (const [key, child] of Object.entries(current)) {
      const keyPath = join(path, key);
      const problem = textProblem(key);
      // The key itself is unprintable: name its parent and say it is a key.
      if (problem) throw fieldError(path || '__all__', `A key ${problem.charAt(0).toLowerCase()}${problem.slice(1)}`);
      stack.push({ value: child, path: keyPath, depth: depth + 1 });
    }
  }
}
