/**
 * Who connects to the embedded PostgreSQL, and with which password. Earlier versions created the
 * cluster with a fixed superuser `sluice`/`sluice` and connected as that superuser; any local user
 * knowing the default could take the whole database, and Sluice itself ran with powers it never
 * needs (reading server files, running programs through COPY).
 *
 * Now:
 * - the superuser `sluice` has a random password, kept in `DATA_DIR/pg-superuser.password` (0600),
 *   written before initdb (or before the password is changed) so that it is never lost;
 * - Sluice connects as `sluice_app`, a plain role (random password in `DATA_DIR/pg-app.password`,
 *   0600) that owns the database it uses and every object in it. On PostgreSQL 15+ the database
 *   owner owns schema `public` (pg_database_owner), so migrations can create tables there, and
 *   trusted extensions such as pg_trgm (0003) need no superuser.
 *
 * `secureCluster` brings any cluster to that state on each start, idempotently: a cluster of an
 * earlier version (it still accepts `sluice`/`sluice`) gets the random password, the app role and
 * the ownership of the database and of everything in schema public; afterwards `sluice`/`sluice`
 * no longer logs in. The app password file is written last, when the role can do its work, since
 * a second process sharing this server waits for that file (waitForCredentials).
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { readOrCreateSecretFile, readSecretFile, replaceSecretFile } from '../secrets/secret-file.ts';

export const SUPERUSER = 'sluice';
export const APP_ROLE = 'sluice_app';
/** Sluice's data lives in the `postgres` database, as with earlier versions. */
const APP_DATABASE = 'postgres';
const LEGACY_PASSWORD = 'sluice';

export interface CredentialFiles {
  readonly superuser: string;
  readonly app: string;
}

export interface EmbeddedCredentials {
  readonly adminConnectionString: string;
  readonly connectionString: string;
}

/** The password files of the cluster in `dir` (DATA_DIR/pg): next to it, in DATA_DIR. */
export function credentialFiles(dir: string): CredentialFiles {
  return { superuser: path.join(path.dirname(dir), 'pg-superuser.password'), app: path.join(path.dirname(dir), 'pg-app.password') };
}

const randomPassword = () => randomBytes(24).toString('base64url');
const url = (user: string, password: string, port: number) => `postgres://${user}:${password}@127.0.0.1:${port}/${APP_DATABASE}`;

/** The superuser password: the file's, or a new one written to the file now (before initdb uses it). */
export function superuserPassword(files: CredentialFiles): string {
  return readOrCreateSecretFile(files.superuser, randomPassword).value;
}

async function connectAs(user: string, password: string, port: number): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url(user, password, port) });
  client.on('error', () => {});
  await client.connect();
  return client;
}

/** Logs in as the superuser; replaces the fixed password of an earlier version's cluster. */
async function superuserClient(password: string, port: number, file: string, notice: (message: string) => void): Promise<pg.Client> {
  try {
    return await connectAs(SUPERUSER, password, port);
  } catch (error) {
    if ((error as { code?: string }).code !== '28P01') throw error;
  }
  let legacy: pg.Client;
  try {
    legacy = await connectAs(SUPERUSER, LEGACY_PASSWORD, port);
  } catch (error) {
    if ((error as { code?: string }).code !== '28P01') throw error;
    throw new Error(`cannot log in to the embedded PostgreSQL as ${SUPERUSER}: ${file} does not hold its password`);
  }
  await legacy.query(`ALTER ROLE ${SUPERUSER} PASSWORD ${legacy.escapeLiteral(password)}`);
  notice(`embedded PostgreSQL: replaced the fixed password of ${SUPERUSER} by a random one (${file})`);
  return legacy;
}

