/**
 * `/me/` as Close shows it: `email_accounts` embeds the caller's own connected accounts (never
 * another user's or another organization's), and memberships carry Close's settings keys.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { newId } from '../../src/ids.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';

describe('/me/ email_accounts and memberships', () => {
  let t: TestApp;
  let mine: string;

  before(async () => {
    t = await createTestApp();
    const account = (key: string, email: string) =>
      t.call('POST', '/api/v1/connected_account/', { key, body: { _type: 'custom_email', email, identities: [{ email, name: 'Me' }] } });
    const res = await account(t.orgA.api_key, 'alice@a.example');
    assert.equal(res.status, 200, res.text);
    mine = res.body.id;
    await account(t.orgB.api_key, 'bob@b.example');
    // A colleague in A with an account of their own.
    const colleague = newId('user');
    await t.db.insertInto('users').values({ id: colleague, organization_id: t.orgA.organization_id, email: 'carol@a.example', first_name: 'Carol', last_name: null }).execute();
    await t.db
      .insertInto('connected_accounts')
      .values({ id: newId('emailacct'), organization_id: t.orgA.organization_id, user_id: colleague, email: 'carol@a.example', identities: '[]', min_delay_seconds: 0 })
      .execute();
  });

  test('email_accounts lists exactly the caller’s accounts, as /connected_account/ shows them', async () => {
    const me = await t.call('GET', '/api/v1/me/');
    assert.equal(me.status, 200, me.text);
    const shown = (await t.call('GET', `/api/v1/connected_account/${mine}/`)).body;
    assert.deepEqual(me.body.email_accounts, [shown]);
    assert.ok(!JSON.stringify(me.body.email_accounts).includes('smtp_password'));
    const b = await t.call('GET', '/api/v1/me/', { key: t.orgB.api_key });
    assert.deepEqual(b.body.email_accounts.map((a: any) => a.email), ['bob@b.example']);
  });

  test('the membership shows Close’s settings keys', async () => {
    const [m] = (await t.call('GET', '/api/v1/me/')).body.memberships;
    assert.equal(m.auto_record_calls, 'unset');
    assert.equal(m.track_email_opens, false);
    assert.equal(m.organization_id, t.orgA.organization_id);
  });
});
