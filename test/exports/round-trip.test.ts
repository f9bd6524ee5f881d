/**
 * The round trip an operator runs after a mistake: export the leads, bulk-delete them, restore them
 * from the event log the way Close's `restore_deleted_leads.py` does (`GET /event/?object_type=lead
 * &action=deleted`, then `POST /lead/` with each event's `previous_data`), export again, and compare:
 * both exports hold the same leads, contacts, addresses and custom values. Only what a restore
 * cannot keep differs (ids and timestamps: Close's API creates new objects).
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { insertCustomField, insertLeads, startWorker, statuses, waitForStatus } from '../bulk-actions/fixtures.ts';
import type { TestApp } from '../helpers/app.ts';
import { createExportApp, downloadWithKey, runExport } from './helpers.ts';

const N = 24;

const QUERY = {
  type: 'and',
  queries: [
    { type: 'object_type', object_type: 'lead' },
    { type: 'field_condition', field: { type: 'regular_field', object_type: 'lead', field_name: 'name' }, condition: { type: 'text', mode: 'full_words', value: 'Roundtrip' } },
  ],
};

type Obj = Record<string, unknown>;

/**
 * A lead without what a restore necessarily changes: ids and timestamps, its own and its contacts',
 * and the order of its contacts (they are re-created in the order their events are read).
 */
function comparable(lead: Obj): Obj {
  const { id: _id, date_created: _c, date_updated: _u, ...rest } = lead;
  const contacts = (rest.contacts as Obj[])
    .map(({ id: _cid, lead_id: _lid, date_created: _cc, date_updated: _cu, ...contact }) => contact)
    .sort((a, b) => String(a.name).localeCompare(String(b.name)));
  return { ...rest, contacts };
}

describe('round trip: export, bulk delete, restore from the event log, export again', () => {
  let t: TestApp;
  before(async () => {
    t = await createExportApp({ env: { BULK_BATCH_SIZE: '5' } });
    await startWorker(t);
  });

  test('the second export equals the first, but for ids and timestamps', async () => {
    const source = await insertCustomField(t.db, t.orgA.organization_id, { name: 'Source', type: 'text' });
    const tags = await insertCustomField(t.db, t.orgA.organization_id, { name: 'Tags', type: 'choices', choices: ['a', 'b', 'c'], multiple: true });
    const size = await insertCustomField(t.db, t.orgA.organization_id, { name: 'Size', type: 'number' });
    const role = await insertCustomField(t.db, t.orgA.organization_id, { name: 'Role', type: 'text', objectType: 'contact' });
    const [, second] = await statuses(t.db, t.orgA.organization_id);
    for (let i = 0; i < N; i++) {
      const res = await t.call('POST', '/api/v1/lead/', {
        body: {
          name: `Roundtrip ${String(i).padStart(2, '0')}`,
          description: i % 2 ? `Notes, "quoted" ${i}` : '',
          url: `https://r${i}.example`,
          status_id: i % 3 ? second!.id : undefined,
          [`custom.${source}`]: `source ${i}`,
          [`custom.${tags}`]: i % 2 ? ['a', 'c'] : ['b'],
          [`custom.${size}`]: i * 10,
          addresses: i % 4 ? [{ label: 'business', address_1: `${i} Main St`, city: 'Springfield', state: 'IL', zipcode: '62701', country: 'US' }] : [],
          contacts: Array.from({ length: 1 + (i % 3) }, (_, c) => ({
            name: `Person ${i}.${c}`,
            title: c === 0 ? 'Owner' : 'Staff',
            emails: [{ email: `p${i}.${c}@r.example`, type: 'office' }],
            phones: c === 0 ? [{ phone: `+1650555${String(1000 + i)}`, type: 'office' }] : [],
            urls: c === 1 ? [{ url: `https://p${i}.example`, type: 'url' }] : [],
            [`custom.${role}`]: `role ${c}`,
          })),
        },
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
    }
    const theirs = await insertLeads(t.db, t.orgB.organization_id, 5, { prefix: 'Roundtrip', contactsPerLead: 1 });

    const first = await runExport(t, { s_query: QUERY, format: 'json', type: 'leads', sort: [{ direction: 'asc', field: { type: 'regular_field', object_type: 'lead', field_name: 'name' } }] });
    assert.equal(first.n_docs, N);
    const before = JSON.parse((await downloadWithKey(t, first.id)).text) as Obj[];
    assert.equal(before.length, N);

    const deletion = await t.call('POST', '/api/v1/bulk_action/delete/', { body: { s_query: QUERY, send_done_email: false } });
    assert.equal(deletion.status, 200, JSON.stringify(deletion.body));
    await waitForStatus(t.db, deletion.body.id, ['done']);
    assert.equal((await t.call('POST', '/api/v1/data/search/', { body: { query: QUERY } })).body.data.length, 0, 'all deleted');

    // Restore as Close's restore_deleted_leads.py does, through the event log API only: each lead
    // from its lead.deleted previous_data (which, as Close's, holds no nested contacts), then its
    // contacts from their own contact.deleted events, onto the new lead.
    const allEvents = async (filter: string): Promise<Obj[]> => {
      const out: Obj[] = [];
      let cursor = '';
      do {
        const page = await t.call('GET', `/api/v1/event/?${filter}&_limit=10${cursor ? `&_cursor=${encodeURIComponent(cursor)}` : ''}`);
        assert.equal(page.status, 200, JSON.stringify(page.body));
        out.push(...(page.body.data as Obj[]));
        cursor = page.body.cursor_next ?? '';
      } while (cursor);
      return out;
    };
    let restored = 0;
    for (const event of await allEvents('object_type=lead&action=deleted')) {
      if ((event.meta as Obj).bulk_action_id !== deletion.body.id) continue;
      const { id: _id, ...lead } = event.previous_data as Obj;
      assert.equal(lead.contacts, undefined, 'the lead event carries no nested contacts');
      const res = await t.call('POST', '/api/v1/lead/', { body: lead });
      assert.equal(res.status, 200, `restoring ${event.object_id}: ${JSON.stringify(res.body)}`);
      for (const contactEvent of await allEvents(`object_type=contact&action=deleted&lead_id=${event.object_id as string}`)) {
        const { id: _cid, ...contact } = contactEvent.previous_data as Obj;
        const posted = await t.call('POST', '/api/v1/contact/', { body: { ...contact, lead_id: res.body.id } });
        assert.equal(posted.status, 200, `restoring ${contactEvent.object_id}: ${JSON.stringify(posted.body)}`);
      }
      restored += 1;
    }
    assert.equal(restored, N);

    const second_ = await runExport(t, { s_query: QUERY, format: 'json', type: 'leads', sort: [{ direction: 'asc', field: { type: 'regular_field', object_type: 'lead', field_name: 'name' } }] });
    const after = JSON.parse((await downloadWithKey(t, second_.id)).text) as Obj[];
    assert.equal(after.length, N);
    assert.deepEqual(after.map(comparable), before.map(comparable));
    assert.ok(after.every((lead, i) => lead.id !== before[i]!.id), 'new objects, as Close restores them');

    const untouched = await t.db.selectFrom('leads').select('id').where('organization_id', '=', t.orgB.organization_id).execute();
    assert.deepEqual(untouched.map((r) => r.id).sort(), [...theirs].sort(), "the other organization's leads were never touched");
  });
});
