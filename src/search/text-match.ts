/**
 * Text matching, shared by text conditions and the top-level `text` query. Case-insensitive.
 *
 * Words are maximal runs of letters, digits and `_`: PostgreSQL's regex word characters, which under
 * the embedded database's C.UTF-8 ctype include every Unicode letter, as `\p{L}` does here.
 * A value is split into its words; punctuation in the value only separates words, so no character
 * the user sends ever acts as a regex operator.
 * - `full_words`: every word of the value occurs as a whole word in the text (any order).
 * - `beginning_of_words`: every word of the value begins some word of the text.
 * - `phrase`: the words occur consecutively, in order, as whole words, separated in the text by
 *   one or more non-word characters.
 * - `exact_value`: the whole text equals the value, ignoring case.
 * A NULL text never matches. In SQL these become `~*` regular expressions with `\m`/`\M` word
 * boundaries (pg_trgm GIN indexes serve them) or `lower(x) = lower($v)`; the patterns are parameters.
 */
import type { TextMode } from './ast.ts';

const WORD = /[\p{L}\p{Nd}_]+/gu;

/** The words of `value`. */
export function textWords(value: string): string[] {
  return value.match(WORD) ?? [];
}

/** The words of `value` without repeats (matching ignores case, so `Acme acme` is one word). */
export function distinctWords(value: string): string[] {
  const seen = new Map<string, string>();
  for (const word of textWords(value)) {
    const key = word.toLowerCase();
    if (!seen.has(key)) seen.set(key, word);
  }
  return [...seen.values()];
}

function escapeRegex(word: string): string {
  // Words hold only letters, digits and `_`; escaping anyway keeps the pattern safe if WORD changes.
  return word.replace(/[\\^$.*+?()[\]{}|-]/g, '\\$&');
}

/**
 * The PostgreSQL regular expressions that must all match for `mode` (not `exact_value`).
 */
export function wordPatterns(mode: Exclude<TextMode, 'exact_value'>, value: string): string[] {
  // Order and repeats matter in a phrase only; elsewhere a repeated word would only repeat a test.
  const words = (mode === 'phrase' ? textWords(value) : distinctWords(value)).map(escapeRegex);
  switch (mode) {
    case 'full_words':
      return words.map((w) => `\\m${w}\\M`);
    case 'beginning_of_words':
      return words.map((w) => `\\m${w}`);
    case 'phrase':
      return [`\\m${words.join('\\W+')}\\M`];
  }
}
