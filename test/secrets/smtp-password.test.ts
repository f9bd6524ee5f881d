/**
 * SMTP passwords at rest: stored encrypted by the API, never returned, kept by a PUT without one,
 * decrypted only where the worker opens the SMTP connection (the server receives the real
 * password), encrypted in place at start-up when an earlier version stored them plain, and a
 * password under a key this process lacks is a recorded send failure, not a crash.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { enqueueEmail } from '../../src/email/enqueue.ts';
import { newId } from '../../src/ids.ts';
import { encryptPlaintextSecrets } from '../../src/secrets/encrypt-plaintext-secrets.ts';
import { checkSecretKeys } from '../../src/secrets/key-census.ts';
import { keyringFor, loadKeyring } from '../../src/secrets/keyring.ts';
import { openSecret, sealSecret } from '../../src/secrets/sealed-secret.ts';
import { SMTP_PASSWORD_CONTEXT } from '../../src/secrets/stored-secrets.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { insertLead } from '../email/helpers/fixtures.ts';
import { waitFor } from '../email/helpers/smtp-sink.ts';
import { startWorker } from '../email/helpers/worker.ts';

/** An SMTP server that records the credentials it is given and accepts every message. */
class AuthSink {
  readonly logins: { username: string; password: string }[] = [];
  readonly received: string[] = [];
  port = 0;
  private server = new SMTPServer({
    authMethods: ['PLAIN', 'LOGIN'],
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    closeTimeout: 200,
    onAuth: (auth, _session, callback) => {
      this.logins.push({ username: auth.username ?? '', password: auth.password ?? '' });
      callback(null, { user: auth.username });
    },
    onData: (stream, session, callback) => {
      stream.resume();
      stream.on('end', () => {
        this.received.push(session.envelope.rcptTo[0]!.address);
        callback();
      });
    },
  });
  async start() {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.server.server.address() as AddressInfo).port;
  }
  stop = () => new Promise<void>((resolve) => this.server.close(() => resolve()));
}

const PASSWORD = 'Tr0ub4dor&3-zebra-staple-41f9c2';
/** The key of another machine that did not get this one's SECRET_KEY. */
const otherKey = loadKeyring({ secretKey: 'some-other-machines-key-0123456789', secretKeysPrevious: [], dataDir: '/nonexistent' });

