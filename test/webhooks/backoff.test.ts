import assert from 'node:assert/strict';
import { test } from 'node:test';
import { retryDelayMs } from '../../src/webhooks/backoff.ts';

const settings = { retryBaseMs: 10_000, retryMaxMs: 1_200_000 };

test('retry delays double from the base with jitter in the upper half of each step, capped at 20 minutes', () => {
  for (let attempt = 1; attempt <= 12; attempt++) {
    const step = Math.min(1_200_000, 10_000 * 2 ** (attempt - 1));
    assert.equal(retryDelayMs(attempt, settings, () => 0), step / 2, `attempt ${attempt}, lowest`);
    assert.equal(retryDelayMs(attempt, settings, () => 1), step, `attempt ${attempt}, highest`);
    const random = retryDelayMs(attempt, settings);
    assert.ok(random >= step / 2 && random <= step);
  }
  assert.equal(retryDelayMs(10_000, settings, () => 1), 1_200_000, 'no overflow however many attempts');
  // Within 72 h at the defaults: about 290 attempts (8 to reach the cap, then every 10-20 min).
  let elapsed = 0;
  let attempts = 0;
  while (elapsed < 72 * 3_600_000) elapsed += retryDelayMs(++attempts, settings, () => 0.5);
  assert.ok(attempts > 250 && attempts < 320, String(attempts));
});
