import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { screenshotBoth, seriousViolations, signIn, startConsole, WIDTHS, type ConsoleServer } from './helpers/console.ts';

describe('console: sign in and out', () => {
  let s: ConsoleServer;
  before(async () => {
    s = await startConsole();
  });

  test('the console page is served at / with a strict CSP; /api/v1/ is unchanged', async () => {
    const page = await fetch(`${s.baseUrl}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    const csp = page.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.match(csp, /frame-ancestors 'none'/);
    const html = await page.text();
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    assert.ok(asset, html);
    assert.equal((await fetch(`${s.baseUrl}${asset}`)).status, 200);
    // No catch-all: an unknown API path still authenticates first.
    assert.equal((await fetch(`${s.baseUrl}/api/v1/no-such-thing/`)).status, 401);
    assert.equal((await fetch(`${s.baseUrl}/api/v1/index.html`)).status, 401);
  });

  test('a wrong key is refused; the right one shows the organization and user; sign out forgets the key', async () => {
    for (const width of [WIDTHS.desktop, WIDTHS.phone]) {
      const { context, page } = await s.newPage(width);
      await page.goto('/');
      await page.getByRole('heading', { name: 'Sluice console' }).waitFor();
      if (width === WIDTHS.desktop) {
        assert.deepEqual(await seriousViolations(page), []);
        await screenshotBoth(page, 'sign-in');
      }
      await page.getByLabel('API key').fill('not-a-key');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByText('This API key was not accepted.').waitFor();
      await signIn(page, s.t.orgA.api_key);
      const who = page.getByTestId('who');
      await who.getByText('alice@a.example').waitFor();
      // Kept for the tab only: sessionStorage, not localStorage, not the URL.
      assert.equal(await page.evaluate(() => (globalThis as any).sessionStorage.getItem('sluice.apiKey')), s.t.orgA.api_key);
      assert.equal(await page.evaluate(() => (globalThis as any).localStorage.length), 0);
      assert.ok(!page.url().includes(s.t.orgA.api_key));
      if (width === WIDTHS.desktop) assert.deepEqual(await seriousViolations(page), []);
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByLabel('API key').waitFor();
      assert.equal(await page.evaluate(() => (globalThis as any).sessionStorage.getItem('sluice.apiKey')), null);
      await context.close();
    }
  });
});