/** Statements giving the app role everything in schema public it does not own yet. */
async function ownershipStatements(admin: pg.Client): Promise<string[]> {
  const { rows } = await admin.query<{ statement: string }>(
    `WITH app AS (SELECT oid FROM pg_roles WHERE rolname = $1),
     member AS (SELECT classid, objid FROM pg_depend WHERE deptype = 'e')
     SELECT format('ALTER %s %s OWNER TO %I',
              CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                             WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END, c.oid::regclass, $1) AS statement
       FROM pg_class c
      WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
        AND c.relowner <> (SELECT oid FROM app)
        AND NOT EXISTS (SELECT 1 FROM member m WHERE m.classid = 'pg_class'::regclass AND m.objid = c.oid)
        -- Sequences of serial and identity columns follow their table.
        AND NOT (c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i')))
     UNION ALL
     SELECT format('ALTER %s %s OWNER TO %I', CASE p.prokind WHEN 'a' THEN 'AGGREGATE' ELSE 'ROUTINE' END, p.oid::regprocedure, $1)
       FROM pg_proc p
      WHERE p.pronamespace = 'public'::regnamespace AND p.proowner <> (SELECT oid FROM app)
        AND NOT EXISTS (SELECT 1 FROM member m WHERE m.classid = 'pg_proc'::regclass AND m.objid = p.oid)
     UNION ALL
     SELECT format('ALTER %s %s OWNER TO %I', CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, t.oid::regtype, $1)
       FROM pg_type t
      WHERE t.typnamespace = 'public'::regnamespace AND t.typowner <> (SELECT oid FROM app)
        -- Enums, domains, ranges, standalone composite types; array, multirange and table row
        -- types follow their element, range or table.
        AND (t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c'))
        AND NOT EXISTS (SELECT 1 FROM member m WHERE m.classid = 'pg_type'::regclass AND m.objid = t.oid)`,
    [APP_ROLE],
  );
  return rows.map((r) => r.statement);
}

/**
 * Brings the running cluster on `port` to the state described in the header and returns the
 * connection strings. Called by the process that started the server, after every start.
 */
export async function secureCluster(port: number, files: CredentialFiles, notice: (message: string) => void): Promise<EmbeddedCredentials> {
  const superPassword = superuserPassword(files);
  const admin = await superuserClient(superPassword, port, files.superuser, notice);
  try {
    const appPassword = readSecretFile(files.app) ?? randomPassword();
    const role = await admin.query('SELECT rolsuper FROM pg_roles WHERE rolname = $1', [APP_ROLE]);
    const attributes = 'LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS';
    await admin.query(`${role.rowCount === 0 ? 'CREATE' : 'ALTER'} ROLE ${APP_ROLE} ${attributes} PASSWORD ${admin.escapeLiteral(appPassword)}`);
    const statements = await ownershipStatements(admin);
    const database = await admin.query('SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = $1', [APP_DATABASE]);
    if (database.rows[0]?.owner !== APP_ROLE) statements.unshift(`ALTER DATABASE ${APP_DATABASE} OWNER TO ${APP_ROLE}`);
    if (statements.length > 0) {
      await admin.query('BEGIN');
      for (const statement of statements) await admin.query(statement);
      await admin.query('COMMIT');
      notice(`embedded PostgreSQL: ${APP_ROLE} now owns database ${APP_DATABASE} and its objects (${statements.length} ownership changes)`);
    }
    if (readSecretFile(files.app) !== appPassword) replaceSecretFile(files.app, appPassword);
    return { adminConnectionString: url(SUPERUSER, superPassword, port), connectionString: url(APP_ROLE, appPassword, port) };
  } finally {
    await admin.end();
  }
}

/**
 * The connection strings of a cluster another process started (it writes the app password file
 * once the cluster is secured); waits up to `timeoutMs` for that file.
 */
export async function waitForCredentials(files: CredentialFiles, port: number, timeoutMs: number): Promise<EmbeddedCredentials> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const app = readSecretFile(files.app);
    const superPassword = readSecretFile(files.superuser);
    if (app !== undefined && superPassword !== undefined) {
      return { adminConnectionString: url(SUPERUSER, superPassword, port), connectionString: url(APP_ROLE, app, port) };
    }
    if (Date.now() > deadline) {
      throw new Error(
        `the embedded PostgreSQL is run by another process, but ${files.app} did not appear: ` +
          'if that process is an earlier version of Sluice, stop it and start again',
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
