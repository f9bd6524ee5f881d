import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { simpleParser } from 'mailparser';
import { sendPendingDoneEmails } from '../../src/bulk-actions/done-email.ts';
import { createSystemMailer } from '../../src/mailer/system-mailer.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { insertCustomField, insertLeads, startWorker, statuses, TARGET_QUERY, waitFor, waitForStatus } from './fixtures.ts';
import { startSmtpSink, type SmtpSink } from './smtp.ts';

describe('done email over SMTP', () => {
  let t: TestApp;
  let sink: SmtpSink;
  before(async () => {
    sink = await startSmtpSink();
    t = await createTestApp({ env: { SMTP_URL: sink.url, BULK_BATCH_SIZE: '4' } });
    await startWorker(t);
  });

  const mailsFor = (id: string) => sink.messages.filter((m) => m.text?.includes(id));

  test('exactly one email to the creating user when the action is done, with its counts', async () => {
    await insertLeads(t.db, t.orgA.organization_id, 9);
    await insertLeads(t.db, t.orgB.organization_id, 2);
    const [, , qualified] = await statuses(t.db, t.orgA.organization_id);
    const res = await t.call('POST', '/api/v1/bulk_action/edit/', { body: { s_query: TARGET_QUERY, type: 'set_lead_status', lead_status_id: qualified!.id } });
    await waitForStatus(t.db, res.body.id, ['done']);
    await waitFor(async () => mailsFor(res.body.id).length > 0 || undefined);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const mails = mailsFor(res.body.id);
    assert.equal(mails.length, 1);
    const index = sink.messages.indexOf(mails[0]!);
    assert.deepEqual(sink.recipients[index], ['alice@a.example']);
    assert.equal(mails[0]!.subject, 'Bulk edit done: 9 of 9 leads');
    assert.match(mails[0]!.text!, /Leads matched: 9/);
    assert.match(mails[0]!.text!, /Leads processed: 9/);
    const row = await t.db.selectFrom('bulk_actions').selectAll().where('id', '=', res.body.id).executeTakeFirstOrThrow();
    assert.equal(row.done_email_state, 'sent');
    assert.ok(row.done_email_sent_at);
    // A later sweep finds nothing more to send.
    assert.equal(await sendPendingDoneEmails(t.db, createSystemMailer(t.config)), 0);
    assert.equal(mailsFor(res.body.id).length, 1);
  });

  test('send_done_email: false sends nothing; an action ending in error is reported', async () => {
    const quiet = await t.call('POST', '/api/v1/bulk_action/delete/', { body: { s_query: { type: 'id', value: 'lead_none' }, send_done_email: false } });
    await waitForStatus(t.db, quiet.body.id, ['done']);
    const field = await insertCustomField(t.db, t.orgA.organization_id, { name: 'Gone', type: 'text' });
    const failing = await t.call('POST', '/api/v1/bulk_action/edit/', {
      body: { s_query: TARGET_QUERY, type: 'set_custom_field', custom_field_id: field, custom_field_value: 'v' },
    });
    await t.db.deleteFrom('custom_fields').where('id', '=', field).execute();
    await waitForStatus(t.db, failing.body.id, ['error']);
    await waitFor(async () => mailsFor(failing.body.id).length > 0 || undefined);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(mailsFor(quiet.body.id).length, 0);
    const row = await t.db.selectFrom('bulk_actions').select('done_email_state').where('id', '=', quiet.body.id).executeTakeFirstOrThrow();
    assert.equal(row.done_email_state, null);
    const [mail] = mailsFor(failing.body.id);
    assert.equal(mailsFor(failing.body.id).length, 1);
    assert.match(mail!.subject!, /^Bulk edit failed/);
    assert.match(mail!.text!, /Error: .*Gone/);
  });

  test('a crash after the final transition still sends; a crash mid-send never sends twice', async () => {
    const [, , qualified] = await statuses(t.db, t.orgA.organization_id);
    const a = await t.call('POST', '/api/v1/bulk_action/edit/', { body: { s_query: { type: 'id', value: 'lead_none' }, type: 'set_lead_status', lead_status_id: qualified!.id } });
    await waitForStatus(t.db, a.body.id, ['done']);
    await waitFor(async () => mailsFor(a.body.id).length > 0 || undefined);
    // As if the process died after committing `done` (pending) but before sending:
    await t.db.updateTable('bulk_actions').set({ done_email_state: 'pending', done_email_sent_at: null }).where('id', '=', a.body.id).execute();
    // The next sweep sends it: ours, or the running worker's if it claims the row first (then ours
    // finds nothing and returns before that send has reached the sink), so wait for it.
    await sendPendingDoneEmails(t.db, createSystemMailer(t.config));
    await waitFor(async () => mailsFor(a.body.id).length >= 2 || undefined, 10_000, 'the pending done email');
    assert.equal(mailsFor(a.body.id).length, 2, 'pending is sent once by the next sweep');
    // As if it died between claiming (sending) and recording the send: never retried.
    await t.db.updateTable('bulk_actions').set({ done_email_state: 'sending' }).where('id', '=', a.body.id).execute();
    assert.equal(await sendPendingDoneEmails(t.db, createSystemMailer(t.config)), 0);
    assert.equal(mailsFor(a.body.id).length, 2);
  });
});

describe('done email without SMTP_URL', () => {
  test('is written as one .eml file in DATA_DIR/outbox', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-outbox-'));
    const t = await createTestApp({ env: { DATA_DIR: dataDir } });
    await startWorker(t);
    await insertLeads(t.db, t.orgA.organization_id, 3);
    const res = await t.call('POST', '/api/v1/bulk_action/delete/', { body: { s_query: TARGET_QUERY } });
    await waitForStatus(t.db, res.body.id, ['done']);
    const dir = path.join(dataDir, 'outbox');
    const files = await waitFor(async () => {
      const list = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.eml')) : [];
      return list.length > 0 ? list : undefined;
    });
    assert.equal(files.length, 1);
    const mail = await simpleParser(fs.readFileSync(path.join(dir, files[0]!)));
    assert.equal(mail.subject, 'Bulk delete done: 3 of 3 leads');
    assert.match(mail.text!, new RegExp(res.body.id));
  });
});
