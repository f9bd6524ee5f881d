/**
 * HTTP Basic with the API key as the username and an empty password (`curl -u KEY:`), as Close
 * does. `Authorization: Bearer KEY` is accepted too, so OAuth-style clients can be pointed here.
 */
import type { FastifyRequest } from 'fastify';
import { authenticate, type Principal } from '../auth/api-keys.ts';
import type { Db } from '../db/database.ts';
import { SluiceError } from '../errors.ts';

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

/** Resolves the caller of `request`, or throws a 401. */
export async function requirePrincipal(db: Db, request: FastifyRequest): Promise<Principal> {
  const key = keyFromHeader(request.headers.authorization);
  const principal = key === undefined ? undefined : await authenticate(db, key);
  if (!principal) throw new SluiceError('unauthorized', 'Unauthorized');
  return principal;
}
