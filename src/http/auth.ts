/**
 * HTTP Basic with the API key as the username and an empty password (`curl -u KEY:`), as Close
 * does. `Authorization: Bearer KEY` is accepted too, so OAuth-style clients can be pointed here.
 * The key is looked up by the statement that also counts the request (rate-limit.ts).
 */

/** Extracts the API key from an Authorization header. */
export function keyFromHeader(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const [scheme, value] = header.trim().split(/\s+/, 2);
  if (!scheme || !value) return undefined;
  if (scheme.toLowerCase() === 'bearer') return value;
  if (scheme.toLowerCase() !== 'basic') return undefined;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const key = colon === -1 ? decoded : decoded.slice(0, colon);
  return key === '' ? undefined : key;
}
