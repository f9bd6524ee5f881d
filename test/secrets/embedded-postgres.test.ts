/**
 * The embedded PostgreSQL's credentials (src/db/embedded-credentials.ts), on clusters of its own
 * (a few seconds each): a new cluster refuses the old fixed `sluice`/`sluice`, Sluice's role is no
 * superuser yet migrates and works, a second process on the same DATA_DIR reads the credentials
 * from the files, and a cluster created the way earlier versions did is taken over on start (the
 * old password stops working, the data stays readable and writable by the app role).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { connect } from '../../src/db/database.ts';
import { startEmbeddedPostgres, type EmbeddedServer } from '../../src/db/embedded.ts';
import { nativeDir } from '../../src/db/embedded-binaries.ts';
import { prepareLauncher } from '../../src/db/embedded-launcher.ts';
import { startPostgres } from '../../src/db/embedded-process.ts';
import { listMigrations, migrate } from '../../src/db/migrate.ts';
import { freePort } from '../../scripts/free-port.ts';

const servers: EmbeddedServer[] = [];
const bases: string[] = [];
after(async () => {
  for (const server of servers) await server.stop();
  for (const base of bases) fs.rmSync(base, { recursive: true, force: true });
});

/** A DATA_DIR of its own inside a 0700 temporary folder, as `mktemp -d` makes them. */
function dataDir(): string {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-embedded-'));
  fs.chmodSync(base, 0o700);
  bases.push(base);
  return path.join(base, 'data');
}

async function query<T extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

async function loginFails(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  const error = await client.connect().then(
    () => undefined,
    (e: { code?: string }) => e,
  );
  if (!error) await client.end();
  return error?.code ?? 'logged in';
}

const legacyUrl = (port: number) => `postgres://sluice:sluice@127.0.0.1:${port}/postgres`;
const mode = (file: string) => fs.statSync(file).mode & 0o777;

