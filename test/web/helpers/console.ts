/**
 * A real Sluice HTTP server on a free port (console at `/`, API at `/api/v1/`) over the test file's
 * own database, with the bulk-action worker (and, when asked, email delivery to an in-process SMTP
 * sink) running, and Debian's Chromium driven by playwright-core.
 *
 * Browser tests wait for conditions (Playwright's auto-waiting locators and `expect.poll`-style
 * loops below), never for fixed times, so a loaded two-core machine only makes them slower.
 */
import { AxeBuilder } from '@axe-core/playwright';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { CONSOLE_DIR } from '../../../src/http/console.ts';
import { createTestApp, type TestApp } from '../../helpers/app.ts';
import { onTestFileEnd } from '../../helpers/db.ts';
import { startWorker as startBulkWorker } from '../../bulk-actions/fixtures.ts';
import { startWorker as startEmailWorker } from '../../email/helpers/worker.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Screenshots (test artefacts) go here; the folder is gitignored. */
export const ARTEFACTS = path.resolve('test-results/web');

export const WIDTHS = { desktop: 1280, phone: 375 } as const;

/** Console messages of every page this file opened that report a Content-Security-Policy refusal. */
export const cspViolations: string[] = [];

export interface ConsoleServer {
  readonly t: TestApp;
  readonly baseUrl: string;
  readonly browser: Browser;
  /** A new browser context (its own sessionStorage) and page at `width`. */
  newPage(width?: number): Promise<{ context: BrowserContext; page: Page }>;
}

export async function startConsole(options: { env?: Record<string, string>; emailWorker?: boolean } = {}): Promise<ConsoleServer> {
  if (!fs.existsSync(path.join(CONSOLE_DIR, 'index.html'))) {
    throw new Error(`the console is not built (${CONSOLE_DIR}): run \`npm install\` or \`node web/build.mjs\` first`);
  }
  const t = await createTestApp({
    env: {
      DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-web-')),
      OUTBOUND_ALLOW_HOSTS: '127.0.0.1',
      ...options.env,
    },
  });
  const address = await t.app.listen({ host: '127.0.0.1', port: 0 });
  await startBulkWorker(t);
  if (options.emailWorker) await startEmailWorker(t, t.config);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  onTestFileEnd(() => browser.close());
  fs.mkdirSync(ARTEFACTS, { recursive: true });
  return {
    t,
    baseUrl: address,
    browser,
    async newPage(width = WIDTHS.desktop) {
      const context = await browser.newContext({ viewport: { width, height: 900 }, baseURL: address });
      // A loaded machine makes everything slow; conditions are waited for, never times.
      context.setDefaultTimeout(30_000);
      const page = await context.newPage();
      page.on('pageerror', (error) => console.error(`[browser] ${error.message}`));
      page.on('console', (message) => {
        if (/Content[ -]Security[ -]Policy/i.test(message.text())) cspViolations.push(message.text());
      });
      return { context, page };
    },
  };
}

/** Signs in through the sign-in form and waits for the header to show the organization. */
export async function signIn(page: Page, apiKey: string, orgName = 'Org A'): Promise<void> {
  await page.goto('/');
  await page.getByLabel('API key').fill(apiKey);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('who').getByText(orgName).waitFor();
}

/** Saves a full-page screenshot of the current page as `name-WIDTH.png`. */
export async function screenshot(page: Page, name: string): Promise<string> {
  const width = page.viewportSize()?.width ?? 0;
  const file = path.join(ARTEFACTS, `${name}-${width}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * Screenshots of the current route at both widths (the viewport is put back afterwards). At each
 * width the page must fit: no horizontal scrolling of the page itself (wide tables scroll inside
 * their own box).
 */
export async function screenshotBoth(page: Page, name: string): Promise<void> {
  const before = page.viewportSize() ?? { width: WIDTHS.desktop, height: 900 };
  for (const width of [WIDTHS.desktop, WIDTHS.phone]) {
    await page.setViewportSize({ width, height: 900 });
    await screenshot(page, name);
    const overflow = await page.evaluate(() => {
      const doc = (globalThis as any).document;
      const wide = [...doc.querySelectorAll('body *')].filter((el: any) => el.getBoundingClientRect().right > doc.documentElement.clientWidth + 1 && !el.closest('.table-wrap, dialog:not([open])'));
      return { scroll: doc.documentElement.scrollWidth, client: doc.documentElement.clientWidth, wide: wide.slice(0, 3).map((el: any) => `${el.tagName.toLowerCase()}.${el.className}`) };
    });
    if (overflow.scroll > overflow.client) throw new Error(`${name} at ${width} px is ${overflow.scroll} px wide: ${overflow.wide.join(', ')}`);
  }
  await page.setViewportSize(before);
}

/**
 * axe-core's serious and critical violations on the current page (expected: none). Email previews
 * are left out: they are the template's HTML, not the console's, in a sandboxed frame where no script
 * (axe's included) may run, which would leave axe waiting for it.
 */
export async function seriousViolations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).exclude('iframe.preview-frame').analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join('; ')}`);
}

/** Polls `fn` until it returns a truthy value (or fails after `timeoutMs`). */
export async function until<T>(fn: () => Promise<T> | T, what: string, timeoutMs = 60_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
