/**
 * Keys of Close's EmailActivity that Sluice added (created_by_name, updated_by_name,
 * followup_sequence_add_cc_bcc, agent_config_id, agent_action_reason), and that the user names are
 * only ever those of the activity's own organization.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { enqueueEmails } from '../../src/email/enqueue.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { insertAccount, insertLead } from './helpers/fixtures.ts';

describe('/activity/email/ Close keys', () => {
  let t: TestApp;
  let activityId: string;

  before(async () => {
    t = await createTestApp();
    const org = t.orgA.organization_id;
    const account = await insertAccount(t.db, org, t.orgA.user_id, { email: 'ann@a.example' });
    const lead = await insertLead(t.db, org, 'L1', [{ name: 'C1', emails: ['c1@x.example'] }]);
    const [queued] = await t.db.transaction().execute((trx) =>
      enqueueEmails(trx, [
        {
          organizationId: org,
          userId: t.orgA.user_id,
          leadId: lead.leadId,
          contactId: lead.contactIds[0]!,
          emailAccountId: account,
          senderName: 'Ann',
          senderEmail: 'ann@a.example',
          to: ['c1@x.example'],
          subject: 'Hi',
          bodyHtml: '<p>Hi</p>',
        },
      ]),
    );
    activityId = queued!.activityId;
  });

  test('created_by_name and updated_by_name name the users; the keys Sluice has no data for are false or null', async () => {
    const res = await t.call('GET', `/api/v1/activity/email/${activityId}/`);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.created_by, t.orgA.user_id);
    assert.equal(res.body.created_by_name, res.body.user_name);
    assert.equal(res.body.created_by_name, 'Alice');
    assert.equal(res.body.updated_by_name, res.body.updated_by === null ? null : 'Alice');
    assert.equal(res.body.followup_sequence_add_cc_bcc, false);
    assert.equal(res.body.agent_config_id, null);
    assert.equal(res.body.agent_action_reason, null);
    const listed = (await t.call('GET', '/api/v1/activity/email/')).body.data.find((a: any) => a.id === activityId);
    assert.deepEqual(listed, res.body);
  });

  test('a creator id of another organization’s user is never resolved to that user’s name', async () => {
    await t.db.updateTable('email_activities').set({ created_by: t.orgB.user_id, updated_by: t.orgB.user_id }).where('id', '=', activityId).execute();
    const res = await t.call('GET', `/api/v1/activity/email/${activityId}/`);
    assert.equal(res.body.created_by_name, null);
    assert.equal(res.body.updated_by_name, null);
    const cross = await t.call('GET', `/api/v1/activity/email/${activityId}/`, { key: t.orgB.api_key });
    assert.equal(cross.status, 404);
  });
});
