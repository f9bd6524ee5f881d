import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { startWorker as startBulkWorker, TARGET_QUERY, waitForStatus } from '../bulk-actions/fixtures.ts';
import { signUnsubscribeToken } from '../../src/unsubscribe-links/token.ts';
import { insertAccount, insertLead, insertTemplate } from './helpers/fixtures.ts';
import { SmtpSink, waitFor } from './helpers/smtp-sink.ts';
import { startWorker as startEmailWorker } from './helpers/worker.ts';

describe('one-click unsubscribe', () => {
  let t: TestApp;
  const sink = new SmtpSink();
  let template: string;

  before(async () => {
    await sink.start();
    t = await createTestApp({ env: { DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-unsub-')), PUBLIC_URL: 'https://crm.example', OUTBOUND_ALLOW_HOSTS: '127.0.0.1' } });
    await insertAccount(t.db, t.orgA.organization_id, t.orgA.user_id, { email: 'ann@seller.example', smtpPort: sink.port });
    template = await insertTemplate(t.db, t.orgA.organization_id, 'News for {{ contact.first_name }}', '<p>Hello</p><a href="{{ unsubscribe_url }}">unsubscribe</a>');
    await insertLead(t.db, t.orgA.organization_id, 'Target Alpha', [{ name: 'Xavier X', emails: ['xavier@alpha.example'] }]);
    await insertLead(t.db, t.orgA.organization_id, 'Target Beta', [{ name: 'Yuri Y', emails: ['yuri@beta.example'] }]);
    await startBulkWorker(t);
    await startEmailWorker(t, t.config);
  });

  async function sendBulk() {
    const res = await t.call('POST', '/api/v1/bulk_action/email/', { body: { s_query: TARGET_QUERY, contact_preference: 'lead', template_id: template, send_done_email: false } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    await waitForStatus(t.db, res.body.id, ['done', 'error']);
    const activities = await t.db.selectFrom('email_activities').selectAll().where('bulk_email_action_id', '=', res.body.id).execute();
    await waitFor(() => activities.every((a) => sink.countOf(a.message_id) === 1), 15000, 'delivery');
    const items = await t.call('GET', `/api/v1/bulk_action/email/${res.body.id}/items/`);
    return { activities, items: items.body.data as any[] };
  }

  const unsubscribed = async (org: string) =>
    (await t.db.selectFrom('unsubscribed_emails').select('email').where('organization_id', '=', org).execute()).map((r) => r.email);

  test('the List-Unsubscribe URL of a received message unsubscribes by one-click POST, and the next bulk email skips the address', async () => {
    const first = await sendBulk();
    assert.equal(first.activities.length, 2);
    const mail = sink.received.find((m) => m.envelopeTo[0] === 'xavier@alpha.example')!;
    const header = /^List-Unsubscribe: <([^>]+)>\r$/m.exec(mail.raw.replace(/\r\n[ \t]+/g, ' '))![1]!;
    const url = new URL(header);
    assert.equal(url.origin, 'https://crm.example');

    const page = await t.app.inject({ method: 'GET', url: url.pathname });
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['content-type']), /text\/html/);
    assert.match(page.body, /xavier@alpha\.example/);
    assert.match(page.body, /<form method="post">/);
    assert.deepEqual(await unsubscribed(t.orgA.organization_id), [], 'GET alone does not unsubscribe');

    const click = await t.app.inject({
      method: 'POST',
      url: url.pathname,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'List-Unsubscribe=One-Click',
    });
    assert.equal(click.statusCode, 200);
    assert.deepEqual(await unsubscribed(t.orgA.organization_id), ['xavier@alpha.example']);
    assert.deepEqual(await unsubscribed(t.orgB.organization_id), []);
    const again = await t.app.inject({ method: 'POST', url: url.pathname });
    assert.equal(again.statusCode, 200, 'a second click is harmless');
    const events = await t.db.selectFrom('events').select('object_id').where('organization_id', '=', t.orgA.organization_id).where('object_type', '=', 'unsubscribed_email').execute();
    assert.deepEqual(events.map((e) => e.object_id), ['xavier@alpha.example']);

    const before = sink.received.length;
    const second = await sendBulk();
    assert.deepEqual(second.activities.map((a) => a.recipient_email), ['yuri@beta.example']);
    const skipped = second.items.find((i) => i.status === 'skipped');
    assert.equal(skipped.reason, 'unsubscribed');
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(sink.received.slice(before).map((m) => m.envelopeTo[0]), ['yuri@beta.example']);
  });

  test('a forged or tampered token is a 404 and unsubscribes nobody; no API key is needed for a valid one', async () => {
    const forged = signUnsubscribeToken('not-the-secret', t.orgA.organization_id, 'yuri@beta.example');
    for (const method of ['GET', 'POST'] as const) {
      const res = await t.app.inject({ method, url: `/unsubscribe/${forged}` });
      assert.equal(res.statusCode, 404);
    }
    const mail = sink.received.find((m) => m.envelopeTo[0] === 'yuri@beta.example')!;
    const token = /\/unsubscribe\/([^>\s]+)>/.exec(mail.raw.replace(/\r\n[ \t]+/g, ' '))![1]!;
    const [payload, mac] = token.split('.');
    const otherOrg = Buffer.from(`${t.orgB.organization_id}\nyuri@beta.example`).toString('base64url');
    const swapped = await t.app.inject({ method: 'POST', url: `/unsubscribe/${otherOrg}.${mac}` });
    assert.equal(swapped.statusCode, 404);
    assert.ok(payload);
    assert.deepEqual(await unsubscribed(t.orgB.organization_id), []);
    assert.ok(!(await unsubscribed(t.orgA.organization_id)).includes('yuri@beta.example'));
  });
});
