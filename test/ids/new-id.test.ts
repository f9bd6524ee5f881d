/**
 * Ids draw their randomness from a pooled CSPRNG buffer (src/ids.ts): across many refills of the
 * pool they keep their shape, never repeat, and use the 62 characters evenly.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newId, randomBase62 } from '../../src/ids.ts';

test('ids keep their shape and never repeat across refills of the random pool', () => {
  const ids = Array.from({ length: 5000 }, () => newId('lead'));
  for (const id of ids) assert.match(id, /^lead_[0-9A-Za-z]{43}$/);
  assert.equal(new Set(ids).size, ids.length);
});

test('base62 characters are drawn evenly', () => {
  const text = randomBase62(62 * 2000);
  const counts = new Map<string, number>();
  for (const c of text) counts.set(c, (counts.get(c) ?? 0) + 1);
  assert.equal(counts.size, 62);
  // Expected 2000 each; a standard deviation is about 44, so 300 is far outside chance.
  for (const [c, n] of counts) assert.ok(Math.abs(n - 2000) < 300, `${c}: ${n}`);
});
