/**
 * `npm install` bundles the server into dist/server (scripts/build-server.mjs) and bin/sluice.js
 * runs the bundle while it is newer than the sources. The bundle must behave as the sources do where
 * a module finds files relative to itself: the migrations (read at every start), the web console's
 * files, and the template thread's entry (a render). This test rebuilds the bundle, as `npm
 * install` does, and runs `sluice serve` from it against a database of its own.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { createOrganization } from '../../src/orgs/create-organization.ts';
import { freePort } from '../../scripts/free-port.ts';
import { createTestDatabase } from '../helpers/db.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const run = promisify(execFile);

describe('the bundled server', () => {
  let child: ChildProcess;
  let output = '';
  let base = '';
  let key = '';

  before(async () => {
    await run(process.execPath, [path.join(ROOT, 'scripts/build-server.mjs')], { cwd: ROOT });
    const database = await createTestDatabase();
    key = (await createOrganization(database.db, { name: 'Bundle', userEmail: 'b@bundle.example' })).api_key;
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bundle-'));
    child = spawn(process.execPath, [path.join(ROOT, 'bin/sluice.js'), 'serve'], {
      env: { ...process.env, DATABASE_URL: database.connectionString, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'info', NODE_OPTIONS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const deadline = Date.now() + 60_000;
    for (;;) {
      assert.equal(child.exitCode, null, `sluice exited: ${output}`);
      assert.ok(Date.now() < deadline, `sluice did not answer /healthz: ${output}`);
      const ok = await fetch(`${base}/healthz`).then((r) => r.ok, () => false);
      if (ok) break;
      await new Promise((r) => setTimeout(r, 200));
    }
  });

  after(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  });

  const api = async (method: string, url: string, body?: unknown) => {
    const res = await fetch(`${base}/api/v1${url}`, {
      method,
      headers: { authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };

  test('runs from the bundle, not the sources', () => {
    assert.match(output, /"running_from":"bundle"/);
  });

  test('serves the API and the web console', async () => {
    const me = await api('GET', '/me/');
    assert.equal(me.status, 200);
    const page = await fetch(`${base}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
  });

  test('renders a template on the template thread', async () => {
    const lead = await api('POST', '/lead/', { name: 'Globex', contacts: [{ name: 'Hank Scorpio', emails: [{ email: 'hank@globex.example' }] }] });
    assert.equal(lead.status, 200);
    const rendered = await api('POST', '/email_template/render/', { subject: 'Hi {{ contact.first_name }}', body: '<p>{{ lead.display_name }}</p>', lead_id: lead.body.id });
    assert.equal(rendered.status, 200, JSON.stringify(rendered.body));
    assert.equal(rendered.body.subject, 'Hi Hank');
    assert.equal(rendered.body.body, '<p>Globex</p>');
  });
});
