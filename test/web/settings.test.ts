/**
 * Settings pages and the lead page in a real browser, each checked with axe-core and screenshotted
 * at both widths; and the console used by keyboard alone.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { cspViolations, screenshotBoth, seriousViolations, signIn, startConsole, until, type ConsoleServer } from './helpers/console.ts';

describe('console: settings and lead pages', () => {
  let s: ConsoleServer;
  let leadId: string;

  before(async () => {
    s = await startConsole();
    const res = await s.t.call('POST', '/api/v1/lead/', {
      body: { name: 'Globex', description: 'A lead to look at', contacts: [{ name: 'Hank Scorpio', title: 'CEO', emails: [{ email: 'hank@globex.example', type: 'office' }], phones: [{ phone: '+14155550100', type: 'office' }] }] },
    });
    assert.equal(res.status, 200, res.text);
    leadId = res.body.id;
  });

  async function open(page: Page, route: string, heading: string) {
    await page.goto(`/#/${route}`);
    await page.getByRole('heading', { name: heading, exact: true }).waitFor();
  }

  async function check(page: Page, name: string) {
    assert.deepEqual(await seriousViolations(page), [], name);
    await screenshotBoth(page, name);
  }

  test('lead statuses: add, refuse a duplicate next to its field, rename, delete', async () => {
    const { context, page } = await s.newPage();
    await signIn(page, s.t.orgA.api_key);
    await open(page, 'settings/statuses', 'Lead statuses');
    await page.getByLabel('New status').fill('Nurture');
    await page.getByRole('button', { name: 'Add status' }).click();
    await page.getByLabel('Label of “Nurture”').waitFor();
    await page.getByLabel('New status').fill('nurture');
    await page.getByRole('button', { name: 'Add status' }).click();
    const input = page.getByLabel('New status');
    await until(async () => (await input.getAttribute('aria-invalid')) === 'true', 'duplicate refused');
    assert.equal(await input.inputValue(), 'nurture', 'what was typed stays');
    await page.getByLabel('Label of “Nurture”').fill('Nurturing');
    await page.getByTestId('status-row').filter({ has: page.getByLabel('Label of “Nurture”') }).getByRole('button', { name: 'Rename' }).click();
    await page.getByLabel('Label of “Nurturing”').waitFor();
    await check(page, 'settings-statuses');
    await page.getByRole('button', { name: 'Delete status Nurturing' }).click();
    await until(async () => (await page.getByLabel('Label of “Nurturing”').count()) === 0, 'deleted');
    const labels = async () => (await s.t.call('GET', '/api/v1/status/lead/')).body.data.map((x: any) => x.label);
    assert.deepEqual(await labels(), ['Potential', 'Bad Fit', 'Qualified', 'Customer']);
    await page.getByRole('button', { name: 'Move Customer up' }).click();
    await until(async () => JSON.stringify(await labels()) === JSON.stringify(['Potential', 'Bad Fit', 'Customer', 'Qualified']), 'Customer moved up');
    await until(async () => (await page.getByRole('button', { name: 'Move Qualified down' }).isDisabled()), 'the page follows');
    await context.close();
  });

  test('custom fields: a choices field with multiple values is created and edited', async () => {
    const { context, page } = await s.newPage();
    await signIn(page, s.t.orgA.api_key);
    await open(page, 'settings/lead-fields', 'Lead custom fields');
    await page.getByLabel('Name', { exact: true }).fill('Products');
    await page.getByLabel('Type').selectOption('choices');
    await page.getByLabel('Choices (one per line)').fill('Widgets\nGadgets');
    await page.getByLabel('Accepts multiple values').check();
    await page.getByRole('button', { name: 'Add field' }).click();
    await page.getByTestId('field-row').getByText('Widgets, Gadgets').waitFor();
    await page.getByRole('button', { name: 'Edit field Products' }).click();
    const row = page.getByTestId('field-row');
    await row.getByLabel('Choices (one per line)').fill('Widgets\nGadgets\nGizmos');
    await row.getByRole('button', { name: 'Save field' }).click();
    await page.getByTestId('field-row').getByText('Widgets, Gadgets, Gizmos').waitFor();
    const field = (await s.t.call('GET', '/api/v1/custom_field/lead/')).body.data.find((f: any) => f.name === 'Products');
    assert.deepEqual(field.choices, ['Widgets', 'Gadgets', 'Gizmos']);
    assert.equal(field.accepts_multiple_values, true);
    await check(page, 'settings-custom-fields');
    await context.close();
  });

  test('email templates: a live preview against a chosen lead while typing, before and after saving', async () => {
    const { context, page } = await s.newPage();
    await signIn(page, s.t.orgA.api_key);
    await open(page, 'settings/templates', 'Email templates');
    await page.getByRole('button', { name: 'New template' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Intro');
    await page.getByLabel('Subject').fill('Hi {{ contact.first_name }}');
    await page.getByLabel('Body (HTML)').fill('<p>About {{ lead.display_name }}</p>');
    // Not created yet: the preview renders the text typed (POST /email_template/render/).
    await page.getByLabel('Preview for lead').waitFor();
    await page.getByLabel('Preview for lead').selectOption({ label: 'Globex' });
    await until(async () => (await page.getByTestId('preview-subject').textContent()) === 'Hi Hank', 'rendered subject before saving');
    await page.frameLocator('iframe.preview-frame').getByText('About Globex').waitFor();
    await page.getByRole('button', { name: 'Create template' }).click();
    await page.getByRole('button', { name: 'Save template' }).waitFor();
    await page.getByLabel('Preview for lead').selectOption({ label: 'Globex' });
    await page.getByLabel('Subject').fill('Hello {{ contact.first_name }} of {{ lead.display_name }}');
    await until(async () => (await page.getByTestId('preview-subject').textContent()) === 'Hello Hank of Globex', 'preview following the edit, unsaved');
    const stored = (await s.t.call('GET', '/api/v1/email_template/')).body.data.find((t: any) => t.name === 'Intro');
    assert.equal(stored.subject, 'Hi {{ contact.first_name }}');
    await page.getByRole('button', { name: 'Save template' }).click();
    await until(async () => (await s.t.call('GET', '/api/v1/email_template/')).body.data.find((t: any) => t.name === 'Intro').subject.startsWith('Hello'), 'saved');
    await check(page, 'settings-templates');
    await page.getByRole('button', { name: 'Delete template' }).click();
    await page.getByRole('button', { name: 'Yes, delete “Intro”' }).click();
    await page.getByText('Deleted “Intro”.').waitFor();
    assert.ok(!(await s.t.call('GET', '/api/v1/email_template/')).body.data.some((t: any) => t.name === 'Intro'));
    await context.close();
  });

  test('connected accounts: the SMTP password is write-only and kept when an edit leaves it empty', async () => {
    const { context, page } = await s.newPage();
    await signIn(page, s.t.orgA.api_key);
    await open(page, 'settings/accounts', 'Connected accounts');
    await page.getByLabel('Email address').fill('sales@org-a.example');
    await page.getByLabel('Sender name').fill('Sales');
    await page.getByLabel('SMTP host').fill('127.0.0.1');
    await page.getByLabel('SMTP port').fill('2525');
    await page.getByLabel('SMTP user name').fill('sales');
    await page.getByLabel('SMTP password').fill('s3cret-pass');
    await page.getByRole('button', { name: 'Connect account' }).click();
    await page.getByTestId('account-row').getByText('sales@org-a.example').waitFor();
    const stored = async () => (await s.t.db.selectFrom('connected_accounts').select('smtp_password').where('email', '=', 'sales@org-a.example').executeTakeFirstOrThrow()).smtp_password;
    const first = await stored();
    assert.ok(first && !first.includes('s3cret-pass'), 'stored, encrypted');
    await page.getByRole('button', { name: 'Edit account sales@org-a.example' }).click();
    const row = page.getByTestId('account-row');
    assert.equal(await row.getByLabel('SMTP password').inputValue(), '', 'never prefilled');
    assert.ok(!(await page.content()).includes('s3cret-pass'));
    await row.getByLabel('SMTP port').fill('2526');
    await row.getByRole('button', { name: 'Save account' }).click();
    await page.getByText('127.0.0.1:2526').waitFor();
    assert.equal(await stored(), first, 'password kept');
    await check(page, 'settings-accounts');
    await context.close();
  });

  test('sequences: create one with a schedule and an email step, then read it back', async () => {
    await s.t.call('POST', '/api/v1/email_template/', { body: { name: 'Step one', subject: 's', body: 'b' } });
    const { context, page } = await s.newPage();
    await signIn(page, s.t.orgA.api_key);
    await open(page, 'settings/sequences', 'Sequences');
    await page.getByRole('button', { name: 'New sequence' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Onboarding');
    await page.getByLabel('Time zone (IANA)').fill('Europe/Paris');
    await page.getByLabel('Send only in these hours').check();
    await page.getByLabel('Range 1 until').fill('12:00');
    await page.getByRole('button', { name: 'Add step' }).click();
    await page.getByLabel('Step 1 template').selectOption({ label: 'Step one' });
    await page.getByRole('button', { name: 'Create sequence' }).click();
    await page.getByText('Saved “Onboarding”.').waitFor();
    const list = (await s.t.call('GET', '/api/v1/sequence/')).body.data;
    const seq = (await s.t.call('GET', `/api/v1/sequence/${list.find((x: any) => x.name === 'Onboarding').id}/`)).body;
    assert.equal(seq.timezone, 'Europe/Paris');
    assert.deepEqual(seq.schedule.ranges[0], { weekday: 1, start: '09:00', end: '12:00' });
    assert.equal(seq.steps.length, 1);
    assert.equal(seq.steps[0].step_type, 'email');
    await check(page, 'settings-sequences');
    await page.getByRole('button', { name: 'Delete sequence' }).click();
    await page.getByRole('button', { name: 'Yes, delete “Onboarding”' }).click();
    await page.getByText('Deleted “Onboarding”.').waitFor();
    assert.equal((await s.t.call('GET', `/api/v1/sequence/${seq.id}/`)).status, 404);
    await context.close();
  });

  test('the lead page shows fields, contacts and events', async () => {
    const { context, page } = await s.newPage();
    await signIn(page, s.t.orgA.api_key);
    await page.getByRole('link', { name: 'Globex' }).click();
    await page.getByRole('heading', { name: 'Globex', exact: true }).waitFor();
    await page.getByText('A lead to look at').waitFor();
    await page.getByText('hank@globex.example').waitFor();
    await page.getByText(`lead created ${leadId}`).waitFor();
    await check(page, 'lead-page');
    await context.close();
  });

  test('keyboard alone: sign in, reach the bulk actions page, open a bulk dialog and close it with Escape', async () => {
    const { context, page } = await s.newPage();
    await page.goto('/');
    await page.getByLabel('API key').waitFor();
    await page.keyboard.press('Tab');
    await page.keyboard.type(s.t.orgA.api_key);
    await page.keyboard.press('Enter');
    await page.getByTestId('who').getByText('Org A').waitFor();
    // Tab to the navigation's "Bulk actions" link and follow it.
    for (let i = 0; i < 10; i++) {
      await page.keyboard.press('Tab');
      if ((await page.evaluate(() => (globalThis as any).document.activeElement?.textContent)) === 'Bulk actions') break;
    }
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Bulk actions', exact: true }).waitFor();
    await check(page, 'bulk-actions-empty');
    await page.goto('/#/leads');
    const button = page.getByRole('button', { name: 'Bulk edit…' });
    await button.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('dialog').waitFor();
    assert.equal(await page.evaluate(() => Boolean((globalThis as any).document.activeElement?.closest('dialog'))), true, 'focus moves into the dialog');
    await page.keyboard.press('Escape');
    await until(async () => (await page.getByRole('dialog').count()) === 0, 'dialog closed');
    await context.close();
  });

  test('no page broke the Content-Security-Policy', () => {
    assert.deepEqual(cspViolations, []);
  });
});
