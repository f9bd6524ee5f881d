/**
 * The keys of Close's default connected-account `_fields` that a send-only SMTP account has no data
 * for: present, with null, false or an empty list.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { createTestApp, type TestApp } from '../helpers/app.ts';

const EXPECTED = {
  email_receive_status: null,
  calendar_receive_status: null,
  available_features: [],
  enabled_features: [],
  available_calendars: [],
  synced_calendars: [],
  sync_all_calendars: false,
  is_imap_archive_sync_enabled: false,
  has_meeting_creation_scopes: false,
  calendly: null,
  zoom_account_plan: null,
  lead_suggestions_updated_at: null,
};

describe('/connected_account/ Close default fields', () => {
  let t: TestApp;
  let id: string;

  before(async () => {
    t = await createTestApp();
    const res = await t.call('POST', '/api/v1/connected_account/', { body: { _type: 'custom_email', email: 'alice@a.example' } });
    assert.equal(res.status, 200, res.text);
    id = res.body.id;
  });

  test('create, get and list carry every default field', async () => {
    const got = await t.call('GET', `/api/v1/connected_account/${id}/`);
    const listed = (await t.call('GET', '/api/v1/connected_account/')).body.data.find((a: any) => a.id === id);
    for (const account of [got.body, listed]) {
      for (const [key, value] of Object.entries(EXPECTED)) assert.deepEqual(account[key], value, key);
    }
    const picked = await t.call('GET', `/api/v1/connected_account/${id}/?_fields=id,synced_calendars`);
    assert.deepEqual(picked.body, { id, synced_calendars: [] });
    const cross = await t.call('GET', `/api/v1/connected_account/${id}/`, { key: t.orgB.api_key });
    assert.equal(cross.status, 404);
  });
});
