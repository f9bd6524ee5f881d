/**
 * A small seeded PRNG (sfc32: 128-bit state, passes PractRand, ~1 ns a draw) and the helpers the
 * generator draws with. `Math.random` cannot be seeded, and seeding is the point: the same `--seed`
 * must give the same leads, so each lead gets its own generator derived from (seed, lead index),
 * which also makes a lead's content independent of how the load is chunked.
 */
import { createHash } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** splitmix32's finaliser: spreads nearby integers (lead 7 and lead 8) over unrelated states. */
function mix32(value: number): number {
  let z = (value + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** Four 32-bit words from SHA-256 of `parts`: turns a seed text into a generator key. */
export function keyFrom(...parts: readonly (string | number)[]): Uint32Array {
  const digest = createHash('sha256').update(parts.join('\u0000')).digest();
  return new Uint32Array(digest.buffer.slice(digest.byteOffset, digest.byteOffset + 16));
}

export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** A generator for stream `index` under `key` (from `keyFrom`). */
  constructor(key: Uint32Array, index = 0) {
    this.a = (key[0]! ^ mix32(index)) >>> 0;
    this.b = (key[1]! ^ mix32(index ^ 0x5bd1e995)) >>> 0;
    this.c = key[2]! >>> 0;
    this.d = (key[3]! ^ index) >>> 0;
    // sfc32 needs a few rounds before states that differ in few bits stop looking alike.
    for (let i = 0; i < 12; i++) this.next32();
  }

  /** A uniform 32-bit unsigned integer. */
  next32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A uniform float in [0, 1). */
  float(): number {
    return this.next32() / 4294967296;
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** A uniform integer in [min, max]. */
  between(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** An index drawn by weight (weights need not sum to 1). */
  weighted(weights: readonly number[]): number {
    let total = 0;
    for (const w of weights) total += w;
    let r = this.float() * total;
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i]!;
      if (r < 0) return i;
    }
    return weights.length - 1;
  }

  /** `count` distinct elements of `items`, in the list's order. */
  sample<T>(items: readonly T[], count: number): T[] {
    const chosen = new Set<number>();
    while (chosen.size < Math.min(count, items.length)) chosen.add(this.int(items.length));
    return [...chosen].sort((x, y) => x - y).map((i) => items[i]!);
  }

  /** `length` base62 characters, for Close-style ids. */
  base62(length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += BASE62[this.int(62)];
    return out;
  }
}
