/**
 * Close-style object IDs: a type prefix and 43 base62 characters (about 256 bits), e.g.
 * `lead_3fOzXXDkxi6qnuAt5qfP4Omv4HbzQc2dSJrEFExxxc5`.
 */
import { randomFillSync } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export type IdPrefix =
  | 'orga' | 'user' | 'apikey' | 'stat' | 'cf' | 'lead' | 'cont' | 'ev' | 'req' | 'save'
  | 'bulkemail' | 'bulkedit' | 'bulkdelete' | 'bulkseqsub' | 'expo'
  | 'tmpl' | 'emailacct' | 'acti' | 'seq' | 'seqstep' | 'sub';

// Random bytes are drawn from the CSPRNG a pool at a time: one randomBytes call per id (a buffer and
// a call into OpenSSL each) was about 2% of a GET /lead/{id}/'s time, which names its request.
const pool = Buffer.alloc(4096);
let used = pool.length;

function randomByte(): number {
  if (used === pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  return pool[used++]!;
}

/** Returns `length` random base62 characters (rejection sampling keeps them uniform). */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    const byte = randomByte();
    if (byte < 248) out += ALPHABET[byte % 62];
  }
  return out;
}

/** A new Close-style ID with the given prefix. */
export function newId(prefix: IdPrefix): string {
  return `${prefix}_${randomBase62(43)}`;
}
