/**
 * `pause_reason` on sequence subscriptions: the older name Close still returns (its
 * export_sequence_subscriptions script reads `subscription["pause_reason"]`), beside `status_reason`.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { ManualClock } from '../../src/time.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createAccount, createLead, createTemplate } from './fixtures.ts';

describe('sequence subscription pause_reason', () => {
  const clock = new ManualClock('2026-01-05T12:00:00Z');
  let t: TestApp;
  let seqId: string;
  let lead: any;
  let sender: Record<string, string>;

  before(async () => {
    t = await createTestApp({ clock });
    const tmpl = await createTemplate(t, t.orgA, 'Hi', 'Body');
    const account = await createAccount(t, t.orgA, 'sam@a.example');
    sender = { sender_account_id: account, sender_name: 'Sam', sender_email: 'sam@a.example' };
    seqId = (await t.call('POST', '/api/v1/sequence/', { body: { name: 'S', steps: [{ step_type: 'email', delay: 3600, email_template_id: tmpl }] } })).body.id;
    lead = await createLead(t, t.orgA, 'Acme', [{ name: 'Ann', emails: ['ann@acme.example'] }, { name: 'Ben', emails: ['ben@acme.example'] }]);
  });

  test('null while active; the pause’s reason while paused (status_reason kept); null again once resumed', async () => {
    const contact = lead.contacts[0];
    const created = await t.call('POST', '/api/v1/sequence_subscription/', { body: { sequence_id: seqId, contact_id: contact.id, contact_email: 'ann@acme.example', ...sender } });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.body.pause_reason, null);
    assert.equal(created.body.status_reason, null);

    const paused = await t.call('PUT', `/api/v1/sequence_subscription/${created.body.id}/`, { body: { status: 'paused' } });
    assert.equal(paused.body.status, 'paused');
    assert.equal(paused.body.status_reason, 'manual');
    assert.equal(paused.body.pause_reason, 'manual');
    const got = await t.call('GET', `/api/v1/sequence_subscription/${created.body.id}/`);
    assert.equal(got.body.pause_reason, 'manual');
    const list = await t.call('GET', `/api/v1/sequence_subscription/?lead_id=${lead.id}`);
    assert.deepEqual(list.body.data.map((s: any) => [s.id, s.pause_reason]), [[created.body.id, 'manual']]);

    const resumed = await t.call('PUT', `/api/v1/sequence_subscription/${created.body.id}/`, { body: { status: 'active' } });
    assert.equal(resumed.body.status, 'active');
    assert.equal(resumed.body.pause_reason, null);
  });

  test('a reason that is not a pause (finished, error) is no pause_reason', async () => {
    const contact = lead.contacts[1];
    const created = await t.call('POST', '/api/v1/sequence_subscription/', { body: { sequence_id: seqId, contact_id: contact.id, contact_email: 'ben@acme.example', ...sender } });
    assert.equal(created.status, 201, created.text);
    for (const status of ['error', 'finished', 'paused'] as const) {
      await t.db.updateTable('sequence_subscriptions').set({ status, status_reason: 'email-bounced' }).where('id', '=', created.body.id).execute();
      const got = await t.call('GET', `/api/v1/sequence_subscription/${created.body.id}/`);
      assert.equal(got.body.status_reason, 'email-bounced');
      assert.equal(got.body.pause_reason, status === 'paused' ? 'email-bounced' : null, status);
    }
  });

  test('another organization’s subscription stays a 404', async () => {
    const sub = (await t.call('GET', `/api/v1/sequence_subscription/?sequence_id=${seqId}`)).body.data[0];
    const cross = await t.call('GET', `/api/v1/sequence_subscription/${sub.id}/`, { key: t.orgB.api_key });
    assert.equal(cross.status, 404);
  });
});
