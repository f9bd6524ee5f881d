/**
 * `sluice serve --role api` as a real process: /readyz is 503 while starting (held here at the
 * migration lock) and 200 once ready; on SIGTERM the request in flight still gets its 200, a request
 * that comes on its connection afterwards gets a 503 (/readyz: draining), new connections are
 * refused, and the process exits 0; a request whose client went away is waited for until its handler
 * is through. SHUTDOWN_TIMEOUT_MS bounds the wait for a request that does not end.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import pg from 'pg';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createTestDatabase } from '../helpers/db.ts';
import { waitFor } from '../bulk-actions/fixtures.ts';
import { spawnServe } from './serve-process.ts';

/** The arbitrary constant of src/db/migrate.ts's advisory lock. */
const MIGRATION_LOCK_KEY = 7_305_150_001;

async function statusOf(url: string): Promise<number | string> {
  try {
    return (await fetch(url)).status;
  } catch (error) {
    return ((error as { cause?: { code?: string } }).cause?.code ?? String(error));
  }
}

/** Holds the row lock of a lead in an open transaction, so that an update of it waits. */
async function lockLead(t: TestApp, leadId: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: t.connectionString });
  await client.connect();
  await client.query('BEGIN');
  await client.query('SELECT id FROM leads WHERE id = $1 FOR UPDATE', [leadId]);
  return client;
}

