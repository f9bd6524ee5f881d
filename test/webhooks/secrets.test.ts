/**
 * Webhook signature keys are stored secrets like SMTP passwords: sealed under SECRET_KEY, and
 * re-encrypted by `sluice secrets rotate` (rotateSecrets), after which the key the receiver was
 * given still signs the deliveries.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadKeyring } from '../../src/secrets/keyring.ts';
import { rotateSecrets } from '../../src/secrets/rotate-secrets.ts';
import { openSecret, sealedKeyId } from '../../src/secrets/sealed-secret.ts';
import { WEBHOOK_KEY_CONTEXT } from '../../src/secrets/stored-secrets.ts';
import { loadConfig } from '../../src/config.ts';
import { recordEvent } from '../../src/events/record-event.ts';
import { createTestApp } from '../helpers/app.ts';
import { expectedSignature, startReceiver, startWebhookWorker, waitFor } from './receiver.ts';

const OLD = 'the-old-secret-key-0123456789abcdef';
const NEW = 'the-new-secret-key-0123456789abcdef';
const keys = (secretKey: string, previous: string[] = []) => ({ secretKey, secretKeysPrevious: previous, dataDir: '/nonexistent' });

describe('webhook signature keys at rest', () => {
  test('sealed under SECRET_KEY, rotated by rotateSecrets, and the same key signs after the rotation', async () => {
    const t = await createTestApp({ env: { SECRET_KEY: OLD, OUTBOUND_ALLOW_HOSTS: '127.0.0.1' } });
    const receiver = await startReceiver();
    const hook = (await t.call('POST', '/api/v1/webhook/', { body: { url: receiver.url, events: [{ object_type: 'lead', action: 'updated' }] } })).body;
    const stored = async () => (await t.db.selectFrom('webhooks').select('signature_key').where('id', '=', hook.id).executeTakeFirstOrThrow()).signature_key;
    const oldKeyring = loadKeyring(keys(OLD));
    assert.equal(sealedKeyId(await stored()), oldKeyring.current.id);
    assert.equal(openSecret(oldKeyring, await stored(), WEBHOOK_KEY_CONTEXT), hook.signature_key);

    const newKeyring = loadKeyring(keys(NEW, [OLD]));
    const result = await rotateSecrets(t.db, newKeyring);
    assert.equal(result.failed.length, 0);
    assert.ok(result.reencrypted >= 1);
    assert.equal(sealedKeyId(await stored()), newKeyring.current.id);
    assert.equal(openSecret(loadKeyring(keys(NEW)), await stored(), WEBHOOK_KEY_CONTEXT), hook.signature_key);

    // A worker holding only the new key signs with the key the receiver was given.
    await startWebhookWorker(t, { config: loadConfig({ ...process.env, DATA_DIR: '/tmp/sluice-test-data', SECRET_KEY: NEW, OUTBOUND_ALLOW_HOSTS: '127.0.0.1' }) });
    await recordEvent(t.db, { organizationId: t.orgA.organization_id, objectType: 'lead', objectId: 'lead_k', action: 'updated' });
    const [got] = await waitFor(() => receiver.of(hook.id).length > 0 && receiver.of(hook.id), 'the delivery');
    assert.equal(got!.headers['close-sig-hash'], expectedSignature(hook.signature_key, String(got!.headers['close-sig-timestamp']), got!.raw));
  });
});
