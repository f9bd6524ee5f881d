import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { createTestApp, type TestApp } from '../helpers/app.ts';

describe('/unsubscribe/email/', () => {
  let t: TestApp;
  let leadA: any;
  let leadB: any;

  before(async () => {
    t = await createTestApp();
    const a = await t.call('POST', '/api/v1/lead/', {
      body: {
        name: 'A',
        contacts: [
          { name: 'One', emails: [{ email: 'Gob@Example.com' }, { email: 'other@example.com' }] },
          { name: 'Two', emails: [{ email: 'gob@example.COM', type: 'home' }] },
        ],
      },
    });
    leadA = a.body;
    const b = await t.call('POST', '/api/v1/lead/', {
      key: t.orgB.api_key,
      body: { name: 'B', contacts: [{ name: 'Bee', emails: [{ email: 'gob@example.com' }] }] },
    });
    leadB = b.body;
  });

  test('create stores the address lower-cased and answers it; twice is fine', async () => {
    const res = await t.call('POST', '/api/v1/unsubscribe/email/', { body: { email: 'GOB@example.com' } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.email, 'gob@example.com');
    assert.equal(res.body.organization_id, t.orgA.organization_id);
    assert.match(res.body.date_created, /\+00:00$/);
    const again = await t.call('POST', '/api/v1/unsubscribe/email', { body: { email: 'gob@example.com' } });
    assert.equal(again.status, 200);
    const rows = await t.db.selectFrom('unsubscribed_emails').selectAll().where('organization_id', '=', t.orgA.organization_id).execute();
    assert.deepEqual(rows.map((r) => r.email), ['gob@example.com']);
    const events = await t.db.selectFrom('events').select(['action', 'object_id']).where('object_type', '=', 'unsubscribed_email').execute();
    assert.deepEqual(events, [{ action: 'created', object_id: 'gob@example.com' }]);
  });

  test('is_unsubscribed shows on every contact email with that address in the organization only', async () => {
    const lead = (await t.call('GET', `/api/v1/lead/${leadA.id}/`)).body;
    const flags = lead.contacts.flatMap((c: any) => c.emails.map((e: any) => [e.email, e.is_unsubscribed]));
    assert.deepEqual(flags, [
      ['Gob@Example.com', true],
      ['other@example.com', false],
      ['gob@example.COM', true],
    ]);
    assert.deepEqual(lead.primary_email, { email: 'Gob@Example.com', type: 'office', is_unsubscribed: true });
    const contact = (await t.call('GET', `/api/v1/contact/${leadA.contacts[1].id}/`)).body;
    assert.equal(contact.emails[0].is_unsubscribed, true);
    const theirs = (await t.call('GET', `/api/v1/lead/${leadB.id}/`, { key: t.orgB.api_key })).body;
    assert.equal(theirs.contacts[0].emails[0].is_unsubscribed, false, 'another organization’s contacts are untouched');
  });

  test('list shows the organization’s addresses only, paginated', async () => {
    await t.call('POST', '/api/v1/unsubscribe/email/', { body: { email: 'second@example.com' } });
    await t.call('POST', '/api/v1/unsubscribe/email/', { key: t.orgB.api_key, body: { email: 'b-only@example.com' } });
    const list = await t.call('GET', '/api/v1/unsubscribe/email/');
    assert.equal(list.status, 200);
    assert.deepEqual(list.body.data.map((u: any) => u.email), ['gob@example.com', 'second@example.com']);
    assert.equal(list.body.has_more, false);
    const page = await t.call('GET', '/api/v1/unsubscribe/email?_limit=1&_fields=email');
    assert.deepEqual(page.body, { data: [{ email: 'gob@example.com' }], has_more: true });
    const b = await t.call('GET', '/api/v1/unsubscribe/email/', { key: t.orgB.api_key });
    assert.deepEqual(b.body.data.map((u: any) => u.email), ['b-only@example.com']);
  });

  test('a bad or missing address is a 400 on email', async () => {
    for (const body of [{ email: 'not an email' }, { email: 42 }, {}]) {
      const res = await t.call('POST', '/api/v1/unsubscribe/email/', { body });
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.ok(res.body['field-errors'].email, JSON.stringify(res.body));
    }
  });

  test('another organization cannot delete the address (404); delete resubscribes', async () => {
    const theirs = await t.call('DELETE', '/api/v1/unsubscribe/email/gob@example.com/', { key: t.orgB.api_key });
    assert.equal(theirs.status, 404);
    assert.equal((await t.call('GET', `/api/v1/lead/${leadA.id}/`)).body.primary_email.is_unsubscribed, true);
    const res = await t.call('DELETE', '/api/v1/unsubscribe/email/GOB%40example.com');
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, {});
    assert.equal((await t.call('GET', `/api/v1/lead/${leadA.id}/`)).body.primary_email.is_unsubscribed, false);
    const again = await t.call('DELETE', '/api/v1/unsubscribe/email/gob@example.com/');
    assert.equal(again.status, 404);
    const b = await t.call('GET', '/api/v1/unsubscribe/email/', { key: t.orgB.api_key });
    assert.deepEqual(b.body.data.map((u: any) => u.email), ['b-only@example.com']);
    const events = await t.db.selectFrom('events').select('action').where('object_type', '=', 'unsubscribed_email').where('object_id', '=', 'gob@example.com').orderBy('date_created').execute();
    assert.deepEqual(events.map((e) => e.action).sort(), ['created', 'deleted']);
  });
});
