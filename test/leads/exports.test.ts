/**
 * The functions other domains call: loadLeadObjects / loadContactObjects (a fixed number of
 * queries for any number of ids), deleteLeads (set-based, one event per lead), and applyCustomOps
 * (single-key jsonb updates that concurrent writers cannot clobber).
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { Kysely, PostgresDialect } from 'kysely';
import { loadContactObjects } from '../../src/contacts/serialize.ts';
import type { Database } from '../../src/db/schema.ts';
import { applyCustomOps } from '../../src/leads/custom-write.ts';
import { deleteLeads } from '../../src/leads/delete-leads.ts';
import { loadLeadObjects } from '../../src/leads/serialize.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { countRows, insertCustomField } from './fixtures.ts';
import { leadEventData } from '../../src/leads/lead-event-data.ts';

describe('lead and contact exports', () => {
  let t: TestApp;
  let counted: Kysely<Database>;
  let queries = 0;
  const leadIds: string[] = [];
  let bLeadId: string;

  before(async () => {
    t = await createTestApp();
    counted = new Kysely<Database>({ dialect: new PostgresDialect({ pool: t.pool }), log: () => { queries += 1; } });
    for (let i = 0; i < 12; i++) {
      const res = await t.call('POST', '/api/v1/lead/', {
        body: {
          name: `Lead ${i}`,
          contacts: [
            { name: `A${i}`, emails: [{ email: `a${i}@example.com` }], phones: [{ phone: '4155550100' }] },
            { name: `B${i}`, urls: [{ url: `https://b${i}.example` }] },
          ],
          addresses: [{ city: `City ${i}` }],
        },
      });
      leadIds.push(res.body.id);
    }
    bLeadId = (await t.call('POST', '/api/v1/lead/', { key: t.orgB.api_key, body: { name: 'B', contacts: [{ name: 'Bee' }] } })).body.id;
  });

  test('loadLeadObjects answers the same objects as GET, in a fixed number of queries', async () => {
    queries = 0;
    const two = await loadLeadObjects(counted, t.orgA.organization_id, leadIds.slice(0, 2), { publicUrl: t.config.publicUrl });
    const forTwo = queries;
    queries = 0;
    const all = await loadLeadObjects(counted, t.orgA.organization_id, leadIds, { publicUrl: t.config.publicUrl });
    assert.equal(queries, forTwo, 'twelve leads cost no more queries than two');
    // Two of them read the lead and contact custom field names of the deprecated `custom` dict.
    assert.ok(queries <= 11, `queries: ${queries}`);
    assert.equal(two.size, 2);
    assert.equal(all.size, 12);
    for (const id of [leadIds[0]!, leadIds[11]!]) {
      const viaApi = await t.call('GET', `/api/v1/lead/${id}/`);
      assert.deepEqual(all.get(id), viaApi.body);
    }
  });

  test('loaders confine to the organization', async () => {
    const leads = await loadLeadObjects(t.db, t.orgA.organization_id, [leadIds[0]!, bLeadId]);
    assert.deepEqual([...leads.keys()], [leadIds[0]]);
    const bContact = (await t.call('GET', `/api/v1/lead/${bLeadId}/`, { key: t.orgB.api_key })).body.contacts[0].id;
    const contacts = await loadContactObjects(t.db, t.orgA.organization_id, [bContact]);
    assert.equal(contacts.size, 0);
  });

  test('loadContactObjects takes six queries whatever the number of ids', async () => {
    const ids = (await t.db.selectFrom('contacts').select('id').where('organization_id', '=', t.orgA.organization_id).execute()).map((r) => r.id);
    queries = 0;
    const contacts = await loadContactObjects(counted, t.orgA.organization_id, ids);
    assert.equal(queries, 6);
    assert.equal(contacts.size, 24);
  });

  test('deleteLeads deletes set-wise, returns what it deleted, records lead.deleted and contact.deleted with bulk_action_id', async () => {
    const target = [leadIds[10]!, leadIds[11]!, bLeadId, 'lead_unknown'];
    const contactsBefore = await countRows(t.db, 'contacts', t.orgA.organization_id);
    const snapshot = await loadLeadObjects(t.db, t.orgA.organization_id, [leadIds[10]!]);
    const deleted = await t.db.transaction().execute((trx) =>
      deleteLeads(trx, t.orgA.organization_id, target, { userId: t.orgA.user_id, requestId: 'req_bulkdel', bulkActionId: 'bulkdelete_test' }),
    );
    assert.deepEqual([...deleted].sort(), [leadIds[10], leadIds[11]].sort());
    assert.equal(await countRows(t.db, 'contacts', t.orgA.organization_id), contactsBefore - 4);
    assert.equal((await t.call('GET', `/api/v1/lead/${bLeadId}/`, { key: t.orgB.api_key })).status, 200, 'another organization’s lead survives');
    const all = await t.db.selectFrom('events').selectAll().where('request_id', '=', 'req_bulkdel').execute();
    for (const event of all) {
      assert.equal(event.action, 'deleted');
      assert.deepEqual(event.meta, { bulk_action_id: 'bulkdelete_test' });
      assert.equal(event.user_id, t.orgA.user_id);
      assert.equal(event.organization_id, t.orgA.organization_id);
    }
    const events = all.filter((e) => e.object_type === 'lead');
    assert.deepEqual(events.map((e) => e.object_id).sort(), [leadIds[10], leadIds[11]].sort());
    const e10 = events.find((e) => e.object_id === leadIds[10])!;
    // The lead without its nested contacts, as Close's lead events carry it; the contacts follow.
    assert.deepEqual(e10.previous_data, leadEventData(snapshot.get(leadIds[10]!)!));
    // Close cascades `deleted` to the lead's children: one contact.deleted per contact, whole object.
    const contactEvents = all.filter((e) => e.object_type === 'contact');
    assert.equal(contactEvents.length, 4);
    const lead10Contacts = snapshot.get(leadIds[10]!)!.contacts as Record<string, unknown>[];
    for (const contact of lead10Contacts) {
      const event = contactEvents.find((e) => e.object_id === contact.id)!;
      assert.equal(event.lead_id, leadIds[10]);
      assert.deepEqual(event.previous_data, contact);
      assert.equal(event.data, null);
    }
    const again = await t.db.transaction().execute((trx) => deleteLeads(trx, t.orgA.organization_id, target, { userId: null }));
    assert.deepEqual(again, []);
  });

  test('custom writes of different keys in concurrent transactions both land', async () => {
    const org = t.orgA.organization_id;
    const f1 = await insertCustomField(t.db, org, { name: 'One', type: 'text' });
    const f2 = await insertCustomField(t.db, org, { name: 'Two', type: 'choices', choices: ['p', 'q'], multiple: true });
    const id = leadIds[0]!;
    await applyCustomOps(t.db, 'leads', org, [id], [{ kind: 'set', fieldId: f2, value: ['p'] }]);
    let releaseFirst!: () => void;
    const firstMayCommit = new Promise<void>((resolve) => (releaseFirst = resolve));
    let firstWrote!: () => void;
    const firstHasWritten = new Promise<void>((resolve) => (firstWrote = resolve));
    const first = t.db.transaction().execute(async (trx) => {
      await applyCustomOps(trx, 'leads', org, [id], [{ kind: 'set', fieldId: f1, value: 'from first' }]);
      firstWrote();
      await firstMayCommit;
    });
    await firstHasWritten;
    // The second writer starts while the first has written but not committed: it must wait for the
    // row and then apply its change on top of the first one's, not on a stale copy of the map.
    const second = t.db.transaction().execute((trx) => applyCustomOps(trx, 'leads', org, [id], [{ kind: 'add', fieldId: f2, values: ['q'] }]));
    await new Promise((resolve) => setTimeout(resolve, 100));
    releaseFirst();
    await Promise.all([first, second]);
    const row = await t.db.selectFrom('leads').select('custom').where('id', '=', id).executeTakeFirstOrThrow();
    assert.equal(row.custom[f1], 'from first');
    assert.deepEqual(row.custom[f2], ['p', 'q']);
  });
});