describe('embedded PostgreSQL credentials', () => {
  test('a new cluster: random superuser password in a 0600 file, sluice/sluice refused, Sluice connects as a plain owner', async () => {
    const data = dataDir();
    const port = await freePort();
    const server = await startEmbeddedPostgres(path.join(data, 'pg'), port);
    servers.push(server);
    assert.equal(await loginFails(legacyUrl(port)), '28P01');
    assert.equal(mode(path.join(data, 'pg-superuser.password')), 0o600);
    assert.equal(mode(path.join(data, 'pg-app.password')), 0o600);
    assert.equal(mode(data), 0o700);
    assert.equal(mode(path.dirname(data)), 0o700, 'nothing above DATA_DIR was opened up');
    assert.equal(new URL(server.adminConnectionString).password, fs.readFileSync(path.join(data, 'pg-superuser.password'), 'utf8').trim());

    const [me] = await query<{ user: string; rolsuper: boolean; rolcreaterole: boolean; rolcreatedb: boolean }>(
      server.connectionString,
      'SELECT current_user AS user, rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = current_user',
    );
    assert.deepEqual(me, { user: 'sluice_app', rolsuper: false, rolcreaterole: false, rolcreatedb: false });
    const [admin] = await query<{ rolsuper: boolean }>(server.adminConnectionString, 'SELECT rolsuper FROM pg_roles WHERE rolname = current_user');
    assert.equal(admin!.rolsuper, true);

    // Every migration runs without superuser (pg_trgm is a trusted extension; the owner may create it).
    const handles = connect(server.connectionString, 2);
    try {
      assert.equal((await migrate(handles.pool)).length, listMigrations().length);
      await handles.pool.query("INSERT INTO organizations (id, name) VALUES ('orga_x', 'X')");
      const forbidden = await handles.pool.query("COPY (SELECT 1) TO PROGRAM 'true'").then(() => 'allowed', (e: { code?: string }) => e.code);
      assert.equal(forbidden, '42501', 'no server programs or files for Sluice');
    } finally {
      await handles.end();
    }

    // Another process on the same DATA_DIR shares this server and finds the credentials in the files.
    const script = `import { startEmbeddedPostgres } from ${JSON.stringify(path.resolve('src/db/embedded.ts'))};
      import pg from 'pg';
      const s = await startEmbeddedPostgres(${JSON.stringify(path.join(data, 'pg'))}, 1);
      const c = new pg.Client({ connectionString: s.connectionString });
      await c.connect();
      process.stdout.write((await c.query('SELECT current_user AS u, count(*) AS n FROM organizations')).rows.map((r) => r.u + ' ' + r.n).join());
      await c.end();`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    assert.equal(await new Promise((resolve) => child.on('exit', resolve)), 0);
    assert.equal(out, 'sluice_app 1');

    // A restart keeps the credentials.
    await server.stop();
    const again = await startEmbeddedPostgres(path.join(data, 'pg'), port);
    servers.push(again);
    assert.equal(again.connectionString, server.connectionString);
    assert.deepEqual(await query(again.connectionString, 'SELECT id FROM organizations'), [{ id: 'orga_x' }]);
  });

  test("a cluster of an earlier version (sluice/sluice, Sluice's tables owned by the superuser) is taken over on start", async () => {
    const data = dataDir();
    const dir = path.join(data, 'pg');
    const port = await freePort();
    // Created the way the previous code did: initdb with the fixed superuser and password.
    const launcher = prepareLauncher(dir, nativeDir(), () => {});
    fs.mkdirSync(data, { recursive: true });
    const init = launcher.spawn('initdb', [`--pgdata=${launcher.dataDir}`, '--auth=password', '--username=sluice', '--pwfile={pwfile}', '--encoding=UTF8'], 'sluice');
    assert.equal(await new Promise((resolve) => init.on('exit', resolve)), 0);
    const old = await startPostgres(launcher, dir, port, () => {});
    try {
      const handles = connect(legacyUrl(port), 2);
      await migrate(handles.pool);
      await handles.pool.query(`INSERT INTO organizations (id, name) VALUES ('orga_old', 'Kept')`);
      await handles.pool.query(`CREATE TYPE legacy_mood AS ENUM ('ok'); CREATE VIEW legacy_view AS SELECT id FROM organizations;
                                CREATE SEQUENCE legacy_seq; CREATE FUNCTION legacy_fn() RETURNS int LANGUAGE sql AS 'SELECT 1'`);
      await handles.end();
    } finally {
      await old.stop();
    }
    assert.equal(fs.existsSync(path.join(data, 'pg-superuser.password')), false);

    const notices: string[] = [];
    const server = await startEmbeddedPostgres(dir, port, () => {}, (m) => notices.push(m));
    servers.push(server);
    assert.ok(notices.some((n) => n.includes('replaced the fixed password')), notices.join('\n'));
    assert.equal(await loginFails(legacyUrl(port)), '28P01', 'sluice/sluice no longer logs in');
    assert.deepEqual(await query(server.connectionString, 'SELECT id, name FROM organizations'), [{ id: 'orga_old', name: 'Kept' }]);
    const notOwned = await query(
      server.adminConnectionString,
      `SELECT c.relname FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r','v','S','m','p')
          AND pg_get_userbyid(c.relowner) <> 'sluice_app'
       UNION ALL SELECT proname FROM pg_proc p WHERE pronamespace = 'public'::regnamespace AND pg_get_userbyid(proowner) <> 'sluice_app'
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
       UNION ALL SELECT typname FROM pg_type t WHERE typnamespace = 'public'::regnamespace AND typtype = 'e' AND pg_get_userbyid(typowner) <> 'sluice_app'
       UNION ALL SELECT datname FROM pg_database WHERE datname = 'postgres' AND pg_get_userbyid(datdba) <> 'sluice_app'`,
    );
    assert.deepEqual(notOwned, []);
    // The app role can do what later migrations and the application do: alter, write, use sequences and triggers.
    const handles = connect(server.connectionString, 2);
    try {
      await migrate(handles.pool);
      await handles.pool.query('ALTER TABLE organizations ADD COLUMN takeover_check int');
      await handles.pool.query("SELECT nextval('legacy_seq'), legacy_fn(), 'ok'::legacy_mood, nextval(pg_get_serial_sequence('contact_emails', 'id'))");
      await handles.pool.query(`INSERT INTO lead_statuses (id, organization_id, label, position) VALUES ('stat_x', 'orga_old', 'New', 0)`);
      await handles.pool.query(`INSERT INTO leads (id, organization_id, name, status_id, custom) VALUES ('lead_x', 'orga_old', 'Acme Kept', 'stat_x', '{}')`);
    } finally {
      await handles.end();
    }
    // A second start finds nothing left to change.
    await server.stop();
    const quiet: string[] = [];
    servers.push(await startEmbeddedPostgres(dir, port, () => {}, (m) => quiet.push(m)));
    assert.deepEqual(quiet, []);
  });
});
