import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { eventsOf, insertLeads, startWorker, TARGET_QUERY, waitForStatus } from './fixtures.ts';

describe('bulk delete', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ env: { BULK_BATCH_SIZE: '6' } });
    await startWorker(t);
  });

  async function addEmails(leadIds: readonly string[], orgId: string) {
    const contacts = await t.db.selectFrom('contacts').select(['id', 'lead_id']).where('lead_id', 'in', leadIds).execute();
    await t.db
      .insertInto('contact_emails')
      .values(contacts.map((c, i) => ({ organization_id: orgId, contact_id: c.id, lead_id: c.lead_id, position: 0, email: `p${i}@x.example`, type: 'office' })))
      .execute();
  }

  test('deletes each matched lead with its contacts and their emails, once, and nothing else', async () => {
    const target = await insertLeads(t.db, t.orgA.organization_id, 20, { contactsPerLead: 2 });
    const other = await insertLeads(t.db, t.orgA.organization_id, 5, { prefix: 'Other', contactsPerLead: 2 });
    const theirs = await insertLeads(t.db, t.orgB.organization_id, 5, { contactsPerLead: 1 });
    await addEmails(target, t.orgA.organization_id);
    await addEmails(other, t.orgA.organization_id);

    const res = await t.call('POST', '/api/v1/bulk_action/delete/', { body: { s_query: TARGET_QUERY, results_limit: null } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.match(res.body.id, /^bulkdelete_/);
    assert.equal(res.body.bulk_object_type, 'lead');
    assert.equal(res.body.send_done_email, true);
    await waitForStatus(t.db, res.body.id, ['done']);
    const done = (await t.call('GET', `/api/v1/bulk_action/delete/${res.body.id}/`)).body;
    assert.equal(done.n_leads, 20);
    assert.equal(done.n_leads_processed, 20);
    assert.equal(done.n_objects, 20);
    assert.equal(done.n_objects_processed, 20);

    const left = async (table: 'leads' | 'contacts' | 'contact_emails', column: 'id' | 'lead_id', ids: string[]) =>
      (await t.db.selectFrom(table).select(column).where(column, 'in', ids).execute()).length;
    assert.equal(await left('leads', 'id', target), 0);
    assert.equal(await left('contacts', 'lead_id', target), 0);
    assert.equal(await left('contact_emails', 'lead_id', target), 0);
    assert.equal(await left('leads', 'id', other), 5);
    assert.equal(await left('contacts', 'lead_id', other), 10);
    assert.equal(await left('contact_emails', 'lead_id', other), 10);
    assert.equal(await left('leads', 'id', theirs), 5);
    assert.equal(await left('contacts', 'lead_id', theirs), 5);

    const events = await eventsOf(t.db, t.orgA.organization_id, res.body.id, 'lead', 'deleted');
    assert.deepEqual([...events.keys()].sort(), [...target].sort());
    assert.ok([...events.values()].every((n) => n === 1));
    const listed = await t.call('GET', '/api/v1/bulk_action/delete/');
    assert.deepEqual(listed.body.data.map((a: any) => a.id), [res.body.id]);
    assert.deepEqual((await t.call('GET', '/api/v1/bulk_action/delete/', { key: t.orgB.api_key })).body.data, []);
  });

  test('a delete without s_query is refused, never "all leads"', async () => {
    const keep = await insertLeads(t.db, t.orgA.organization_id, 3);
    for (const body of [{}, { query: 'lead_status:Potential' }, { s_query: null }]) {
      const res = await t.call('POST', '/api/v1/bulk_action/delete/', { body });
      assert.equal(res.status, 400);
      assert.ok(res.body['field-errors'].s_query);
    }
    const bad = await t.call('POST', '/api/v1/bulk_action/delete/', { body: { s_query: TARGET_QUERY, bulk_object_type: 'contact' } });
    assert.equal(bad.status, 400);
    assert.ok(bad.body['field-errors'].bulk_object_type);
    assert.equal((await t.db.selectFrom('leads').select('id').where('id', 'in', keep).execute()).length, 3);
  });
});
