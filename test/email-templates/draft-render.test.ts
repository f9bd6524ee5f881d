/**
 * `POST /email_template/render/` (extension): template text that is not saved, rendered for a lead
 * with the saved templates' tags, limits and file-free engine; another organization's lead is a 404.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { insertLead } from '../email/helpers/fixtures.ts';

describe('rendering a draft template', () => {
  let t: TestApp;
  let leadId: string;
  let otherLeadId: string;

  before(async () => {
    t = await createTestApp();
    leadId = (await insertLead(t.db, t.orgA.organization_id, 'Globex', [{ name: 'Hank Scorpio', emails: ['hank@globex.example'] }])).leadId;
    otherLeadId = (await insertLead(t.db, t.orgB.organization_id, 'Initech', [{ name: 'Bill Lumbergh', emails: ['bill@initech.example'] }])).leadId;
  });

  test('renders the text sent, for the lead and its first contact with an email, and stores nothing', async () => {
    const before = (await t.call('GET', '/api/v1/email_template/')).body.data.length;
    const res = await t.call('POST', '/api/v1/email_template/render/', {
      body: { subject: 'Hi {{ contact.first_name }}', body: '<p>About {{ lead.display_name }}</p>', lead_id: leadId },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.subject, 'Hi Hank');
    assert.equal(res.body.body, '<p>About Globex</p>');
    assert.equal(res.body.email, 'hank@globex.example');
    assert.equal(res.body.lead_id, leadId);
    assert.equal((await t.call('GET', '/api/v1/email_template/')).body.data.length, before);
  });

  test('a file tag is a 400, and reads nothing', async () => {
    const res = await t.call('POST', '/api/v1/email_template/render/', { body: { subject: 's', body: '{% include "package.json" %}', lead_id: leadId } });
    assert.equal(res.status, 400);
    assert.ok(!JSON.stringify(res.body).includes('"name": "sluice"'));
  });

  test("another organization's lead is a 404; a missing field is a 400 naming it", async () => {
    const other = await t.call('POST', '/api/v1/email_template/render/', { body: { subject: 's', body: 'b', lead_id: otherLeadId } });
    assert.equal(other.status, 404);
    const missing = await t.call('POST', '/api/v1/email_template/render/', { body: { subject: 's', lead_id: leadId } });
    assert.equal(missing.status, 400);
    assert.ok('body' in missing.body['field-errors'], JSON.stringify(missing.body));
  });
});