describe('SMTP passwords at rest', () => {
  let t: TestApp;
  const sink = new AuthSink();
  const stored = async (id: string) =>
    (await t.db.selectFrom('connected_accounts').select('smtp_password').where('id', '=', id).executeTakeFirstOrThrow()).smtp_password;
  const create = (email: string, password: string | undefined, key?: string) =>
    t.call('POST', '/api/v1/connected_account/', {
      key,
      body: { email, smtp: { host: '127.0.0.1', port: sink.port, use_ssl: false, require_tls: false, username: email, ...(password === undefined ? {} : { password }) } },
    });

  before(async () => {
    await sink.start();
    t = await createTestApp({ env: { OUTBOUND_ALLOW_HOSTS: '127.0.0.1', EMAIL_RETRY_BASE_MS: '60000' } });
  });
  after(() => sink.stop());

  test('the column holds ciphertext that decrypts back; no response carries the password or the ciphertext', async () => {
    const created = await create('ann@a.example', PASSWORD);
    assert.equal(created.status, 200, created.text);
    const value = (await stored(created.body.id))!;
    assert.match(value, /^sluice:v1:/);
    assert.ok(!value.includes(PASSWORD));
    assert.equal(openSecret(keyringFor(t.config), value, SMTP_PASSWORD_CONTEXT), PASSWORD);
    const responses = [
      created,
      await t.call('GET', `/api/v1/connected_account/${created.body.id}/`),
      await t.call('GET', '/api/v1/connected_account/'),
      await t.call('PUT', `/api/v1/connected_account/${created.body.id}/`, { body: { smtp: { port: sink.port } } }),
    ];
    for (const res of responses) {
      assert.equal(res.status, 200);
      assert.ok(!res.text.includes(PASSWORD) && !res.text.includes(value.slice(10)) && !/password/i.test(res.text), res.text);
    }
  });

  test('a PUT without password keeps the stored one; with one it replaces it; null removes it', async () => {
    const created = await create('bea@a.example', PASSWORD);
    const before = await stored(created.body.id);
    await t.call('PUT', `/api/v1/connected_account/${created.body.id}/`, { body: { smtp: { port: sink.port, username: 'bea2' }, sending_limits: { hourly: 5 } } });
    assert.equal(await stored(created.body.id), before, 'byte for byte the same ciphertext');
    await t.call('PUT', `/api/v1/connected_account/${created.body.id}/`, { body: { smtp: { password: 'another-one' } } });
    assert.equal(openSecret(keyringFor(t.config), (await stored(created.body.id))!, SMTP_PASSWORD_CONTEXT), 'another-one');
    await t.call('PUT', `/api/v1/connected_account/${created.body.id}/`, { body: { smtp: { password: null } } });
    assert.equal(await stored(created.body.id), null);
  });

  test('the worker logs in with the decrypted password; a password under an unknown key is a send failure on the account', async () => {
    const good = await create('cid@a.example', PASSWORD);
    const foreign = await create('dan@a.example', 'irrelevant');
    await t.db
      .updateTable('connected_accounts')
      .set({ smtp_password: sealSecret(otherKey, 'irrelevant', SMTP_PASSWORD_CONTEXT) })
      .where('id', '=', foreign.body.id)
      .execute();
    const lead = await insertLead(t.db, t.orgA.organization_id, 'Acme', [{ name: 'Jane', emails: ['jane@acme.example'] }]);
    const send = (accountId: string, sender: string, to: string) =>
      t.db.transaction().execute((trx) =>
        enqueueEmail(trx, {
          organizationId: t.orgA.organization_id,
          userId: t.orgA.user_id,
          leadId: lead.leadId,
          contactId: lead.contactIds[0]!,
          emailAccountId: accountId,
          senderName: null,
          senderEmail: sender,
          to: [to],
          subject: 'Hi',
          bodyHtml: '<p>Hi</p>',
        }),
      );
    const ok = await send(good.body.id, 'cid@a.example', 'jane@acme.example');
    const bad = await send(foreign.body.id, 'dan@a.example', 'jim@acme.example');
    await startWorker(t, t.config);
    const activity = (id: string) => t.db.selectFrom('email_activities').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    await waitFor(async () => (await activity(ok.activityId)).status === 'sent', 15000, 'sent');
    assert.deepEqual(sink.logins.filter((l) => l.username === 'cid@a.example').map((l) => l.password), [PASSWORD]);
    await waitFor(async () => (await activity(bad.activityId)).send_attempts?.length === 1, 15000, 'a failed attempt');
    const failed = await activity(bad.activityId);
    assert.equal(failed.status, 'outbox', 'waits for a retry, not stuck in sending');
    const account = await t.call('GET', `/api/v1/connected_account/${foreign.body.id}/`);
    // The tenant learns what to do, not the operator's key ids or key file path (those are logged).
    assert.match(account.body.latest_send_error, /cannot be read by this server \(its secret key differs\)/);
    assert.doesNotMatch(account.body.latest_send_error, new RegExp(`${otherKey.current.id}|secret\\.key|SECRET_KEY`));
    assert.equal(account.body.send_status, 'error');
    assert.deepEqual(sink.received, ['jane@acme.example'], 'nothing went out from the account whose password is unreadable');
    assert.ok(!sink.logins.some((l) => l.username === 'dan@a.example'));
  });

  test('start-up encrypts plain passwords of earlier versions in place, once, and reports keys it lacks', async () => {
    const plain = [newId('emailacct'), newId('emailacct')];
    for (const id of plain) {
      await t.db
        .insertInto('connected_accounts')
        .values({ id, organization_id: t.orgB.organization_id, user_id: t.orgB.user_id, email: `${id}@b.example`, smtp_host: 'mail.b.example', smtp_port: 587, smtp_username: 'u', smtp_password: `plain-${id}` })
        .execute();
    }
    const keyring = keyringFor(t.config);
    const untouched = new Map((await t.db.selectFrom('connected_accounts').select(['id', 'smtp_password']).where('smtp_password', 'like', 'sluice:v1:%').execute()).map((r) => [r.id, r.smtp_password]));
    // Two processes starting at once.
    const counts = await Promise.all([encryptPlaintextSecrets(t.db, keyring), encryptPlaintextSecrets(t.db, keyring)]);
    assert.equal(counts[0]! + counts[1]!, 2);
    for (const id of plain) {
      const value = (await stored(id))!;
      assert.match(value, /^sluice:v1:/);
      assert.equal(openSecret(keyring, value, SMTP_PASSWORD_CONTEXT), `plain-${id}`);
    }
    for (const [id, value] of untouched) assert.equal(await stored(id), value, 'already encrypted values are left alone');
    assert.equal(await encryptPlaintextSecrets(t.db, keyring), 0);

    // The previous test's account holds a password under another machine's key.
    const warnings = await checkSecretKeys(t.db, keyring);
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.ok(warnings[0]!.startsWith(`1 stored secret(s) are encrypted with key ${otherKey.current.id}, which this process does not have`), warnings[0]);
    assert.match(warnings[0]!, /same SECRET_KEY/);
  });
});
