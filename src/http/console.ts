/**
 * The web console (web/, issue 12) served at `/`: the files Vite built into web/dist, and nothing
 * else. Each built file gets its own route (`wildcard: false`), so the console adds no catch-all:
 * every other path, and everything under /api/v1/ above all, is answered exactly as before.
 *
 * The console page runs under a strict Content-Security-Policy: scripts, styles and requests from
 * this origin only, no inline script, no framing by other sites. The API key the console uses lives
 * in the tab's sessionStorage; this module never sees it.
 */
import fastifyStatic from '@fastify/static';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { App } from './server.ts';

/** Where `npm install` (the `prepare` script, web/build.mjs) puts the built console. */
export const CONSOLE_DIR = fileURLToPath(new URL('../../web/dist/', import.meta.url));

export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  // The email preview is an <iframe sandbox srcdoc>: it inherits this policy, so no script runs in it.
  "frame-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
};

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sluice console</title></head>
<body><h1>The Sluice console is not built</h1><p>Run <code>npm install</code> (or <code>node web/build.mjs</code>) in the
Sluice checkout, then restart. The API is at <code>/api/v1/</code>, its documentation at <a href="/docs">/docs</a>.</p></body></html>`;

/** Serves the built console at `/`, or a page saying how to build it. */
export async function registerConsole(app: App, dir: string = CONSOLE_DIR): Promise<void> {
  const built = fs.existsSync(path.join(dir, 'index.html'));
  if (!built) {
    app.get('/', { config: { public: true }, schema: { hide: true } }, async (_request, reply) => {
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) reply.header(name, value);
      return reply.type('text/html; charset=utf-8').send(NOT_BUILT);
    });
    return;
  }
  await app.register(fastifyStatic, {
    root: dir,
    prefix: '/',
    wildcard: false,
    decorateReply: false,
    index: ['index.html'],
    schemaHide: true,
    cacheControl: false,
    setHeaders(reply, filePath) {
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) reply.header(name, value);
      // Vite names assets by content hash: cache them for good; the page itself is always revalidated.
      const immutable = filePath.includes(`${path.sep}assets${path.sep}`);
      reply.header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
}
