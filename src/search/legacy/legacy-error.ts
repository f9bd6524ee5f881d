/**
 * The one refusal of a legacy search string: a 400 on `query` whose message quotes the term it is
 * about, so the caller can see which part of the string Sluice did not accept.
 */
import { fieldError, type SluiceError } from '../../errors.ts';

/** Longest quotation of a term in a message: a 10,000-character term is not echoed back whole. */
const QUOTE_MAX = 80;

/** A 400 on `query`: `In "has:calls": …`. */
export function legacyError(term: string, message: string): SluiceError {
  let cut = QUOTE_MAX;
  // Never split a surrogate pair: half of one is not text.
  if (term.length > cut && /[\uD800-\uDBFF]/.test(term[cut - 1]!)) cut -= 1;
  const quoted = term.length > QUOTE_MAX ? `${term.slice(0, cut)}…` : term;
  return fieldError('query', `In "${quoted}": ${message}`);
}
