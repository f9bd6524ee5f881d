/**
 * Tokens → syntax tree, by recursive descent over this grammar (keywords in any case):
 *
 *   query   := or
 *   or      := and ( "or" and )*
 *   and     := unary ( ["and"] unary )*          terms side by side are joined by "and"
 *   unary   := ( "not" | "-" ) unary | primary
 *   primary := "(" or ")" | "*" | TEXT "(" or ")" | TEXT [ ( ":" | COMPARISON ) TEXT ]
 *
 * `TEXT "("` with nothing between them is a clause on related objects (`contact(title:ceo)`);
 * translate.ts decides which names it knows.
 *
 * Recursion is bounded by LIMITS.depth (parentheses and negations count), and the number of terms
 * by LIMITS.nodes, both checked before going further, so no input can exhaust the stack or make the
 * translation that follows expensive. An empty query (only whitespace) is `*`.
 */
import { LIMITS } from '../json-input.ts';
import { legacyError } from './legacy-error.ts';
import type { Operator, Syntax } from './syntax.ts';
import { tokenize, type Token } from './tokenize.ts';

const KEYWORDS = ['and', 'or', 'not'] as const;
type Keyword = (typeof KEYWORDS)[number];

class Parser {
  private position = 0;
  private terms = 0;

  constructor(
    private readonly input: string,
    private readonly tokens: readonly Token[],
  ) {}

  parse(): Syntax {
    if (this.tokens.length === 0) return { kind: 'all', source: '' };
    const root = this.or(0);
    const extra = this.peek();
    if (extra) throw legacyError(this.rest(extra), extra.kind === 'close' ? 'This ")" closes no "(".' : 'Unexpected text here.');
    return root;
  }

  private peek(): Token | undefined {
    return this.tokens[this.position];
  }

  private keyword(token: Token | undefined): Keyword | undefined {
    if (token?.kind !== 'text' || token.quoted) return undefined;
    const word = token.text.toLowerCase();
    return (KEYWORDS as readonly string[]).includes(word) ? (word as Keyword) : undefined;
  }

  private source(from: Token, to: Token): string {
    return this.input.slice(from.start, to.end);
  }

  /** The query from `token` on, for a message about something that starts there. */
  private rest(token: Token): string {
    return this.input.slice(token.start);
  }

  private last(): Token {
    return this.tokens[this.position - 1]!;
  }

  private or(depth: number): Syntax {
    const first = this.peek()!;
    const items = [this.and(depth)];
    while (this.keyword(this.peek()) === 'or') {
      const or = this.peek()!;
      this.position += 1;
      if (this.atEnd()) throw legacyError(this.source(first, or), 'Expected a term after "or".');
      items.push(this.and(depth));
    }
    return items.length === 1 ? items[0]! : { kind: 'or', items, source: this.source(first, this.last()) };
  }

  private atEnd(): boolean {
    const next = this.peek();
    return next === undefined || next.kind === 'close';
  }

  private and(depth: number): Syntax {
    const first = this.peek()!;
    const items = [this.unary(depth)];
    for (;;) {
      const next = this.peek();
      if (next === undefined || next.kind === 'close' || this.keyword(next) === 'or') break;
      if (this.keyword(next) === 'and') {
        this.position += 1;
        if (this.atEnd() || this.keyword(this.peek()) === 'or') throw legacyError(this.source(first, next), 'Expected a term after "and".');
      }
      items.push(this.unary(depth));
    }
    return items.length === 1 ? items[0]! : { kind: 'and', items, source: this.source(first, this.last()) };
  }

  private deeper(depth: number, at: Token): number {
    if (depth + 1 > LIMITS.depth) throw legacyError(this.rest(at), `Parentheses and negations may nest at most ${LIMITS.depth} levels deep.`);
    return depth + 1;
  }

  private unary(depth: number): Syntax {
    const token = this.peek()!;
    if (token.kind === 'negate' || this.keyword(token) === 'not') {
      const inner = this.deeper(depth, token);
      this.position += 1;
      if (this.atEnd()) throw legacyError(this.source(token, token), 'Expected a term to negate.');
      const operand = this.unary(inner);
      return { kind: 'not', operand, source: this.source(token, this.last()) };
    }
    return this.primary(depth);
  }

  private primary(depth: number): Syntax {
    const token = this.peek()!;
    switch (token.kind) {
      case 'open':
        return this.group(token, depth);
      case 'text':
        return this.term(token, depth);
      case 'close':
        throw legacyError(this.rest(token), 'This ")" closes no "(".');
      case 'colon':
      case 'compare':
        throw legacyError(this.rest(token), `"${this.input.slice(token.start, token.end)}" needs a field name before it.`);
      case 'negate':
        // unary() consumes negations; a negate token cannot reach here.
        throw legacyError(this.rest(token), 'Unexpected "-".');
    }
  }

  /** `( or )` from the "(" at `open`; `from` is where its source starts (a clause's name). */
  private group(open: Token, depth: number, from: Token = open): Syntax {
    const inner = this.deeper(depth, open);
    this.position += 1;
    if (this.atEnd()) {
      throw legacyError(this.rest(from), this.peek() ? 'Empty parentheses.' : 'This "(" is never closed.');
    }
    const group = this.or(inner);
    if (this.peek()?.kind !== 'close') throw legacyError(this.rest(from), 'This "(" is never closed.');
    this.position += 1;
    return group;
  }

  private term(token: Token & { kind: 'text' }, depth: number): Syntax {
    this.terms += 1;
    if (this.terms > LIMITS.nodes) throw legacyError(this.rest(token), `A query may have at most ${LIMITS.nodes} terms.`);
    this.position += 1;
    const keyword = this.keyword(token);
    if (keyword) throw legacyError(token.text, `"${keyword}" needs a term on each side; write "${keyword}" in quotes to search for the word.`);
    const next = this.peek();
    if (next?.kind === 'open' && next.start === token.end) {
      // Close's clauses on related objects (`contact(title:ceo)`, `call(date > …)`): kept apart from
      // the word and the group they would otherwise read as, which would select something else.
      const operand = this.group(next, depth, token);
      return { kind: 'related', name: token.text, operand, source: this.source(token, this.last()) };
    }
    if (next?.kind !== 'colon' && next?.kind !== 'compare') {
      if (token.text === '*' && !token.quoted) return { kind: 'all', source: '*' };
      return { kind: 'words', value: { text: token.text, quoted: token.quoted }, source: this.source(token, token) };
    }
    this.position += 1;
    const op: Operator = next.kind === 'colon' ? ':' : next.op;
    const value = this.peek();
    if (value?.kind !== 'text') throw legacyError(this.source(token, next), `"${token.text}${op}" needs a value after it.`);
    this.position += 1;
    const after = this.peek();
    if (after?.kind === 'open' && after.start === value.end) {
      throw legacyError(this.rest(token), 'A "(" right after a value: quote the value if the parenthesis belongs to it.');
    }
    return { kind: 'term', key: token.text, op, value: { text: value.text, quoted: value.quoted }, source: this.source(token, value) };
  }
}

/** Parses a legacy search string into its syntax tree; anything malformed is a 400 quoting where. */
export function parseSyntax(input: string): Syntax {
  return new Parser(input, tokenize(input)).parse();
}
