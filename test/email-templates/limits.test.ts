import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { startWorker as startBulkWorker, TARGET_QUERY, waitForStatus } from '../bulk-actions/fixtures.ts';
import { insertAccount, insertLead } from '../email/helpers/fixtures.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';

const NESTED_LOOPS = '{% for i in (1..1000) %}{% for j in (1..1000) %}{% if i == j %}{% endif %}{% endfor %}{% endfor %}';
const DOUBLING = `{% assign a = "xxxxxxxxxx" %}${'{% assign a = a | append: a %}'.repeat(30)}{{ a }}`;
// Costs nothing for a typical recipient and a great deal for a lead whose "Loops" is huge.
const DATA_DEPENDENT = '<p>{% for i in (1..lead.custom.Loops) %}{% for j in (1..1000) %}{% endfor %}{% endfor %}Hi {{ contact.first_name }}</p>';

describe('template limits', () => {
  let t: TestApp;
  let timed: TestApp;

  before(async () => {
    t = await createTestApp({
      env: { TEMPLATE_MAX_CHARS: '5000', TEMPLATE_RENDER_MS: '200', TEMPLATE_MAX_OUTPUT_CHARS: '100000', DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-tpl-limits-')) },
    });
    // Memory generous, time short: the nested loops can only break the time limit here.
    timed = await createTestApp({ env: { TEMPLATE_RENDER_MS: '100', TEMPLATE_MAX_OUTPUT_CHARS: '1000000000' } });
  });

  const save = (app: TestApp, body: Record<string, unknown>) => app.call('POST', '/api/v1/email_template/', { body: { name: 'T', subject: 'Hi', body: '<p>ok</p>', ...body } });

  test('a template longer than TEMPLATE_MAX_CHARS is a 400 on the longer part', async () => {
    const res = await save(t, { body: 'x'.repeat(5001) });
    assert.equal(res.status, 400);
    assert.match(res.body['field-errors'].body, /TEMPLATE_MAX_CHARS \(5000/);
    assert.equal((await save(t, { subject: 's'.repeat(2000), body: 'b'.repeat(2999) })).status, 200);
  });

  test('a template that breaks the render time or output limit for any recipient is a 400 when saved', async () => {
    const slow = await save(timed, { body: NESTED_LOOPS });
    assert.equal(slow.status, 400, slow.text);
    assert.match(slow.body['field-errors'].body, /TEMPLATE_RENDER_MS \(100 ms\)/);
    const big = await save(t, { body: DOUBLING });
    assert.equal(big.status, 400, big.text);
    assert.match(big.body['field-errors'].body, /TEMPLATE_MAX_OUTPUT_CHARS/);
    const inSubject = await save(t, { subject: DOUBLING.slice(0, 2000) });
    assert.equal(inSubject.status, 400, inSubject.text);
    assert.ok(inSubject.body['field-errors'].subject, inSubject.text);
    // An update to such a body is refused too, and the template stays as it was.
    const fine = await save(t, {});
    const refused = await t.call('PUT', `/api/v1/email_template/${fine.body.id}/`, { body: { body: DOUBLING } });
    assert.equal(refused.status, 400);
    assert.equal((await t.call('GET', `/api/v1/email_template/${fine.body.id}/`)).body.body, '<p>ok</p>');
  });

  test('a template that breaks a limit only for some recipients fails those recipients alone', async () => {
    const org = t.orgA.organization_id;
    const loops = await t.call('POST', '/api/v1/custom_field/lead/', { body: { name: 'Loops', type: 'number' } });
    assert.equal(loops.status, 200, loops.text);
    const template = await save(t, { name: 'Data dependent', body: DATA_DEPENDENT });
    assert.equal(template.status, 200, template.text);
    const cheap = await insertLead(t.db, org, 'Target Cheap', [{ name: 'Ann Cheap', emails: ['ann@cheap.example'] }], { [loops.body.id]: 2 });
    const costly = await insertLead(t.db, org, 'Target Costly', [{ name: 'Bob Costly', emails: ['bob@costly.example'] }], { [loops.body.id]: 1_000_000 });

    const preview = await t.call('GET', `/api/v1/email_template/${template.body.id}/render/?lead_id=${costly.leadId}`);
    assert.equal(preview.status, 400, preview.text);
    assert.match(preview.body.errors[0], /TEMPLATE_RENDER_MS|TEMPLATE_MAX_OUTPUT_CHARS/);
    const good = await t.call('GET', `/api/v1/email_template/${template.body.id}/render/?lead_id=${cheap.leadId}`);
    assert.equal(good.status, 200, good.text);
    assert.equal(good.body.body, '<p>Hi Ann</p>');

    await insertAccount(t.db, org, t.orgA.user_id, { email: 'sender@seller.example' });
    await startBulkWorker(t);
    const action = await t.call('POST', '/api/v1/bulk_action/email/', {
      body: { s_query: TARGET_QUERY, template_id: template.body.id, contact_preference: 'lead', send_done_email: false },
    });
    assert.equal(action.status, 200, action.text);
    await waitForStatus(t.db, action.body.id, ['done', 'error']);
    const items = await t.call('GET', `/api/v1/bulk_action/email/${action.body.id}/items/`);
    const byLead = Object.fromEntries(items.body.data.map((i: { lead_id: string; status: string; reason: string | null }) => [i.lead_id, [i.status, i.reason]]));
    assert.deepEqual(byLead[cheap.leadId], ['done', null]);
    assert.deepEqual(byLead[costly.leadId], ['failed', 'render_failed']);
    const done = await t.call('GET', `/api/v1/bulk_action/email/${action.body.id}/`);
    assert.equal(done.body.status, 'done');
    const mail = await t.db.selectFrom('email_activities').select(['lead_id', 'body_html']).where('bulk_email_action_id', '=', action.body.id).execute();
    assert.deepEqual(mail.map((m) => [m.lead_id, m.body_html]), [[cheap.leadId, '<p>Hi Ann</p>']]);
  });
});
