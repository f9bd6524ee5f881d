/**
 * Close's legacy search string → tokens, in one left-to-right pass with no regular expression, so
 * its cost is linear in the input whatever a client sends.
 *
 * - Whitespace separates tokens; `(` `)` `:` and the comparisons `>` `>=` `<` `<=` `=` are tokens of
 *   their own.
 * - Text is a run of other characters, or a `"quoted string"` (`\"` and `\\` inside it stand for `"`
 *   and `\`). Segments written without a gap between them are ONE text token: `custom."Lead Source"`
 *   reads as `custom.Lead Source`, the form Close's docs give for field names with spaces.
 * - Right after `:` or a comparison comes a value, in which `:` `<` `>` `=` and `-` are plain
 *   characters (`url:http://a.example`, `sort:-created`, `contacts > -1`).
 * - A `-` that starts a term (at the start, after whitespace or `(`) and is followed by something
 *   is negation: `-has:email`, `-(a b)`.
 */
import { legacyError } from './legacy-error.ts';

export type Comparison = '>' | '>=' | '<' | '<=' | '=';

interface Span {
  /** Offsets of the token in the query string (end exclusive). */
  readonly start: number;
  readonly end: number;
}

export interface TextToken extends Span {
  readonly kind: 'text';
  readonly text: string;
  /** Some part was quoted (a quoted `or` is a word, not the operator; a quoted value is a phrase). */
  readonly quoted: boolean;
}
export interface OpenToken extends Span {
  readonly kind: 'open';
}
export interface CloseToken extends Span {
  readonly kind: 'close';
}
export interface ColonToken extends Span {
  readonly kind: 'colon';
}
export interface CompareToken extends Span {
  readonly kind: 'compare';
  readonly op: Comparison;
}
export interface NegateToken extends Span {
  readonly kind: 'negate';
}

export type Token = TextToken | OpenToken | CloseToken | ColonToken | CompareToken | NegateToken;

function isSpace(ch: string): boolean {
  // The ASCII and Unicode separators a browser or a script may put in a query string.
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === '\f' || ch === '\v' || ch === '\u00a0' || ch === '\u2028' || ch === '\u2029' || ch === '\u3000';
}

const STRUCTURE = new Set(['(', ')', '"']);
const TERM_MARKS = new Set([':', '<', '>', '=']);

/** Splits `input` into tokens; an unclosed quote is a 400 naming where it starts. */
export function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  // A value follows `:` or a comparison: there `:`, `<`, `>`, `=` and `-` are ordinary characters.
  let valueMode = false;
  while (i < input.length) {
    const ch = input[i]!;
    if (isSpace(ch)) {
      i += 1;
      continue;
    }
    if (ch === '(' || ch === ')') {
      tokens.push({ kind: ch === '(' ? 'open' : 'close', start: i, end: i + 1 });
      valueMode = false;
      i += 1;
      continue;
    }
    if (!valueMode && ch === ':') {
      tokens.push({ kind: 'colon', start: i, end: i + 1 });
      valueMode = true;
      i += 1;
      continue;
    }
    if (!valueMode && (ch === '<' || ch === '>' || ch === '=')) {
      const wide = (ch === '<' || ch === '>') && input[i + 1] === '=';
      const op = (wide ? `${ch}=` : ch) as Comparison;
      tokens.push({ kind: 'compare', op, start: i, end: i + (wide ? 2 : 1) });
      valueMode = true;
      i += wide ? 2 : 1;
      continue;
    }
    const prev = i === 0 ? ' ' : input[i - 1]!;
    const next = input[i + 1];
    if (!valueMode && ch === '-' && (isSpace(prev) || prev === '(') && next !== undefined && !isSpace(next) && next !== ')') {
      tokens.push({ kind: 'negate', start: i, end: i + 1 });
      i += 1;
      continue;
    }
    const text = readText(input, i, valueMode);
    tokens.push(text);
    valueMode = false;
    i = text.end;
  }
  return tokens;
}

/** Reads adjacent bare and quoted segments from `start` into one text token. */
function readText(input: string, start: number, valueMode: boolean): TextToken {
  let i = start;
  let text = '';
  let quoted = false;
  while (i < input.length) {
    const ch = input[i]!;
    if (ch === '"') {
      const closing = readQuoted(input, i);
      text += closing.text;
      quoted = true;
      i = closing.end;
      continue;
    }
    if (isSpace(ch) || (STRUCTURE.has(ch) && ch !== '"') || (!valueMode && TERM_MARKS.has(ch))) break;
    text += ch;
    i += 1;
  }
  return { kind: 'text', text, quoted, start, end: i };
}

/** The content of the quoted string opening at `open`, and the offset after its closing quote. */
function readQuoted(input: string, open: number): { text: string; end: number } {
  let text = '';
  let i = open + 1;
  while (i < input.length) {
    const ch = input[i]!;
    if (ch === '"') return { text, end: i + 1 };
    if (ch === '\\' && (input[i + 1] === '"' || input[i + 1] === '\\')) {
      text += input[i + 1];
      i += 2;
      continue;
    }
    text += ch;
    i += 1;
  }
  throw legacyError(input.slice(open), 'This quote is never closed.');
}
