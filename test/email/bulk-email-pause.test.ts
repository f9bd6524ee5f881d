import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { startWorker as startBulkWorker, TARGET_QUERY, waitFor as waitForValue, waitForStatus } from '../bulk-actions/fixtures.ts';
import { insertAccount, insertLead, insertTemplate } from './helpers/fixtures.ts';
import { SmtpSink, waitFor } from './helpers/smtp-sink.ts';
import { startWorker as startEmailWorker } from './helpers/worker.ts';

describe('pausing a bulk email', () => {
  let t: TestApp;
  const sink = new SmtpSink();
  let template: string;

  before(async () => {
    await sink.start();
    t = await createTestApp({
      env: { DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-pause-')), BULK_BATCH_SIZE: '2', BULK_BATCH_DELAY_MS: '400', OUTBOUND_ALLOW_HOSTS: '127.0.0.1' },
    });
    await insertAccount(t.db, t.orgA.organization_id, t.orgA.user_id, { email: 'ann@a.example', smtpPort: sink.port });
    template = await insertTemplate(t.db, t.orgA.organization_id, 'Hi {{ contact.first_name }}', 'x');
    for (let i = 0; i < 12; i++) await insertLead(t.db, t.orgA.organization_id, `Target ${i}`, [{ name: `P${i}`, emails: [`p${i}@x.example`] }]);
    await startBulkWorker(t);
    await startEmailWorker(t, t.config);
  });

  test('stops new messages being enqueued; messages already queued are still delivered; resuming sends the rest once', async () => {
    const res = await t.call('POST', '/api/v1/bulk_action/email/', { body: { s_query: TARGET_QUERY, contact_preference: 'lead', template_id: template, send_done_email: false } });
    assert.equal(res.status, 200);
    const id = res.body.id;
    await waitForValue(async () => (await t.db.selectFrom('bulk_actions').select('n_leads_processed').where('id', '=', id).executeTakeFirst())!.n_leads_processed >= 2, 20000, 'first batch');
    const paused = await t.call('PUT', `/api/v1/bulk_action/email/${id}/`, { body: { status: 'paused' } });
    assert.equal(paused.status, 200, JSON.stringify(paused.body));
    const count = async () => (await t.db.selectFrom('email_activities').select('id').where('bulk_email_action_id', '=', id).execute()).length;
    const atPause = await count();
    assert.ok(atPause >= 2 && atPause < 12, `${atPause} queued at the pause`);
    const action = await t.db.selectFrom('bulk_actions').select('n_objects_processed').where('id', '=', id).executeTakeFirstOrThrow();
    assert.equal(action.n_objects_processed, atPause);
    // Already queued mail is delivered although the action is paused.
    await waitFor(() => sink.received.length === atPause, 15000, 'queued mail delivered');
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(await count(), atPause, 'nothing enqueued while paused');
    assert.equal(sink.received.length, atPause);

    const resumed = await t.call('PUT', `/api/v1/bulk_action/email/${id}/`, { body: { status: 'resuming' } });
    assert.equal(resumed.status, 200, JSON.stringify(resumed.body));
    await waitForStatus(t.db, id, ['done']);
    await waitFor(() => sink.received.length === 12, 20000, 'all delivered');
    const to = sink.received.map((m) => m.envelopeTo[0]).sort();
    assert.equal(new Set(to).size, 12, 'each address once');
  });
});
