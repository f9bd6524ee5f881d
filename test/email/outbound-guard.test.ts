/**
 * The delivery worker under the outbound policy and the STARTTLS requirement. The connect-time
 * accounts are inserted straight into the database, as if the API check had been bypassed (or DNS
 * had changed since): only the guard at connect time stands between them and a loopback port.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { enqueueEmail } from '../../src/email/enqueue.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { insertAccount, insertLead } from './helpers/fixtures.ts';
import { waitFor } from './helpers/smtp-sink.ts';
import { startWorker } from './helpers/worker.ts';

/** A plain TCP listener on loopback that counts connections and answers like a refusing server. */
async function countingListener(): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  let count = 0;
  const server = net.createServer((socket) => {
    count += 1;
    socket.end('554 5.7.1 internal service banner\r\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => count,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function send(t: TestApp, accountId: string, subject: string): Promise<string> {
  const lead = await insertLead(t.db, t.orgA.organization_id, `Lead ${subject}`, [{ name: 'Jane Doe', emails: ['jane@acme.example'] }]);
  const { activityId } = await t.db.transaction().execute((trx) =>
    enqueueEmail(trx, {
      organizationId: t.orgA.organization_id,
      userId: t.orgA.user_id,
      leadId: lead.leadId,
      contactId: lead.contactIds[0]!,
      emailAccountId: accountId,
      senderName: 'Ann',
      senderEmail: 'ann@a.example',
      to: ['jane@acme.example'],
      subject,
      bodyHtml: '<p>Hi</p>',
    }),
  );
  return activityId;
}

const activity = (t: TestApp, id: string) => t.db.selectFrom('email_activities').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const account = (t: TestApp, id: string) => t.db.selectFrom('connected_accounts').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const settled = async (t: TestApp, id: string) => {
  await waitFor(async () => ['sent', 'error'].includes((await activity(t, id)).status), 15000, `activity ${id} settled`);
  return activity(t, id);
};
const dataDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-outbound-'));

describe('delivery worker: tenant SMTP is checked on the address it connects to', () => {
  let listener: Awaited<ReturnType<typeof countingListener>>;
  let denied: TestApp;
  let allowed: TestApp;
  before(async () => {
    listener = await countingListener();
    denied = await createTestApp({ env: { DATA_DIR: dataDir(), EMAIL_RETRY_BASE_MS: '100' } });
    allowed = await createTestApp({ env: { DATA_DIR: dataDir(), EMAIL_RETRY_BASE_MS: '100', OUTBOUND_ALLOW_HOSTS: '127.0.0.1' } });
    await startWorker(denied, denied.config);
    await startWorker(allowed, allowed.config);
  });
  after(() => listener.close());

  test('a loopback host (by address or by name) is refused: failure recorded at once, zero connections', async () => {
    const byAddress = await insertAccount(denied.db, denied.orgA.organization_id, denied.orgA.user_id, { email: 'ann@a.example', smtpPort: listener.port });
    const byName = await insertAccount(denied.db, denied.orgA.organization_id, denied.orgA.user_id, { email: 'ann@a.example', smtpPort: listener.port });
    await denied.db.updateTable('connected_accounts').set({ smtp_host: 'localhost' }).where('id', '=', byName).execute();
    const neighbour = await insertAccount(denied.db, denied.orgB.organization_id, denied.orgB.user_id, { email: 'bob@b.example' });

    for (const [accountId, expected] of [
      [byAddress, /^127\.0\.0\.1 is a loopback address; .*OUTBOUND_ALLOW_HOSTS/],
      [byName, /^localhost resolves to 127\.0\.0\.1, a loopback address; .*OUTBOUND_ALLOW_HOSTS/],
    ] as const) {
      const id = await send(denied, accountId, `refused ${accountId}`);
      const row = await settled(denied, id);
      assert.equal(row.status, 'error');
      assert.match(row.error_message ?? '', expected);
      assert.doesNotMatch(row.error_message ?? '', /banner/);
      assert.equal(row.send_attempts.length, 1, 'a refusal is not retried');
      assert.equal(row.send_attempts[0]!.status, 'rejected');
      const acct = await account(denied, accountId);
      assert.match(acct.latest_send_error ?? '', expected);
    }
    assert.equal((await account(denied, neighbour)).latest_send_error, null);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(listener.connections(), 0);
  });

  test('with 127.0.0.1 in OUTBOUND_ALLOW_HOSTS the worker connects', async () => {
    const accountId = await insertAccount(allowed.db, allowed.orgA.organization_id, allowed.orgA.user_id, { email: 'ann@a.example', smtpPort: listener.port });
    const before = listener.connections();
    const row = await settled(allowed, await send(allowed, accountId, 'allowed'));
    assert.ok(listener.connections() > before);
    // It did talk to the listener: the listener's own refusal is what got recorded.
    assert.equal(row.status, 'error');
    assert.match(row.error_message ?? '', /internal service banner/);
  });
});

describe('delivery worker: STARTTLS is required unless the account opts out', () => {
  let t: TestApp;
  let server: SMTPServer;
  let port = 0;
  let authAttempts = 0;
  const received: string[] = [];
  before(async () => {
    server = new SMTPServer({
      // No STARTTLS, and AUTH accepted in the clear: the worst server for a password.
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      authOptional: true,
      logger: false,
      closeTimeout: 200,
      onAuth(auth, _session, callback) {
        authAttempts += 1;
        callback(null, { user: auth.username });
      },
      onData(stream, _session, callback) {
        let raw = '';
        stream.on('data', (chunk: Buffer) => (raw += chunk.toString()));
        stream.on('end', () => {
          received.push(raw);
          callback();
        });
      },
    });
    server.on('error', () => {});
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    port = (server.server.address() as net.AddressInfo).port;
    t = await createTestApp({ env: { DATA_DIR: dataDir(), OUTBOUND_ALLOW_HOSTS: '127.0.0.1' } });
    await startWorker(t, t.config);
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('without require_tls: false nothing is sent and the password never leaves; opting out sends', async () => {
    const created = await t.call('POST', '/api/v1/connected_account/', {
      body: { email: 'ann@a.example', smtp: { host: '127.0.0.1', port, use_ssl: false, username: 'ann', password: 'pw-never-in-clear' } },
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assert.equal(created.body.smtp.require_tls, true);
    const accountId = created.body.id;

    const refused = await settled(t, await send(t, accountId, 'needs tls'));
    assert.equal(refused.status, 'error');
    assert.match(refused.error_message ?? '', /STARTTLS/);
    assert.match(refused.error_message ?? '', /smtp\.require_tls/);
    assert.equal(authAttempts, 0);
    assert.equal(received.length, 0);
    assert.match((await account(t, accountId)).latest_send_error ?? '', /STARTTLS/);

    const optOut = await t.call('PUT', `/api/v1/connected_account/${accountId}/`, { body: { smtp: { require_tls: false } } });
    assert.equal(optOut.body.smtp.require_tls, false);
    const sent = await settled(t, await send(t, accountId, 'plain by choice'));
    assert.equal(sent.status, 'sent', sent.error_message ?? '');
    assert.equal(authAttempts, 1);
    assert.equal(received.length, 1);
    assert.equal((await account(t, accountId)).latest_send_error, null);
  });
});
