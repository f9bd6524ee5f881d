/**
 * A bulk email's `sender` string: `"Name" <address>`, `Name <address>` or a bare address.
 *
 * Any API client sends it, so it is read with index lookups rather than the pattern this replaces,
 * /^\s*"?([^"<]*?)"?\s*<([^>]+)>\s*$/: on a run of spaces with no `<` its two `\s*` and the lazy
 * name share the run in every possible way, which is cubic (8,000 spaces took over three minutes).
 * The result is the pattern's for every input (test/security/regex-linear.test.ts compares them).
 */

export interface Sender {
  readonly name: string | null;
  readonly email: string;
}

/** Parses `"Name" <a@b>` or `a@b`. */
export function parseSender(raw: string): Sender {
  const text = raw.trim();
  // The name holds no `<`, so the address starts at the first one and runs to the closing `>`.
  const open = text.indexOf('<');
  if (open !== -1 && text.endsWith('>')) {
    const address = text.slice(open + 1, -1);
    // Optional quotes around the name; whitespace may follow the closing one.
    let name = text.slice(0, open).trimEnd();
    if (name.startsWith('"')) name = name.slice(1);
    if (name.endsWith('"')) name = name.slice(0, -1);
    if (address !== '' && !address.includes('>') && !name.includes('"')) return { name: name.trim() || null, email: address.trim() };
  }
  return { name: null, email: text };
}
