/**
 * The top-level `text` query on leads in `full_words` and `phrase` mode, through the per-lead word
 * sets of `lead_words` (0008_search_words.sql).
 *
 * `lead_words.words` holds every word of a lead's text (name, description, url, its contacts' names,
 * titles, emails and phones), split on PostgreSQL's regex word characters and keyed by
 * `search_word_keys`. Every word of a true match is a whole word of that text (`\mword\M`, and in a
 * phrase each word is bounded by `\m`, `\W` or `\M`), so `words @> keys(query words)` never drops a
 * true match; the GIN index answers it with about the matching leads only, however common each word
 * is on its own. The regexes then recheck each candidate exactly, field by field as before, through
 * the contact (the indexed path) for emails and phones.
 */
import type { CompileContext } from './compile-condition.ts';
import { textWords, wordPatterns } from './text-match.ts';

/** Whether `lead_words` can serve this `text` query (it has at least one word to look up). */
export function leadWordsApply(mode: string, value: string): mode is 'full_words' | 'phrase' {
  return (mode === 'full_words' || mode === 'phrase') && textWords(value).length > 0;
}

/** The lead `alias` matches `pattern` in one of its text fields or its contacts' (a regex parameter). */
function leadTextMatches(alias: string, pattern: string, ctx: CompileContext): string {
  const { b } = ctx;
  const c = b.alias('c');
  const e = b.alias('e');
  const f = b.alias('f');
  const email = `EXISTS (SELECT 1 FROM contact_emails ${e} WHERE ${e}.organization_id = ${b.org} AND ${e}.contact_id = ${c}.id AND ${e}.email ~* ${pattern})`;
  const phone = `EXISTS (SELECT 1 FROM contact_phones ${f} WHERE ${f}.organization_id = ${b.org} AND ${f}.contact_id = ${c}.id AND ${f}.phone ~* ${pattern})`;
  const contact = `EXISTS (SELECT 1 FROM contacts ${c} WHERE ${c}.organization_id = ${b.org} AND ${c}.lead_id = ${alias}.id AND (${c}.name ~* ${pattern} OR ${c}.title ~* ${pattern} OR ${email} OR ${phone}))`;
  // COALESCE: a NULL field must read as false, or NOT around the query would drop the lead.
  return `(COALESCE(${alias}.name ~* ${pattern} OR ${alias}.description ~* ${pattern} OR ${alias}.url ~* ${pattern}, FALSE) OR ${contact})`;
}

/** `text` (`full_words` or `phrase`, with words) on the lead `alias`: word-set prefilter AND regex recheck. */
export function compileLeadWordsText(mode: 'full_words' | 'phrase', value: string, alias: string, ctx: CompileContext): string {
  const { b } = ctx;
  const w = b.alias('w');
  // The words joined by a space: PostgreSQL splits each JS word into its own word characters, so the
  // keys are right even where the two disagree on what a word character is.
  const keys = b.param(textWords(value).join(' '));
  const prefilter = `${alias}.id IN (SELECT ${w}.lead_id FROM lead_words ${w} WHERE ${w}.organization_id = ${b.org} AND ${w}.words @> search_word_keys(${keys}))`;
  const rechecks = wordPatterns(mode, value).map((pattern) => leadTextMatches(alias, b.param(pattern), ctx));
  return `(${[prefilter, ...rechecks].join(' AND ')})`;
}
