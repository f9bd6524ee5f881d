import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { countRows, insertCustomField, statusesOf } from './fixtures.ts';

describe('/lead/ bad input', () => {
  let t: TestApp;
  let bStatusId: string;
  let numberField: string;

  before(async () => {
    t = await createTestApp();
    bStatusId = (await statusesOf(t.db, t.orgB.organization_id))[0]!.id;
    numberField = await insertCustomField(t.db, t.orgA.organization_id, { name: 'Seats', type: 'number' });
  });

  /** Posts `body`, expects a 400 naming exactly `path`, and checks that nothing was written. */
  async function rejects(method: string, url: string, body: unknown, path: string): Promise<void> {
    const counts = async () => [
      await countRows(t.db, 'leads', t.orgA.organization_id),
      await countRows(t.db, 'contacts', t.orgA.organization_id),
      await countRows(t.db, 'contact_emails', t.orgA.organization_id),
      await countRows(t.db, 'addresses', t.orgA.organization_id),
      await countRows(t.db, 'events', t.orgA.organization_id),
    ];
    const before = await counts();
    const res = await t.call(method, url, { body });
    assert.equal(res.status, 400, `${JSON.stringify(body)} → ${res.status} ${JSON.stringify(res.body)}`);
    assert.ok(Array.isArray(res.body.errors), JSON.stringify(res.body));
    assert.equal(typeof res.body['field-errors'][path], 'string', `expected an error on ${path}: ${JSON.stringify(res.body)}`);
    assert.deepEqual(await counts(), before, 'a refused request writes nothing');
  }

  test('wrong types are a 400 naming the field', async () => {
    await rejects('POST', '/api/v1/lead/', { name: 42 }, 'name');
    await rejects('POST', '/api/v1/lead/', { contacts: 'Gob' }, 'contacts');
    await rejects('POST', '/api/v1/lead/', { contacts: [{ name: 'Gob', emails: [{ email: 'gob@example.com' }, { email: 7 }] }] }, 'contacts[0].emails[1].email');
    await rejects('POST', '/api/v1/lead/', { addresses: [{ city: ['x'] }] }, 'addresses[0].city');
  });

  test('missing required nested fields are a 400', async () => {
    await rejects('POST', '/api/v1/lead/', { contacts: [{ name: 'Gob', emails: [{ type: 'office' }] }] }, 'contacts[0].emails[0].email');
    await rejects('POST', '/api/v1/lead/', { contacts: [{ name: 'Gob', phones: [{ type: 'office' }] }] }, 'contacts[0].phones[0].phone');
    await rejects('POST', '/api/v1/lead/', { contacts: [{ name: 'Gob', urls: [{}] }] }, 'contacts[0].urls[0].url');
  });

  test('a bad email or an unparsable phone is a 400 on its path, after earlier valid contacts', async () => {
    await rejects(
      'POST',
      '/api/v1/lead/',
      { name: 'X', contacts: [{ name: 'ok', emails: [{ email: 'ok@example.com' }] }, { name: 'Gob', emails: [{ email: 'ok@example.com' }, { email: 'not-an-email' }] }] },
      'contacts[1].emails[1].email',
    );
    await rejects(
      'POST',
      '/api/v1/lead/',
      { name: 'X', contacts: [{ name: 'ok', phones: [{ phone: '+1 415 555 0100' }] }, { name: 'Gob', phones: [{ phone: '+1 415 555 0100' }, { phone: 'call me' }] }] },
      'contacts[1].phones[1].phone',
    );
  });

  test('status: unknown label, unknown id, another organization’s id, both given', async () => {
    await rejects('POST', '/api/v1/lead/', { name: 'X', status: 'No Such Status' }, 'status');
    await rejects('POST', '/api/v1/lead/', { name: 'X', status_id: 'stat_nope' }, 'status_id');
    await rejects('POST', '/api/v1/lead/', { name: 'X', status_id: bStatusId }, 'status_id');
    const first = (await statusesOf(t.db, t.orgA.organization_id))[0]!;
    await rejects('POST', '/api/v1/lead/', { name: 'X', status_id: first.id, status: first.label }, 'status');
    await rejects('POST', '/api/v1/lead/', { name: 'X', status_id: 5 }, 'status_id');
  });

  test('custom values: unknown field, wrong type, list for a single-value field', async () => {
    await rejects('POST', '/api/v1/lead/', { name: 'X', 'custom.cf_unknown': 'x' }, 'custom.cf_unknown');
    await rejects('POST', '/api/v1/lead/', { name: 'X', [`custom.${numberField}`]: 'many' }, `custom.${numberField}`);
    await rejects('POST', '/api/v1/lead/', { name: 'X', 'custom.Seats': [1, 2] }, 'custom.Seats');
    await rejects('POST', '/api/v1/lead/', { name: 'X', custom: { Seats: 'lots' } }, 'custom.Seats');
    await rejects('POST', '/api/v1/lead/', { name: 'X', contacts: [{ name: 'c', 'custom.cf_nope': 1 }] }, 'contacts[0].custom.cf_nope');
  });

  test('update: the same checks, and nothing changes', async () => {
    const lead = await t.call('POST', '/api/v1/lead/', { body: { name: 'Keep', [`custom.${numberField}`]: 3 } });
    assert.equal(lead.status, 200, JSON.stringify(lead.body));
    const url = `/api/v1/lead/${lead.body.id}/`;
    await rejects('PUT', url, { name: 'Changed', status: 'nope' }, 'status');
    await rejects('PUT', url, { name: 'Changed', status_id: bStatusId }, 'status_id');
    await rejects('PUT', url, { name: 'Changed', [`custom.${numberField}`]: 'x' }, `custom.${numberField}`);
    await rejects('PUT', url, { name: 'Changed', [`custom.${numberField}.add`]: 4 }, `custom.${numberField}.add`);
    await rejects('PUT', url, { name: 'Changed', addresses: [{ city: 1 }] }, 'addresses[0].city');
    await rejects('PUT', url, { description: false }, 'description');
    const after = await t.call('GET', url);
    assert.equal(after.body.name, 'Keep');
    assert.equal(after.body[`custom.${numberField}`], 3);
    assert.equal(after.body.date_updated, lead.body.date_updated);
  });

  test('invalid JSON is Close’s 400', async () => {
    const res = await t.call('POST', '/api/v1/lead/', { rawBody: '{"name": ' });
    assert.equal(res.status, 400);
    assert.deepEqual(res.body, { error: 'The request contains invalid JSON.' });
  });
});
