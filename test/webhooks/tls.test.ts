/**
 * verify_ssl against a real HTTPS receiver with a self-signed certificate (made with the openssl
 * command line; the test is skipped where there is none): verified by default, so the attempt
 * fails on the certificate; with verify_ssl false the event is delivered.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { createTestApp } from '../helpers/app.ts';
import { onTestFileEnd } from '../helpers/db.ts';
import { recordEvent } from '../../src/events/record-event.ts';
import { startWebhookWorker, waitFor } from './receiver.ts';

function selfSigned(): { key: Buffer; cert: Buffer } | undefined {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-tls-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    return { key: fs.readFileSync(path.join(dir, 'key.pem')), cert: fs.readFileSync(path.join(dir, 'cert.pem')) };
  } catch {
    return undefined;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const tls = selfSigned();

describe('verify_ssl', { skip: tls ? false : 'no openssl command to make a certificate' }, () => {
  test('a self-signed receiver is refused while verify_ssl is true, and gets the event with verify_ssl false', async () => {
    const t = await createTestApp({ env: { OUTBOUND_ALLOW_HOSTS: '127.0.0.1' } });
    const received: string[] = [];
    const server = https.createServer({ key: tls!.key, cert: tls!.cert }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push(JSON.parse(Buffer.concat(chunks).toString()).event.id);
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    onTestFileEnd(() => new Promise((resolve) => server.close(() => resolve())));
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    await startWebhookWorker(t);
    const verified = (await t.call('POST', '/api/v1/webhook/', { body: { url, events: [{ object_type: 'lead', action: 'updated' }] } })).body;
    const unverified = (await t.call('POST', '/api/v1/webhook/', { body: { url, verify_ssl: false, events: [{ object_type: 'lead', action: 'updated' }] } })).body;
    await recordEvent(t.db, { organizationId: t.orgA.organization_id, objectType: 'lead', objectId: 'lead_tls', action: 'updated' });
    await waitFor(() => received.length === 1, 'the unverified delivery');
    const [row] = await waitFor(async () => {
      const rows = (await t.call('GET', `/api/v1/webhook/${verified.id}/deliveries/`)).body.data;
      return rows[0]?.n_attempts === 1 && rows[0].status === 'pending' && rows;
    }, 'the verified attempt to fail');
    assert.match(row.attempts[0].error, /self[- ]signed|certificate/i);
    await waitFor(async () => (await t.call('GET', `/api/v1/webhook/${unverified.id}/deliveries/?status=delivered`)).body.data.length === 1, 'recorded delivered');
    assert.equal(received.length, 1);
  });
});
