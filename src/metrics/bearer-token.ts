/**
 * The check of METRICS_TOKEN. Both sides are hashed first so that the comparison is constant-time
 * whatever the lengths (timingSafeEqual needs equal lengths, and comparing lengths first would
 * leak the token's).
 */
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Whether `header` (an Authorization header) is `Bearer <token>`. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const value = header?.trim() ?? '';
  const scheme = value.slice(0, 7).toLowerCase() === 'bearer ';
  const sent = scheme ? value.slice(7).trim() : '';
  // Always compare, even when nothing was sent, so that a refusal takes the same time.
  const same = timingSafeEqual(digest(sent), digest(token));
  return scheme && sent !== '' && same;
}
