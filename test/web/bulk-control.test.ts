/**
 * Steering running bulk actions from the bulk actions page: pause one (Resume becomes the legal
 * move, the time left to resume shows), resume it to done; cancel another. Batches are small and
 * spaced (BULK_BATCH_DELAY_MS) so the actions are still running when the buttons are pressed.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { Locator } from 'playwright-core';
import { insertLeads, nameWordQuery, statuses as statusesOf } from '../bulk-actions/fixtures.ts';
import { screenshotBoth, seriousViolations, signIn, startConsole, until, type ConsoleServer } from './helpers/console.ts';

const LEADS = 300;

describe('console: pause, resume and cancel bulk actions', () => {
  let s: ConsoleServer;
  let target: { id: string; label: string };

  before(async () => {
    s = await startConsole({ env: { BULK_BATCH_SIZE: '10', BULK_BATCH_DELAY_MS: '300' } });
    await insertLeads(s.t.db, s.t.orgA.organization_id, LEADS, { prefix: 'Slow' });
    await insertLeads(s.t.db, s.t.orgA.organization_id, LEADS, { prefix: 'Other' });
    await insertLeads(s.t.db, s.t.orgB.organization_id, 20, { prefix: 'Slow' });
    target = (await statusesOf(s.t.db, s.t.orgA.organization_id)).find((x) => x.label === 'Customer')!;
  });

  async function startEdit(word: string): Promise<string> {
    const res = await s.t.call('POST', '/api/v1/bulk_action/edit/', {
      body: { s_query: nameWordQuery(word), type: 'set_lead_status', lead_status_id: target.id, send_done_email: false },
    });
    assert.equal(res.status, 200, res.text);
    return res.body.id;
  }

  const apiAction = async (id: string) => (await s.t.call('GET', `/api/v1/bulk_action/edit/${id}/`)).body;
  const changed = async (prefix: string) =>
    (await s.t.db.selectFrom('leads').select('id').where('organization_id', '=', s.t.orgA.organization_id).where('name', 'like', `${prefix}%`).where('status_id', '=', target.id).execute()).length;

  async function rowStatus(row: Locator, status: string) {
    await until(async () => (await row.getAttribute('data-status')) === status, `status ${status}`);
  }

  test('pause shows the time left and enables only Resume and Cancel; resume runs it to done', async () => {
    const id = await startEdit('Slow');
    const { context, page } = await s.newPage();
    await signIn(page, s.t.orgA.api_key);
    await page.goto('/#/bulk');
    const row = page.locator(`[data-testid="bulk-row"][data-id="${id}"]`);
    const pause = row.getByRole('button', { name: 'Pause' });
    const resume = row.getByRole('button', { name: 'Resume' });
    const cancel = row.getByRole('button', { name: 'Cancel' });
    await until(async () => !(await pause.isDisabled()), 'Pause enabled');
    assert.equal(await resume.isDisabled(), true, 'nothing to resume while it runs');
    await pause.click();
    await rowStatus(row, 'paused');
    const paused = await apiAction(id);
    assert.equal(paused.status, 'paused');
    assert.ok(paused.n_leads_processed < LEADS, `paused before the end (${paused.n_leads_processed})`);
    await until(async () => (await pause.isDisabled()) && !(await resume.isDisabled()) && !(await cancel.isDisabled()), 'buttons of a paused action');
    // BULK_RESUME_WINDOW_SECONDS is 7 days by default.
    assert.match((await row.getByTestId('time-left').textContent()) ?? '', /Can be resumed for another 6 d 23 h 5\d min/);
    // Paused means paused: nothing more is processed.
    const atPause = await changed('Slow');
    assert.equal(await changed('Slow'), atPause);
    assert.deepEqual(await seriousViolations(page), []);
    await screenshotBoth(page, 'bulk-paused');

    await resume.click();
    await until(async () => ['resuming', 'processing', 'loading', 'done'].includes((await row.getAttribute('data-status')) ?? ''), 'resumed');
    await rowStatus(row, 'done');
    assert.equal(await changed('Slow'), LEADS);
    assert.equal(await changed('Other'), 0);
    await row.getByText(`${LEADS} of ${LEADS} leads`).waitFor();
    assert.equal(await pause.isDisabled(), true);
    assert.equal(await resume.isDisabled(), true);
    assert.equal(await cancel.isDisabled(), true);
    await context.close();
  });

  test('cancel stops an action for good: every control disabled, the rest of its leads untouched', async () => {
    const id = await startEdit('Other');
    const { context, page } = await s.newPage(375);
    await signIn(page, s.t.orgA.api_key);
    await page.goto(`/#/bulk/edit/${id}`);
    const cancel = page.getByRole('button', { name: 'Cancel' });
    await until(async () => !(await cancel.isDisabled()), 'Cancel enabled');
    await cancel.click();
    await until(async () => (await page.getByTestId('action-status').getAttribute('data-status')) === 'cancelled', 'cancelled');
    for (const name of ['Pause', 'Resume', 'Cancel']) assert.equal(await page.getByRole('button', { name }).isDisabled(), true, name);
    const action = await apiAction(id);
    assert.equal(action.status, 'cancelled');
    const count = await changed('Other');
    assert.ok(count < LEADS, `cancelled before the end (${count})`);
    assert.equal(count, action.n_leads_processed, 'changed exactly the processed leads');
    await screenshotBoth(page, 'bulk-cancelled');
    await context.close();
  });
});
