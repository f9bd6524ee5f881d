/**
 * src/http/console.ts on its own: without a built console, `/` says how to build it (with the same
 * security headers) and nothing else is added; with one, each built file is a route of its own.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import Fastify from 'fastify';
import { registerConsole } from '../../src/http/console.ts';
import type { App } from '../../src/http/server.ts';

describe('console route', () => {
  test('without a build, / explains how to build the console; other paths stay 404', async () => {
    const app = Fastify() as unknown as App;
    await registerConsole(app, path.join(os.tmpdir(), 'no-such-console-dir'));
    const page = await app.inject({ method: 'GET', url: '/' });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /console is not built/);
    assert.match(String(page.headers['content-security-policy']), /default-src 'none'/);
    assert.equal((await app.inject({ method: 'GET', url: '/index.html' })).statusCode, 404);
    await app.close();
  });

  test('with a build, the built files (and only they) are served, assets cached for good, the page revalidated', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-console-'));
    fs.mkdirSync(path.join(dir, 'assets'));
    fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>x</title>');
    fs.writeFileSync(path.join(dir, 'assets', 'app-abc123.js'), 'console.log(1)');
    const app = Fastify() as unknown as App;
    await registerConsole(app, dir);
    const page = await app.inject({ method: 'GET', url: '/' });
    assert.equal(page.statusCode, 200);
    assert.equal(page.headers['cache-control'], 'no-cache');
    assert.equal(page.headers['x-frame-options'], 'DENY');
    const asset = await app.inject({ method: 'GET', url: '/assets/app-abc123.js' });
    assert.equal(asset.statusCode, 200);
    assert.match(String(asset.headers['cache-control']), /immutable/);
    // Written after start: not a route (no catch-all reads the folder per request).
    fs.writeFileSync(path.join(dir, 'assets', 'late.js'), '1');
    assert.equal((await app.inject({ method: 'GET', url: '/assets/late.js' })).statusCode, 404);
    assert.equal((await app.inject({ method: 'GET', url: '/assets/../index.html' })).statusCode, 200); // normalised to /index.html
    assert.equal((await app.inject({ method: 'GET', url: '/etc/passwd' })).statusCode, 404);
    await app.close();
  });
});
