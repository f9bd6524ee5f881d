/**
 * Unsubscribe tokens: `base64url(org \n email) . base64url(HMAC-SHA256)`, so the public page needs no
 * lookup table and no API key, and a token cannot be forged for another address or organization.
 * Tokens do not expire: an unsubscribe link in a years-old email must still work (CAN-SPAM).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface UnsubscribeTarget {
  readonly organizationId: string;
  readonly email: string;
}

function mac(secret: string, payload: string): Buffer {
  return createHmac('sha256', secret).update(`unsubscribe\n${payload}`).digest();
}

/** Signs (organization, address) into a URL-safe token; the address is lower-cased. */
export function signUnsubscribeToken(secret: string, organizationId: string, email: string): string {
  const payload = `${organizationId}\n${email.trim().toLowerCase()}`;
  return `${Buffer.from(payload).toString('base64url')}.${mac(secret, payload).toString('base64url')}`;
}

/**
 * The (organization, address) a token names, or undefined when it is malformed or forged. Several
 * secrets: the token is valid when any of them signed it (keys of links already sent; secret.ts).
 */
export function verifyUnsubscribeToken(secrets: string | readonly string[], token: string): UnsubscribeTarget | undefined {
  const dot = token.indexOf('.');
  if (dot <= 0) return undefined;
  const payload = Buffer.from(token.slice(0, dot), 'base64url').toString('utf8');
  const given = Buffer.from(token.slice(dot + 1), 'base64url');
  const signedBy = (secret: string) => {
    const expected = mac(secret, payload);
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
  if (!(typeof secrets === 'string' ? [secrets] : secrets).some(signedBy)) return undefined;
  const newline = payload.indexOf('\n');
  if (newline <= 0) return undefined;
  return { organizationId: payload.slice(0, newline), email: payload.slice(newline + 1) };
}

/** The public unsubscribe page for an address: `PUBLIC_URL/unsubscribe/{token}`. */
export function unsubscribeUrl(publicUrl: string, secret: string, organizationId: string, email: string): string {
  let base = publicUrl;
  while (base.endsWith('/')) base = base.slice(0, -1);
  return `${base}/unsubscribe/${signUnsubscribeToken(secret, organizationId, email)}`;
}
