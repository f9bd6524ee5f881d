/**
 * The plain-text part of an outgoing email (and `body_text` of its activity) from its HTML body:
 * block ends become line breaks, links keep their target, tags go, entities are decoded. Good enough
 * for a text alternative; not a layout engine.
 *
 * The body is hostile input: any API client writes templates of up to 1,000,000 characters, and
 * this runs once per message. So every pass is a left-to-right scan whose searches only move
 * forward, O(n) in all. The regexes they replace restarted a search to the end of the text at every
 * `<`, `<a `, `<script` or space: `<[^>]+>` on 100,000 `<` took 48 s, `[ \t]+\n` on 100,000 spaces
 * 43 s, the `<a\s[^>]*href…` pattern on `<a ` repeated 23 s. Each pass gives exactly what its
 * pattern gave; test/security/regex-linear.test.ts compares them on random input.
 */

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', '#39': "'" };

function decodeEntities(text: string): string {
  // Linear: after each `&` the pattern reads one run of letters and digits, and runs do not overlap.
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+\d*);/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? Number.parseInt(name.slice(2), 16) : Number.parseInt(name.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code < 0x110000 ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

/**
 * The first occurrence of something at or after a position, remembered: over non-decreasing
 * positions the text is searched once in all, where a fresh search per position is quadratic.
 */
class ForwardSearch {
  private from = 0;
  private at: number | undefined;
  constructor(private readonly find: (from: number) => number) {}

  next(from: number): number {
    if (this.at === undefined || from < this.from || (this.at !== -1 && this.at < from)) {
      this.at = this.find(from);
      this.from = from;
    }
    return this.at;
  }
}

/** Where `literal` (a global regex of a fixed string, case-insensitive as needed) next matches. */
function literalFrom(text: string, literal: RegExp): (from: number) => number {
  return (from) => {
    literal.lastIndex = from;
    return literal.exec(text)?.index ?? -1;
  };
}

const isSpace = (char: string | undefined) => char !== undefined && /\s/.test(char);

function skipSpaces(text: string, at: number): number {
  while (isSpace(text[at])) at++;
  return at;
}

/** What `.replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, '')` did. */
function dropScriptsAndStyles(html: string): string {
  const tagEnd = new ForwardSearch((from) => html.indexOf('>', from));
  const closing = {
    script: new ForwardSearch(literalFrom(html, /<\/script>/gi)),
    style: new ForwardSearch(literalFrom(html, /<\/style>/gi)),
  };
  const open = /<(script|style)/gi;
  let out = '';
  let copied = 0;
  for (let match = open.exec(html); match; match = open.exec(html)) {
    const name = match[1]!.toLowerCase() as keyof typeof closing;
    const gt = tagEnd.next(match.index + match[0].length);
    const close = gt === -1 ? -1 : closing[name].next(gt + 1);
    if (close === -1) continue;
    out += html.slice(copied, match.index);
    copied = close + name.length + 3;
    open.lastIndex = copied;
  }
  return out + html.slice(copied);
}

/**
 * What `.replace(/<a\s[^>]*href\s*=\s*["']([^"']+)["'][^>]*>([\s\S]*?)<\/a>/gi, …)` did: a link
 * becomes its label followed by its target in parentheses, or just the target when the label is
 * the target. That pattern used, in the tag starting at `<a`, the last `href` before the first `>`
 * for which the rest matched: a quoted value of at least one character (which may hold a `>`), then
 * a `>`, then, some time later, `</a>`.
 */
function inlineLinkTargets(html: string): string {
  // Every `href` for which the rest of the pattern matches, in text order, with its value and the
  // `>` that ends its tag. Each search starts after the previous one's, so this is one pass.
  let lastClose = -1;
  for (const close of html.matchAll(/<\/a>/gi)) lastClose = close.index;
  // One search per quote character: a search for either one rescans past every `"` up to the next `'`.
  const double = new ForwardSearch((from) => html.indexOf('"', from));
  const single = new ForwardSearch((from) => html.indexOf("'", from));
  const nextQuote = (from: number) => {
    const d = double.next(from);
    const s = single.next(from);
    return d === -1 ? s : s === -1 ? d : Math.min(d, s);
  };
  const gtAfterValue = new ForwardSearch((from) => html.indexOf('>', from));
  const hrefs: { at: number; value: string; tagEnd: number }[] = [];
  for (const href of html.matchAll(/href/gi)) {
    const equals = skipSpaces(html, href.index + 4);
    if (html[equals] !== '=') continue;
    const open = skipSpaces(html, equals + 1);
    if (html[open] !== '"' && html[open] !== "'") continue;
    const shut = nextQuote(open + 1);
    if (shut <= open + 1) continue;
    const tagEnd = gtAfterValue.next(shut + 1);
    if (tagEnd === -1 || lastClose <= tagEnd) continue;
    hrefs.push({ at: href.index, value: html.slice(open + 1, shut), tagEnd });
  }

  const firstGt = new ForwardSearch((from) => html.indexOf('>', from));
  const labelEnd = new ForwardSearch(literalFrom(html, /<\/a>/gi));
  const start = /<a\s/gi;
  let last = -1; // the last usable `href` that ends before the current tag's first `>`
  let out = '';
  let copied = 0;
  for (let match = start.exec(html); match; match = start.exec(html)) {
    const attributes = match.index + 3;
    const gt = firstGt.next(attributes);
    const limit = gt === -1 ? html.length : gt;
    while (last + 1 < hrefs.length && hrefs[last + 1]!.at + 4 <= limit) last++;
    const link = hrefs[last];
    if (link === undefined || link.at < attributes) continue;
    const close = labelEnd.next(link.tagEnd + 1);
    const label = html.slice(link.tagEnd + 1, close);
    out += html.slice(copied, match.index) + (stripTags(label).trim() === link.value ? link.value : `${label} (${link.value})`);
    copied = close + 4;
    start.lastIndex = copied;
  }
  return out + html.slice(copied);
}

/** What `.replace(/<[^>]+>/g, '')` did: `<`, at least one character, the next `>`. */
function stripTags(html: string): string {
  let out = '';
  let copied = 0;
  let lt = html.indexOf('<');
  while (lt !== -1) {
    const gt = html.indexOf('>', lt + 1);
    if (gt === -1) break;
    if (gt > lt + 1) {
      out += html.slice(copied, lt);
      copied = gt + 1;
    }
    lt = html.indexOf('<', Math.max(gt, lt + 1));
  }
  return out + html.slice(copied);
}

/** What `.replace(/[ \t]+\n/g, '\n')` did: spaces and tabs at the end of each line go. */
function trimLineEnds(text: string): string {
  let out = '';
  let copied = 0;
  let lineStart = 0;
  for (let newline = text.indexOf('\n'); newline !== -1; newline = text.indexOf('\n', lineStart)) {
    let end = newline;
    while (end > lineStart && (text[end - 1] === ' ' || text[end - 1] === '\t')) end--;
    if (end < newline) {
      out += text.slice(copied, end);
      copied = newline;
    }
    lineStart = newline + 1;
  }
  return out + text.slice(copied);
}

/** Converts an HTML fragment to readable plain text. */
export function htmlToText(html: string): string {
  // `<br …>` and closing block tags: after `<br` the pattern reads one run of spaces, and such runs
  // do not overlap; the closing tags are fixed strings. Both linear.
  const text = stripTags(
    inlineLinkTargets(dropScriptsAndStyles(html))
      .replace(/<br\s*\/?>/gi, '\n')
      .replace(/<\/(p|div|h[1-6]|li|tr|blockquote)>/gi, '\n'),
  );
  return trimLineEnds(decodeEntities(text))
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
