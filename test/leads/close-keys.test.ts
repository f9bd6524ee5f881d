/**
 * Keys of Close's Lead and Contact objects that Sluice has no data for (no calls, time zones, lead
 * sources, AI summaries, SMS or lead suggestions), present with null, false or an empty list on
 * leads, nested and standalone contacts, their phones and the lead's addresses.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { createTestApp, type TestApp } from '../helpers/app.ts';

describe('Close lead and contact keys without Sluice data', () => {
  let t: TestApp;
  let lead: any;

  before(async () => {
    t = await createTestApp();
    const res = await t.call('POST', '/api/v1/lead/', {
      body: { name: 'Keys', addresses: [{ city: 'Paris' }], contacts: [{ name: 'Ann', phones: [{ phone: '+33142685300', type: 'office' }] }] },
    });
    assert.equal(res.status, 200, res.text);
    lead = res.body;
  });

  test('a lead carries localtime, source, recent_calls and summaries; addresses carry tz_ids', async () => {
    for (const body of [lead, (await t.call('GET', `/api/v1/lead/${lead.id}/`)).body]) {
      assert.equal(body.localtime, null);
      assert.equal(body.source, null);
      assert.deepEqual(body.recent_calls, []);
      assert.deepEqual(body.summaries, []);
      assert.deepEqual(body.addresses[0].tz_ids, []);
      assert.equal(body.primary_phone.outbound_sms_blocked, false);
      assert.deepEqual(body.primary_phone.tz_ids, []);
    }
  });

  test('a contact carries recent_calls, timezone, timezone_source, lead_suggestions_operation_id; phones carry outbound_sms_blocked and tz_ids', async () => {
    const standalone = (await t.call('GET', `/api/v1/contact/${lead.contacts[0].id}/`)).body;
    for (const contact of [lead.contacts[0], standalone]) {
      assert.deepEqual(contact.recent_calls, []);
      assert.equal(contact.timezone, null);
      assert.equal(contact.timezone_source, null);
      assert.equal(contact.lead_suggestions_operation_id, null);
      assert.deepEqual(contact.phones, [{ phone: '+33142685300', phone_formatted: contact.phones[0].phone_formatted, type: 'office', country: 'FR', outbound_sms_blocked: false, tz_ids: [] }]);
    }
  });

  test('a PUT echoing the object back is accepted, the read-only keys dropped', async () => {
    const { id, ...echo } = (await t.call('GET', `/api/v1/lead/${lead.id}/`)).body;
    const put = await t.call('PUT', `/api/v1/lead/${id}/`, { body: echo });
    assert.equal(put.status, 200, put.text);
    assert.deepEqual(put.body.addresses, lead.addresses);
    const contact = (await t.call('GET', `/api/v1/contact/${lead.contacts[0].id}/`)).body;
    const { id: contactId, ...contactEcho } = contact;
    const putContact = await t.call('PUT', `/api/v1/contact/${contactId}/`, { body: contactEcho });
    assert.equal(putContact.status, 200, putContact.text);
    assert.deepEqual(putContact.body.phones, contact.phones);
  });
});
