/**
 * Starting bulk actions from the leads page in a real browser: a bulk edit that reaches done with
 * the leads changed (and its items, filtered and as CSV); an API field error shown next to its
 * control with nothing typed lost; a bulk delete refused until its exact count is typed; a bulk email
 * previewed, then delivered to an in-process SMTP sink.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { insertAccount, insertLead } from '../email/helpers/fixtures.ts';
import { SmtpSink } from '../email/helpers/smtp-sink.ts';
import { cspViolations, screenshotBoth, seriousViolations, signIn, startConsole, until, type ConsoleServer } from './helpers/console.ts';

describe('console: starting bulk actions', () => {
  let s: ConsoleServer;
  const sink = new SmtpSink();
  let statuses: { id: string; label: string }[];
  let sequenceId: string;
  let tags: string;
  let score: string;

  before(async () => {
    await sink.start();
    s = await startConsole({ emailWorker: true, env: { BULK_BATCH_SIZE: '5' } });
    statuses = (await s.t.call('GET', '/api/v1/status/lead/')).body.data;
    const org = s.t.orgA.organization_id;
    for (let i = 0; i < 12; i++) await insertLead(s.t.db, org, `Editme ${i}`, [{ name: `E ${i}`, emails: [] }]);
    for (let i = 0; i < 3; i++) await insertLead(s.t.db, org, `Doomed ${i}`, [{ name: `D ${i}`, emails: [] }]);
    await insertLead(s.t.db, org, 'Mailto One', [{ name: 'Jane Doe', emails: ['jane@one.example'] }]);
    await insertLead(s.t.db, org, 'Mailto Two', [{ name: 'Mary Major', emails: ['mary@two.example'] }]);
    await insertLead(s.t.db, org, 'Mailto Three', [{ name: 'No Mail', emails: [] }]);
    await insertLead(s.t.db, org, 'Bystander', [{ name: 'Bea', emails: ['bea@by.example'] }]);
    // The neighbour organization has leads every filter here matches; none may change.
    await insertLead(s.t.db, s.t.orgB.organization_id, 'Editme B', [{ name: 'B', emails: [] }]);
    await insertLead(s.t.db, s.t.orgB.organization_id, 'Doomed B', [{ name: 'B', emails: [] }]);
    await insertAccount(s.t.db, org, s.t.orgA.user_id, { email: 'ann@seller.example', name: 'Ann Seller', smtpPort: sink.port });
    const tmpl = await s.t.call('POST', '/api/v1/email_template/', { body: { name: 'Hello', subject: 'Hello {{ contact.first_name }}', body: '<p>Dear {{ contact.name }} of {{ lead.display_name }}</p>' } });
    assert.equal(tmpl.status, 200, tmpl.text);
    const seq = await s.t.call('POST', '/api/v1/sequence/', { body: { name: 'Nurture', status: 'active', steps: [{ step_type: 'email', delay: 0, email_template_id: tmpl.body.id }] } });
    assert.equal(seq.status, 200, seq.text);
    sequenceId = seq.body.id;
    tags = (await s.t.call('POST', '/api/v1/custom_field/lead/', { body: { name: 'Tags', type: 'choices', choices: ['Hot', 'Cold', 'VIP'], accepts_multiple_values: true } })).body.id;
    score = (await s.t.call('POST', '/api/v1/custom_field/lead/', { body: { name: 'Score', type: 'number' } })).body.id;
    for (let i = 0; i < 4; i++) {
      const res = await s.t.call('POST', '/api/v1/lead/', { body: { name: `Tagme ${i}`, ...(i < 2 ? { [`custom.${tags}`]: ['Cold'] } : {}) } });
      assert.equal(res.status, 200, res.text);
    }
  });

  /** Signs in and filters the leads whose name starts with `word`; waits for the count. */
  async function filterByName(page: Page, word: string, expected: number) {
    if ((await page.getByTestId('who').count()) === 0) await signIn(page, s.t.orgA.api_key);
    else {
      // Signed in already (the key is in this tab's sessionStorage): a fresh leads page.
      await page.goto('/#/leads');
      await page.reload();
      await page.getByTestId('who').getByText('Org A').waitFor();
    }
    await page.getByRole('button', { name: 'Add condition' }).click();
    const leaf = page.getByTestId('condition').nth(0);
    await leaf.getByLabel('Field').selectOption({ label: 'Name' });
    await leaf.getByLabel('Text').fill(word);
    await until(async () => (await page.getByTestId('lead-count').textContent())?.startsWith(`${expected} lead`), `${expected} ${word} leads`);
  }

  const actionStatus = (page: Page) => page.getByTestId('action-status').getAttribute('data-status');

  test('a bulk edit reaches done with the leads changed; its items filter by outcome and download as CSV', async () => {
    const { context, page } = await s.newPage();
    await filterByName(page, 'Editme', 12);
    const customer = statuses.find((x) => x.label === 'Customer')!;
    await page.getByRole('button', { name: 'Bulk edit…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Edit', { exact: true }).selectOption('set_lead_status');
    await dialog.getByLabel('New status').selectOption({ label: 'Customer' });
    assert.deepEqual(await seriousViolations(page), []);
    await screenshotBoth(page, 'bulk-edit-dialog');
    await dialog.getByRole('button', { name: 'Start bulk edit' }).click();
    await page.waitForURL(/#\/bulk\/edit\/bulkedit_/);
    await until(async () => (await actionStatus(page)) === 'done', 'the edit to finish');
    await page.getByText('12 of 12 leads').waitFor();

    const leads = (await s.t.db.selectFrom('leads').select(['name', 'status_id', 'organization_id']).execute()) as { name: string; status_id: string; organization_id: string }[];
    for (const l of leads.filter((x) => x.organization_id === s.t.orgA.organization_id && x.name.startsWith('Editme'))) assert.equal(l.status_id, customer.id, l.name);
    for (const l of leads.filter((x) => !x.name.startsWith('Editme') || x.organization_id !== s.t.orgA.organization_id)) assert.notEqual(l.status_id, customer.id, l.name);

    await page.getByLabel('Outcome').selectOption('done');
    await until(async () => (await page.getByTestId('item-row').count()) === 12, '12 done items');
    await page.getByLabel('Outcome').selectOption('skipped');
    await page.getByText('No items with outcome skipped.').waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
    await page.getByLabel('Outcome').selectOption('');
    await until(async () => (await page.getByTestId('item-row').count()) === 12, 'all 12 items again');
    const [all] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
    const skippedCsv = fs.readFileSync((await download.path())!, 'utf8').trim().split('\r\n');
    assert.deepEqual(skippedCsv, ['position,lead_id,status,reason,n_objects,date_updated']);
    const csv = fs.readFileSync((await all.path())!, 'utf8').trim().split('\r\n');
    assert.equal(csv.length, 13);
    assert.ok(csv.slice(1).every((line) => line.includes('"done"')));
    assert.deepEqual(await seriousViolations(page), []);
    await screenshotBoth(page, 'bulk-action-page');
    await page.goto('/#/bulk');
    await page.getByTestId('bulk-row').first().waitFor();
    assert.match((await page.getByTestId('bulk-row').first().textContent()) ?? '', /Set status to “Customer”/);
    assert.deepEqual(await seriousViolations(page), []);
    await screenshotBoth(page, 'bulk-actions-page');
    await context.close();
  });

  test('bulk edit with the field’s own input: add values to a multi-value choice field, then set a number', async () => {
    const { context, page } = await s.newPage();
    await filterByName(page, 'Tagme', 4);
    const run = async (fill: (dialog: ReturnType<Page['getByRole']>) => Promise<void>) => {
      await page.getByRole('button', { name: 'Bulk edit…' }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByLabel('Edit', { exact: true }).selectOption('set_custom_field');
      await fill(dialog);
      await dialog.getByLabel('Email me when it is done').uncheck();
      await dialog.getByRole('button', { name: 'Start bulk edit' }).click();
      await page.waitForURL(/#\/bulk\/edit\/bulkedit_/);
      await until(async () => (await actionStatus(page)) === 'done', 'the edit to finish');
    };
    await run(async (dialog) => {
      await dialog.getByLabel('Lead custom field').selectOption({ label: 'Tags (choices, multiple)' });
      await dialog.getByLabel('Operation').selectOption('add');
      await dialog.getByLabel('Hot').check();
      await dialog.getByLabel('VIP').check();
    });
    const leads = async () => (await s.t.call('GET', '/api/v1/lead/?_limit=100')).body.data.filter((l: any) => l.name.startsWith('Tagme'));
    for (const lead of await leads()) {
      const expected = ['Tagme 0', 'Tagme 1'].includes(lead.name) ? ['Cold', 'Hot', 'VIP'] : ['Hot', 'VIP'];
      assert.deepEqual([...lead[`custom.${tags}`]].sort(), expected, lead.name);
    }
    await filterByName(page, 'Tagme', 4);
    await run(async (dialog) => {
      await dialog.getByLabel('Lead custom field').selectOption({ label: 'Score (number)' });
      await dialog.getByLabel('New value').fill('42.5');
    });
    for (const lead of await leads()) assert.equal(lead[`custom.${score}`], 42.5, lead.name);
    await context.close();
  });

  test('a field error from the API shows next to its control, and what was typed stays', async () => {
    const { context, page } = await s.newPage(375);
    const editsBefore = (await s.t.call('GET', '/api/v1/bulk_action/edit/')).body.data.length;
    await filterByName(page, 'Doomed', 3);
    await page.getByRole('button', { name: 'Bulk edit…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Edit', { exact: true }).selectOption('set_lead_status');
    await dialog.getByLabel('Email me when it is done').uncheck();
    await dialog.getByRole('button', { name: 'Start bulk edit' }).click();
    const control = dialog.getByLabel('New status');
    await until(async () => (await control.getAttribute('aria-invalid')) === 'true', 'the field error');
    const describedBy = (await control.getAttribute('aria-describedby'))!;
    const message = await page.locator(`[id="${describedBy}"]`).textContent();
    assert.equal(message, 'This field is required for set_lead_status.');
    assert.equal(await dialog.getByLabel('Email me when it is done').isChecked(), false);
    assert.equal(await dialog.getByLabel('Edit', { exact: true }).inputValue(), 'set_lead_status');
    await screenshotBoth(page, 'bulk-edit-field-error');
    assert.equal((await s.t.call('GET', '/api/v1/bulk_action/edit/')).body.data.length, editsBefore, 'no action created');
    await context.close();
  });

  test('a bulk delete is refused until the exact count is typed', async () => {
    const { context, page } = await s.newPage();
    await filterByName(page, 'Doomed', 3);
    await page.getByRole('button', { name: 'Delete leads…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByTestId('delete-count').getByText('3', { exact: true }).waitFor();
    const button = dialog.getByRole('button', { name: 'Delete 3 leads' });
    assert.equal(await button.isDisabled(), true);
    await dialog.getByLabel('Type 3 to confirm').fill('2');
    assert.equal(await button.isDisabled(), true);
    await dialog.getByLabel('Type 3 to confirm').press('Enter'); // submitting by keyboard is refused too
    assert.equal((await s.t.call('GET', '/api/v1/bulk_action/delete/')).body.data.length, 0);
    assert.deepEqual(await seriousViolations(page), []);
    await screenshotBoth(page, 'bulk-delete-dialog');
    await dialog.getByLabel('Type 3 to confirm').fill('3');
    await button.click();
    await page.waitForURL(/#\/bulk\/delete\/bulkdel/);
    await until(async () => (await actionStatus(page)) === 'done', 'the delete to finish');
    const left = await s.t.db.selectFrom('leads').select(['name', 'organization_id']).where('name', 'like', 'Doomed%').execute();
    assert.deepEqual(left.map((l) => l.organization_id), [s.t.orgB.organization_id]);
    await context.close();
  });

  test('a bulk email shows a rendered preview of the first recipients, then the messages reach the SMTP sink', async () => {
    const { context, page } = await s.newPage();
    await filterByName(page, 'Mailto', 3);
    await page.getByRole('button', { name: 'Send bulk email…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Template').selectOption({ label: 'Hello' });
    await until(async () => (await dialog.getByTestId('email-preview').count()) === 2, 'two previews');
    await dialog.getByTestId('skip-estimate').getByText('1 of them has no contact with an email address', { exact: false }).waitFor();
    assert.deepEqual((await dialog.getByTestId('preview-subject').allTextContents()).sort(), ['Hello Jane', 'Hello Mary']);
    const frame = page.frameLocator('iframe[title="Email body for jane@one.example"]');
    await frame.getByText('Dear Jane Doe of Mailto One').waitFor();
    assert.deepEqual(await seriousViolations(page), []);
    await screenshotBoth(page, 'bulk-email-dialog');
    await dialog.getByLabel('Email me when it is done').uncheck();
    await dialog.getByRole('button', { name: 'Start bulk email' }).click();
    await page.waitForURL(/#\/bulk\/email\/bulkemail_/);
    await until(async () => (await actionStatus(page)) === 'done', 'the email action to finish');
    await until(() => sink.received.length >= 2, 'two messages at the sink');
    const got = sink.received.map((m) => [m.envelopeTo.join(','), m.parsed.subject]).sort();
    assert.deepEqual(got, [['jane@one.example', 'Hello Jane'], ['mary@two.example', 'Hello Mary']]);
    await page.getByLabel('Outcome').selectOption('skipped');
    await until(async () => (await page.getByTestId('item-row').count()) === 1, 'one skipped lead');
    assert.match((await page.getByTestId('item-row').textContent()) ?? '', /no_email/);
    await context.close();
  });

  test('a bulk sequence subscription subscribes the first contact with an email of each lead', async () => {
    const { context, page } = await s.newPage();
    await filterByName(page, 'Mailto', 3);
    await page.getByRole('button', { name: 'Sequence subscription…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Action (action_type)').selectOption('subscribe');
    await dialog.getByLabel('Sequence').selectOption({ label: 'Nurture (active)' });
    await dialog.getByLabel('Sender account').selectOption({ label: 'ann@seller.example' });
    await dialog.getByLabel('Sender name').fill('Ann Seller');
    assert.deepEqual(await seriousViolations(page), []);
    await screenshotBoth(page, 'bulk-sequence-dialog');
    await dialog.getByRole('button', { name: 'Start sequence subscription' }).click();
    await page.waitForURL(/#\/bulk\/sequence_subscription\//);
    await until(async () => (await actionStatus(page)) === 'done', 'the subscription action to finish');
    const subs = (await s.t.call('GET', `/api/v1/sequence_subscription/?sequence_id=${sequenceId}`)).body.data as any[];
    assert.deepEqual(subs.map((x) => x.contact_email).sort(), ['jane@one.example', 'mary@two.example']);
    assert.ok(subs.every((x) => x.sender_name === 'Ann Seller' && x.sender_email === 'ann@seller.example'));
    await context.close();
  });

  test('no page broke the Content-Security-Policy', () => {
    assert.deepEqual(cspViolations, []);
  });
});
