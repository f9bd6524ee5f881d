/**
 * The legacy search string as written, before any term is given a meaning: what `parse-syntax.ts`
 * builds and `translate.ts` reads. Every leaf keeps its `source` (the text it was read from) so a
 * refusal can quote it.
 */
import type { Comparison } from './tokenize.ts';

/** `:` or a comparison between a key and its value. */
export type Operator = ':' | Comparison;

export interface Value {
  readonly text: string;
  readonly quoted: boolean;
}

/** `*`: every object. */
export interface AllSyntax {
  readonly kind: 'all';
  readonly source: string;
}
/** A bare word or a "quoted phrase", searched for in the object's text. */
export interface WordsSyntax {
  readonly kind: 'words';
  readonly value: Value;
  readonly source: string;
}
/** `key:value` or `key > value` (fields, `has:`, `sort:`, `slice:`). */
export interface TermSyntax {
  readonly kind: 'term';
  readonly key: string;
  readonly op: Operator;
  readonly value: Value;
  readonly source: string;
}
/** `not X` or `-X`. */
export interface NotSyntax {
  readonly kind: 'not';
  readonly operand: Syntax;
  readonly source: string;
}
/** Terms side by side (or joined by `and`): all must match. */
export interface AndSyntax {
  readonly kind: 'and';
  readonly items: readonly Syntax[];
  readonly source: string;
}
/** Terms joined by `or`: any may match. */
export interface OrSyntax {
  readonly kind: 'or';
  readonly items: readonly Syntax[];
  readonly source: string;
}

/**
 * `name(…)`, the name written right before the parenthesis: a clause on related objects
 * (`contact(title:ceo)`), true when one of them matches the inner query.
 */
export interface RelatedSyntax {
  readonly kind: 'related';
  readonly name: string;
  readonly operand: Syntax;
  readonly source: string;
}

export type Syntax = AllSyntax | WordsSyntax | TermSyntax | NotSyntax | AndSyntax | OrSyntax | RelatedSyntax;
