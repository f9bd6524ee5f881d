import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { startWorker as startBulkWorker, TARGET_QUERY, waitForStatus } from '../bulk-actions/fixtures.ts';
import { insertAccount, insertLead, insertTemplate } from './helpers/fixtures.ts';
import { SmtpSink, waitFor } from './helpers/smtp-sink.ts';
import { startWorker as startEmailWorker } from './helpers/worker.ts';

// Leads are processed in creation order, so "the first of two leads with the same address" is One.
const BY_CREATION = [{ direction: 'asc', field: { type: 'regular_field', object_type: 'lead', field_name: 'date_created' } }];

describe('bulk email', () => {
  let t: TestApp;
  const sink = new SmtpSink();
  let template: string;
  let account: string;
  const lead: Record<string, { leadId: string; contactIds: string[] }> = {};

  before(async () => {
    await sink.start();
    t = await createTestApp({
      env: { DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bulk-email-')), BULK_BATCH_SIZE: '2', PUBLIC_URL: 'https://crm.example', OUTBOUND_ALLOW_HOSTS: '127.0.0.1' },
    });
    const org = t.orgA.organization_id;
    account = await insertAccount(t.db, org, t.orgA.user_id, { email: 'ann@seller.example', name: 'Ann Seller', smtpPort: sink.port });
    await insertAccount(t.db, t.orgB.organization_id, t.orgB.user_id, { email: 'bob@b.example', smtpPort: sink.port });
    template = await insertTemplate(
      t.db,
      org,
      'Hi {{ contact.first_name | default: "there" }} at {{ lead.display_name }}',
      '<p>Dear {{ contact.name }},</p><p>{{ user.first_name }} of {{ organization.name }}</p><a href="{{ unsubscribe_url }}">Unsubscribe</a>',
      'Intro',
    );
    lead.one = await insertLead(t.db, org, 'Target One', [
      { name: 'Jane Doe', emails: ['jane@one.example', 'jane.alt@one.example'] },
      { name: 'John Roe', emails: ['JOHN@one.example'] },
    ]);
    lead.two = await insertLead(t.db, org, 'Target Two', [
      { name: 'No Mail', emails: [] },
      { name: 'Mary Major', emails: ['mary@two.example'] },
    ]);
    lead.three = await insertLead(t.db, org, 'Target Three', [{ name: 'Silent', emails: [] }]);
    lead.four = await insertLead(t.db, org, 'Target Four', [
      { name: 'Una Sub', emails: ['unsub@four.example'] },
      { name: 'Jane Again', emails: ['Jane@One.example'] },
    ]);
    lead.other = await insertLead(t.db, org, 'Other Lead', [{ name: 'Not Matched', emails: ['other@other.example'] }]);
    lead.b = await insertLead(t.db, t.orgB.organization_id, 'Target B', [{ name: 'Bea', emails: ['bea@b.example'] }]);
    await t.db.insertInto('unsubscribed_emails').values({ organization_id: org, email: 'unsub@four.example' }).execute();
    await startBulkWorker(t);
    await startEmailWorker(t, t.config);
  });

  async function run(body: Record<string, unknown>) {
    const res = await t.call('POST', '/api/v1/bulk_action/email/', { body: { s_query: TARGET_QUERY, sort: BY_CREATION, send_done_email: false, template_id: template, ...body } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    await waitForStatus(t.db, res.body.id, ['done', 'error']);
    const done = await t.call('GET', `/api/v1/bulk_action/email/${res.body.id}/`);
    const activities = await t.db.selectFrom('email_activities').selectAll().where('bulk_email_action_id', '=', res.body.id).execute();
    await waitFor(() => activities.every((a) => sink.countOf(a.message_id) === 1), 15000, 'delivery');
    const ids = activities.map((a) => a.id);
    await waitFor(async () => ids.length === 0 || (await t.db.selectFrom('email_activities').select('status').where('id', 'in', ids).execute()).every((r) => r.status === 'sent'), 5000, 'sent recorded');
    const mails = sink.received.filter((m) => activities.some((a) => a.message_id === m.messageId));
    const items = await t.call('GET', `/api/v1/bulk_action/email/${res.body.id}/items/`);
    return { created: res.body, done: done.body, activities, mails, items: items.body.data as any[] };
  }

  const recipients = (mails: { envelopeTo: string[] }[]) => mails.flatMap((m) => m.envelopeTo.map((a) => a.toLowerCase())).sort();

  test("contact_preference lead: the first email of each lead's first contact that has one", async () => {
    const { created, done, mails, items } = await run({ contact_preference: 'lead' });
    assert.match(created.id, /^bulkemail_/);
    assert.equal(created.template_id, template);
    assert.equal(created.contact_preference, 'lead');
    assert.equal(created.email_account_id, account);
    assert.equal(created.sender, 'ann@seller.example');
    assert.equal(done.status, 'done');
    assert.equal(done.n_leads, 4);
    assert.equal(done.n_objects, 2);
    assert.equal(done.n_objects_processed, 2);
    assert.deepEqual(recipients(mails), ['jane@one.example', 'mary@two.example']);
    const byLead = new Map(items.map((i) => [i.lead_id, i]));
    assert.equal(byLead.get(lead.three!.leadId).status, 'skipped');
    assert.equal(byLead.get(lead.three!.leadId).reason, 'no_email');
    assert.equal(byLead.get(lead.four!.leadId).status, 'skipped');
    assert.equal(byLead.get(lead.four!.leadId).reason, 'unsubscribed');
    assert.equal(byLead.get(lead.one!.leadId).status, 'done');
  });

  test('contact_preference contact: the first email of each contact; unsubscribed and duplicate addresses skipped', async () => {
    const { done, mails, items, activities } = await run({ contact_preference: 'contact' });
    assert.deepEqual(recipients(mails), ['jane@one.example', 'john@one.example', 'mary@two.example']);
    assert.equal(done.n_objects, 3);
    const four = items.find((i) => i.lead_id === lead.four!.leadId);
    assert.equal(four.status, 'skipped');
    assert.equal(four.reason, 'duplicate,unsubscribed');
    const john = activities.find((a) => a.recipient_email === 'john@one.example')!;
    assert.equal(john.contact_id, lead.one!.contactIds[1]);
    assert.equal(john.lead_id, lead.one!.leadId);
  });

  test('contact_preference all: every email of every contact, each rendered for its own contact', async () => {
    const { done, mails } = await run({ contact_preference: 'all' });
    assert.deepEqual(recipients(mails), ['jane.alt@one.example', 'jane@one.example', 'john@one.example', 'mary@two.example']);
    assert.equal(done.n_objects, 4);
    const byTo = new Map(mails.map((m) => [m.envelopeTo[0]!.toLowerCase(), m]));
    assert.equal(byTo.get('jane@one.example')!.parsed.subject, 'Hi Jane at Target One');
    assert.equal(byTo.get('john@one.example')!.parsed.subject, 'Hi John at Target One');
    assert.equal(byTo.get('mary@two.example')!.parsed.subject, 'Hi Mary at Target Two');
    const html = String(byTo.get('mary@two.example')!.parsed.html);
    assert.match(html, /Dear Mary Major,/);
    assert.match(html, /Alice of Org A/);
    const link = /href="(https:\/\/crm\.example\/unsubscribe\/[^"]+)"/.exec(html)![1]!;
    assert.ok(String(byTo.get('mary@two.example')!.raw.replace(/\r\n[ \t]+/g, ' ')).includes(`<${link}>`), 'body link and List-Unsubscribe header agree');
    assert.equal(byTo.get('mary@two.example')!.parsed.from?.value[0]?.name, 'Ann Seller');
    assert.equal(recipients(sink.received).filter((a) => a === 'bea@b.example' || a === 'other@other.example').length, 0);
  });

  test('activities of a bulk email are listed by bulk_email_action_id; the list filters by template_id', async () => {
    const { created, activities } = await run({ contact_preference: 'lead' });
    const list = await t.call('GET', `/api/v1/activity/email/?bulk_email_action_id=${created.id}`);
    assert.deepEqual(list.body.data.map((a: any) => a.id).sort(), activities.map((a) => a.id).sort());
    for (const a of list.body.data) {
      assert.equal(a.bulk_email_action_id, created.id);
      assert.equal(a.template_id, template);
      assert.equal(a.template_name, 'Intro');
      assert.equal(a.status, 'sent');
      assert.equal(a._type, 'Email');
      assert.equal(a.direction, 'outgoing');
    }
    const other = await insertTemplate(t.db, t.orgA.organization_id, 'x', 'y');
    const filtered = await t.call('GET', `/api/v1/bulk_action/email/?template_id=${template}`);
    assert.ok(filtered.body.data.length >= 1);
    assert.ok(filtered.body.data.every((a: any) => a.template_id === template));
    const none = await t.call('GET', `/api/v1/bulk_action/email/?template_id=${other}`);
    assert.deepEqual(none.body.data, []);
    const fromB = await t.call('GET', `/api/v1/bulk_action/email/${created.id}/`, { key: t.orgB.api_key });
    assert.equal(fromB.status, 404);
  });

  test('refused: missing or unknown template, another organization’s template, a sender the account does not own', async () => {
    const post = (body: Record<string, unknown>, key?: string) =>
      t.call('POST', '/api/v1/bulk_action/email/', { body: { s_query: TARGET_QUERY, contact_preference: 'lead', ...body }, key });
    const missing = await post({});
    assert.equal(missing.status, 400);
    assert.ok(missing.body['field-errors'].template_id);
    const unknown = await post({ template_id: 'tmpl_nope' });
    assert.ok(unknown.body['field-errors'].template_id);
    const theirs = await post({ template_id: template }, t.orgB.api_key);
    assert.equal(theirs.status, 400);
    assert.ok(theirs.body['field-errors'].template_id);
    const badSender = await post({ template_id: template, email_account_id: account, sender: 'ceo@elsewhere.example' });
    assert.equal(badSender.status, 400);
    assert.ok(badSender.body['field-errors'].sender);
    const badPreference = await post({ template_id: template, contact_preference: 'everyone' });
    assert.ok(badPreference.body['field-errors'].contact_preference);
    const count = await t.db.selectFrom('bulk_actions').select((eb) => eb.fn.countAll<number>().as('n')).where('params', '@>', JSON.stringify({ template_id: 'tmpl_nope' }) as never).executeTakeFirst();
    assert.equal(Number(count?.n ?? 0), 0);
  });

  test('a user without a sender account gets a 400 unless email_account_id names one', async () => {
    const bTemplate = await insertTemplate(t.db, t.orgB.organization_id, 's', 'b');
    await t.db.deleteFrom('connected_accounts').where('organization_id', '=', t.orgB.organization_id).execute();
    const res = await t.call('POST', '/api/v1/bulk_action/email/', {
      body: { s_query: TARGET_QUERY, contact_preference: 'lead', template_id: bTemplate },
      key: t.orgB.api_key,
    });
    assert.equal(res.status, 400);
    assert.ok(res.body['field-errors'].email_account_id);
    const foreign = await t.call('POST', '/api/v1/bulk_action/email/', {
      body: { s_query: TARGET_QUERY, contact_preference: 'lead', template_id: bTemplate, email_account_id: account },
      key: t.orgB.api_key,
    });
    assert.equal(foreign.status, 400);
    assert.ok(foreign.body['field-errors'].email_account_id);
  });

  test('sender_account_id / sender_name / sender_email are accepted as in bulk sequence subscription', async () => {
    const { created, mails } = await run({ contact_preference: 'lead', sender_account_id: account, sender_name: 'Team Seller', sender_email: 'ann@seller.example' });
    assert.equal(created.sender_name, 'Team Seller');
    assert.ok(mails.length > 0);
    for (const m of mails) assert.equal(m.parsed.from?.value[0]?.name, 'Team Seller');
  });
});