/** Resolves once some backend of the test database waits on a lock. */
async function someoneWaits(t: TestApp): Promise<void> {
  await waitFor(
    async () => (await t.pool.query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`)).rowCount,
    20_000,
    'a request to wait on the lead lock',
  );
}

const rawRequest = (method: string, path: string, key: string, body?: unknown) => {
  const payload = body === undefined ? '' : JSON.stringify(body);
  const auth = `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
  return `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${auth}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(payload)}\r\n\r\n${payload}`;
};

test('/readyz is 503 while the server starts (migrations held), like every other request, then 200', async () => {
  const database = await createTestDatabase();
  const holder = new pg.Client({ connectionString: database.connectionString });
  await holder.connect();
  await holder.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
  const server = await spawnServe(database.connectionString, 'api');
  const first = await waitFor(async () => {
    const status = await statusOf(`${server.baseUrl}/readyz`);
    return typeof status === 'number' ? status : undefined;
  }, 30_000, 'the server to listen');
  assert.equal(first, 503);
  const readyz = await fetch(`${server.baseUrl}/readyz`);
  assert.deepEqual(await readyz.json(), { status: 'starting' });
  assert.equal(await statusOf(`${server.baseUrl}/healthz`), 503);
  assert.equal(await statusOf(`${server.baseUrl}/api/v1/me/`), 503);
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.equal(await statusOf(`${server.baseUrl}/readyz`), 503, 'still starting while the migration lock is held');
  await holder.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
  await holder.end();
  await waitFor(async () => (await statusOf(`${server.baseUrl}/readyz`)) === 200, 30_000, '/readyz 200');
  assert.deepEqual(await (await fetch(`${server.baseUrl}/readyz`)).json(), { status: 'ready' });
  server.child.kill('SIGTERM');
  assert.equal(await server.exited, 0);
});

test('SIGTERM: the request in flight gets its 200, the next one on its connection a 503, new connections are refused', async () => {
  const t = await createTestApp();
  const lead = await t.call('POST', '/api/v1/lead/', { body: { name: 'Before' } });
  const server = await spawnServe(t.connectionString, 'api');
  await server.waitForLog((l) => l.msg === 'ready');
  const locker = await lockLead(t, lead.body.id);

  const socket = net.connect(server.port, '127.0.0.1');
  let received = '';
  socket.on('data', (chunk) => (received += chunk.toString()));
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.write(rawRequest('PUT', `/api/v1/lead/${lead.body.id}/`, t.orgA.api_key, { name: 'After' }));
  await someoneWaits(t);

  server.child.kill('SIGTERM');
  await server.waitForLog((l) => l.msg === 'shutting down');
  // The listening socket is closed in the same tick as that line, and released by the next turn of
  // the server's event loop: a connection in between would be reset instead of refused.
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(await statusOf(`${server.baseUrl}/readyz`), 'ECONNREFUSED', 'a new connection is refused');
  socket.write('GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(received, '', 'nothing answered while the update waits');
  await locker.query('COMMIT');
  await locker.end();
  await closed;
  assert.equal(await server.exited, 0);

  const responses = received.split(/(?=HTTP\/1\.1 )/);
  assert.equal(responses.length, 2, received);
  assert.match(responses[0]!, /^HTTP\/1\.1 200 /);
  assert.match(responses[0]!, /"name":"After"/);
  assert.match(responses[1]!, /^HTTP\/1\.1 503 /);
  assert.match(responses[1]!, /connection: close/i);
  assert.match(responses[1]!, /\{"status":"draining"\}$/);
  const row = await t.db.selectFrom('leads').select('name').where('id', '=', lead.body.id).executeTakeFirstOrThrow();
  assert.equal(row.name, 'After');
});

test('SIGTERM waits for the handler of a request whose client went away, not only for its socket', async () => {
  const t = await createTestApp();
  const lead = await t.call('POST', '/api/v1/lead/', { body: { name: 'Kept' } });
  const server = await spawnServe(t.connectionString, 'api', { RATE_LIMIT_PER_KEY: '1000' });
  await server.waitForLog((l) => l.msg === 'ready');
  const auth = { authorization: `Basic ${Buffer.from(`${t.orgA.api_key}:`).toString('base64')}` };
  assert.equal((await fetch(`${server.baseUrl}/api/v1/me/`, { headers: auth })).status, 200);
  // The organization's rate-limit buckets locked: the next request's authentication waits, and only
  // then does its handler read the lead, with a second statement.
  const locker = new pg.Client({ connectionString: t.connectionString });
  await locker.connect();
  await locker.query('BEGIN');
  await locker.query('SELECT 1 FROM rate_limit_buckets WHERE organization_id = $1 FOR UPDATE', [t.orgA.organization_id]);
  const socket = net.connect(server.port, '127.0.0.1');
  socket.write(rawRequest('GET', `/api/v1/lead/${lead.body.id}/`, t.orgA.api_key));
  await someoneWaits(t);
  // The client gives up while the request waits: its response closes, its handler runs on.
  socket.destroy();
  await new Promise((resolve) => setTimeout(resolve, 300));
  server.child.kill('SIGTERM');
  await server.waitForLog((l) => l.msg === 'shutting down');
  await new Promise((resolve) => setTimeout(resolve, 500));
  await locker.query('COMMIT');
  await locker.end();
  assert.equal(await server.exited, 0);
  const errors = server.logs.filter((l) => l.level >= 50).map((l) => l.err?.message ?? l.msg);
  assert.deepEqual(errors, [], 'the handler still had the database: no error on a closed pool');
  assert.ok(!server.logs.some((l) => /cut off/.test(l.msg)), 'the drain waited for it');
});

test('SHUTDOWN_TIMEOUT_MS bounds the wait for a request that does not end', async () => {
  const t = await createTestApp();
  const lead = await t.call('POST', '/api/v1/lead/', { body: { name: 'Stuck' } });
  const server = await spawnServe(t.connectionString, 'api', { SHUTDOWN_TIMEOUT_MS: '1000' });
  await server.waitForLog((l) => l.msg === 'ready');
  const locker = await lockLead(t, lead.body.id);
  const stuck = fetch(`${server.baseUrl}/api/v1/lead/${lead.body.id}/`, {
    method: 'PUT',
    headers: { authorization: `Basic ${Buffer.from(`${t.orgA.api_key}:`).toString('base64')}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Never' }),
  }).then(
    (res) => res.status,
    () => 'cut off',
  );
  await someoneWaits(t);
  const stoppedAt = Date.now();
  server.child.kill('SIGTERM');
  assert.equal(await server.exited, 0);
  const took = Date.now() - stoppedAt;
  assert.equal(await stuck, 'cut off');
  assert.ok(took >= 1000 && took < 6000, `exited ${took} ms after SIGTERM`);
  assert.ok(server.logs.some((l) => /cut off/.test(l.msg)), 'the cut-off requests are logged');
  await locker.query('ROLLBACK');
  await locker.end();
  const row = await t.db.selectFrom('leads').select('name').where('id', '=', lead.body.id).executeTakeFirstOrThrow();
  assert.equal(row.name, 'Stuck', 'the cut-off update rolled back');
});
