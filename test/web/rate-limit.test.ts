/**
 * A 429 is waited out, not shown: with a per-key budget of one search a second, the leads page's
 * requests are refused in bursts, and the page still ends up with its count, rows, and no error.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { signIn, startConsole, until, type ConsoleServer } from './helpers/console.ts';

describe('console: rate limits', () => {
  let s: ConsoleServer;
  before(async () => {
    s = await startConsole({ env: { RATE_LIMIT_PER_KEY: '2', RATE_LIMIT_SEARCH_PER_KEY: '1' } });
  });

  test('requests refused with 429 are retried after Retry-After; the user sees no error', async () => {
    const { context, page } = await s.newPage();
    let refused = 0;
    page.on('response', (r) => {
      if (r.status() === 429) refused++;
    });
    await signIn(page, s.t.orgA.api_key);
    // Typing in the filter fires searches faster than one a second.
    await page.getByRole('button', { name: 'Add condition' }).click();
    const text = page.getByTestId('condition').first().getByLabel('Text');
    for (const value of ['a', 'ab', 'abc', 'abcd', '']) {
      await text.fill(value);
      await page.getByText(/lead(s)? match|Counting/).first().waitFor();
    }
    await until(async () => (await page.getByTestId('lead-count').textContent()) === '0 leads match', 'the count after the limits');
    assert.ok(refused > 0, 'the server did refuse some requests');
    assert.equal(await page.locator('.error-box').count(), 0);
    await context.close();
  });
});
