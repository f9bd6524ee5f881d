/**
 * `sluice serve` on an empty database, as a real child process: the bootstrap organization with
 * its key and a ready curl line (SLUICE_API_KEY honoured), nothing created on the next start,
 * several processes starting at once on a bare database (migrations once, one organization),
 * structured JSON logs whose request lines carry the X-Request-Id, and a clean exit on SIGINT.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { before, describe, test } from 'node:test';
import pg from 'pg';
import { connect } from '../../src/db/database.ts';
import { randomBase62 } from '../../src/ids.ts';
import { createTestDatabase, onTestFileEnd, type TestDatabase } from '../helpers/db.ts';
import { freePort } from '../../scripts/free-port.ts';

interface Server {
  readonly child: ChildProcess;
  readonly port: number;
  output(): string;
  exited: Promise<number | null>;
}

async function startServer(database: TestDatabase, env: Record<string, string> = {}): Promise<Server> {
  const port = await freePort();
  const child = spawn(process.execPath, ['bin/sluice.js', 'serve', '--role', 'api'], {
    env: { ...process.env, DATABASE_URL: database.connectionString, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null) throw new Error(`server exited early:\n${out}`);
    if (Date.now() > deadline) throw new Error(`server did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, port, output: () => out, exited };
}

async function stop(server: Server): Promise<number | null> {
  server.child.kill('SIGINT');
  return server.exited;
}

const auth = (key: string) => ({ authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` });

describe('sluice serve on an empty database', () => {
  let database: TestDatabase;

  before(async () => {
    database = await createTestDatabase();
  });

  test('creates one organization with the SLUICE_API_KEY key, prints it with a curl line, and not again', async () => {
    const key = 'api_bootstrapkeyfromtheenvironment0001';
    const first = await startServer(database, { SLUICE_API_KEY: key });
    try {
      assert.match(first.output(), new RegExp(`curl -u ${key}: http://127\\.0\\.0\\.1:${first.port}/api/v1/me/`));
      const me = await fetch(`http://127.0.0.1:${first.port}/api/v1/me/`, { headers: auth(key) });
      assert.equal(me.status, 200);
      const body = (await me.json()) as { organizations: { lead_statuses: { label: string }[] }[] };
      assert.deepEqual(body.organizations[0]!.lead_statuses.map((s) => s.label), ['Potential', 'Bad Fit', 'Qualified', 'Customer']);
    } finally {
      assert.equal(await stop(first), 0, 'SIGINT exits cleanly');
    }
    const second = await startServer(database, { SLUICE_API_KEY: 'api_adifferentkeyfortheseconstartsss' });
    try {
      assert.doesNotMatch(second.output(), /API key \(shown only now\)/);
      const orgs = await database.db.selectFrom('organizations').select('id').execute();
      assert.equal(orgs.length, 1);
      const refused = await fetch(`http://127.0.0.1:${second.port}/api/v1/me/`, { headers: auth('api_adifferentkeyfortheseconstartsss') });
      assert.equal(refused.status, 401);
      assert.equal((await fetch(`http://127.0.0.1:${second.port}/api/v1/me/`, { headers: auth(key) })).status, 200);
    } finally {
      assert.equal(await stop(second), 0);
    }
  });

  test('three processes starting at once on a bare database migrate it once and create one organization', async () => {
    // A database with no tables at all (not cloned from the migrated template).
    const admin = process.env.SLUICE_TEST_ADMIN_URL!;
    const name = `sluice_bare_${randomBase62(10).toLowerCase()}`;
    const client = new pg.Client({ connectionString: admin });
    await client.connect();
    await client.query(`CREATE DATABASE ${name}`);
    await client.end();
    const url = new URL(admin);
    url.pathname = `/${name}`;
    const bare = connect(url.toString(), 2);
    onTestFileEnd(async () => {
      await bare.end();
      const drop = new pg.Client({ connectionString: admin });
      await drop.connect();
      await drop.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await drop.end();
    });
    const database = { ...bare, connectionString: url.toString(), name } as TestDatabase;
    const servers = await Promise.all([0, 1, 2].map(() => startServer(database)));
    try {
      const printed = servers.filter((s) => /API key \(shown only now\)/.test(s.output()));
      assert.equal(printed.length, 1, servers.map((s) => s.output()).join('\n----\n'));
      const orgs = await bare.db.selectFrom('organizations').select('id').execute();
      assert.equal(orgs.length, 1);
      const files = fs.readdirSync('src/db/migrations').filter((f) => f.endsWith('.sql'));
      const applied = await bare.pool.query('SELECT count(*)::int AS n FROM schema_migrations');
      assert.equal(applied.rows[0].n, files.length);
      const key = /curl -u (\S+):/.exec(printed[0]!.output())![1]!;
      for (const s of servers) assert.equal((await fetch(`http://127.0.0.1:${s.port}/api/v1/me/`, { headers: auth(key) })).status, 200);
    } finally {
      for (const code of await Promise.all(servers.map(stop))) assert.equal(code, 0);
    }
  });

  test('logs are JSON lines, and every line of a request carries its X-Request-Id', async () => {
    const server = await startServer(database, { SLUICE_API_KEY: 'api_unusedkeyunusedkeyunusedkey0000' });
    let requestId: string | null;
    try {
      const res = await fetch(`http://127.0.0.1:${server.port}/api/v1/lead/lead_doesnotexist/`, { headers: auth('api_bootstrapkeyfromtheenvironment0001') });
      assert.equal(res.status, 404);
      requestId = res.headers.get('x-request-id');
      assert.match(String(requestId), /^req_/);
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      assert.equal(await stop(server), 0);
    }
    const lines = server.output().split('\n').filter((l) => l.startsWith('{'));
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(parsed.length > 0);
    const ofRequest = parsed.filter((l) => JSON.stringify(l).includes('lead_doesnotexist'));
    assert.ok(ofRequest.length >= 1, server.output());
    for (const line of ofRequest) assert.equal(line.reqId, requestId, JSON.stringify(line));
    const completed = parsed.filter((l) => l.reqId === requestId);
    assert.ok(completed.some((l) => (l.res as { statusCode?: number } | undefined)?.statusCode === 404), 'the completion line too');
    for (const line of parsed) assert.equal(typeof line.level, 'number');
  });
});

describe('an operator-chosen SLUICE_API_KEY', () => {
  test('too short is refused on an empty database, and ignored once the database has an organization', async () => {
    const database = await createTestDatabase();
    await assert.rejects(startServer(database, { SLUICE_API_KEY: 'api_short' }), /SLUICE_API_KEY must be at least 32 characters long/);
    assert.equal((await database.db.selectFrom('organizations').select('id').execute()).length, 0);
    const first = await startServer(database, { SLUICE_API_KEY: 'api_longenoughkeyforthebootstrap00000' });
    assert.equal(await stop(first), 0);
    // An install upgraded with its old, shorter key in the environment keeps starting.
    const again = await startServer(database, { SLUICE_API_KEY: 'api_short' });
    assert.equal(await stop(again), 0);
  });
});
