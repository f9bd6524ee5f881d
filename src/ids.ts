/**
 * Close-style object IDs: a type prefix and 43 base62 characters (about 256 bits), e.g.
 * `lead_3fOzXXDkxi6qnuAt5qfP4Omv4HbzQc2dSJrEFExxxc5`.
 */
import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export type IdPrefix =
  | 'orga' | 'user' | 'apikey' | 'stat' | 'cf' | 'lead' | 'cont' | 'ev' | 'req' | 'save'
  | 'bulkemail' | 'bulkedit' | 'bulkdelete' | 'bulkseqsub' | 'expo'
  | 'tmpl' | 'emailacct' | 'acti' | 'seq' | 'seqstep' | 'sub';

/** Returns `length` random base62 characters (rejection sampling keeps them uniform). */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += ALPHABET[byte % 62];
    }
  }
  return out;
}

/** A new Close-style ID with the given prefix. */
export function newId(prefix: IdPrefix): string {
  return `${prefix}_${randomBase62(43)}`;
}
