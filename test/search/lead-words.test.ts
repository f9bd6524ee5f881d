import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { loadCatalog } from '../../src/search/catalog.ts';
import { parseQuery } from '../../src/search/parse.ts';
import { pageStatement } from '../../src/search/statements.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { insertLead, statusIds } from './fixtures.ts';

/** The word set 0008_search_words.sql keeps per lead, as sorted text. */
async function wordsOf(t: TestApp, leadId: string): Promise<string[] | undefined> {
  const { rows } = await t.pool.query<{ words: string[] }>('SELECT words FROM lead_words WHERE lead_id = $1', [leadId]);
  return rows[0] ? [...rows[0].words].sort() : undefined;
}

describe('lead_words follows every write to a lead’s text', () => {
  let t: TestApp;
  let orgA: string;
  let statusA: string;
  let other: { id: string; words: string[] };

  before(async () => {
    t = await createTestApp();
    orgA = t.orgA.organization_id;
    statusA = (await statusIds(t.db, orgA))[0]!;
    // Organization B's lead shares words with A's; nothing below may touch its set.
    const b = await insertLead(t.db, t.orgB.organization_id, { name: 'Harbor Freight', contacts: [{ name: 'Ann Harbor', emails: [{ email: 'ann@harbor.example' }] }] });
    other = { id: b.id, words: (await wordsOf(t, b.id))! };
    assert.deepEqual(other.words, ['ann', 'example', 'freight', 'harbor']);
  });

  test('inserts: the lead’s fields and its contacts’ names, titles, emails and phones, split into lower-cased words', async () => {
    const lead = await insertLead(t.db, orgA, {
      name: 'Acme Corp',
      description: 'Rocket_Skates and ANVILS',
      url: 'https://acme.example/shop',
      contacts: [{ name: 'Wile E. Coyote', title: 'Chief Genius', emails: [{ email: 'wile@ACME.example' }], phones: [{ phone: '+1 555-0100' }] }],
    });
    assert.deepEqual(await wordsOf(t, lead.id), ['0100', '1', '555', 'acme', 'and', 'anvils', 'chief', 'corp', 'coyote', 'e', 'example', 'genius', 'https', 'rocket_skates', 'shop', 'wile']);
  });

  test('a lead without text has an empty set, and updates of its text replace the set', async () => {
    const lead = await insertLead(t.db, orgA, { name: null });
    assert.deepEqual(await wordsOf(t, lead.id), []);
    await t.pool.query('UPDATE leads SET name = $2, url = $3 WHERE id = $1', [lead.id, 'Gotham Gear', 'gear.example']);
    assert.deepEqual(await wordsOf(t, lead.id), ['example', 'gear', 'gotham']);
    await t.pool.query('UPDATE leads SET name = NULL WHERE id = $1', [lead.id]);
    assert.deepEqual(await wordsOf(t, lead.id), ['example', 'gear']);
  });

  test('contacts and their channels: insert, update, delete', async () => {
    const lead = await insertLead(t.db, orgA, { name: 'Wayne', contacts: [{ name: 'Bruce', emails: [{ email: 'bruce@wayne.example' }] }] });
    const contactId = (await t.pool.query<{ id: string }>('SELECT id FROM contacts WHERE lead_id = $1', [lead.id])).rows[0]!.id;
    assert.deepEqual(await wordsOf(t, lead.id), ['bruce', 'example', 'wayne']);
    await t.pool.query('UPDATE contacts SET title = $2 WHERE id = $1', [contactId, 'Night Knight']);
    await t.pool.query(`INSERT INTO contact_phones (organization_id, contact_id, lead_id, position, phone, phone_formatted) VALUES ($1, $2, $3, 1, '+15550199', '+15550199')`, [orgA, contactId, lead.id]);
    assert.deepEqual(await wordsOf(t, lead.id), ['15550199', 'bruce', 'example', 'knight', 'night', 'wayne']);
    await t.pool.query(`UPDATE contact_emails SET email = 'batman@cave.example' WHERE contact_id = $1`, [contactId]);
    await t.pool.query('DELETE FROM contact_phones WHERE contact_id = $1', [contactId]);
    assert.deepEqual(await wordsOf(t, lead.id), ['batman', 'bruce', 'cave', 'example', 'knight', 'night', 'wayne']);
    await t.pool.query('DELETE FROM contacts WHERE id = $1', [contactId]);
    assert.deepEqual(await wordsOf(t, lead.id), ['wayne']);
  });

  test('a contact moved to another lead (through the API) takes its words along', async () => {
    const from = await insertLead(t.db, orgA, { name: 'Old Home', contacts: [{ name: 'Mover Person', title: 'Nomad', emails: [{ email: 'mover@travel.example' }], phones: [{ phone: '+15550123' }] }] });
    const to = await insertLead(t.db, orgA, { name: 'New Home' });
    const res = await t.call('PUT', `/api/v1/contact/${from.contactIds[0]}/`, { body: { lead_id: to.id } });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(await wordsOf(t, from.id), ['home', 'old']);
    assert.deepEqual(await wordsOf(t, to.id), ['15550123', 'example', 'home', 'mover', 'new', 'nomad', 'person', 'travel']);
    const found = await t.call('POST', '/api/v1/data/search/', { body: { query: { type: 'text', mode: 'full_words', value: 'NOMAD travel' }, _fields: { lead: ['id'] } } });
    assert.equal(found.status, 200, found.text);
    assert.deepEqual(found.body.data.map((r: { id: string }) => r.id), [to.id]);
  });

  test('a bulk-style multi-row UPDATE and DELETE refresh every lead they touch, and only text changes cost work', async () => {
    const leads = await Promise.all([1, 2, 3].map((i) => insertLead(t.db, orgA, { name: `Bulk ${i}`, contacts: [{ name: `Person ${i}` }] })));
    const ids = leads.map((l) => l.id);
    await t.pool.query(`UPDATE leads SET name = 'Renamed ' || right(id, 4), status_id = $2 WHERE id = ANY($1)`, [ids, statusA]);
    for (const l of leads) assert.deepEqual(await wordsOf(t, l.id), [...['renamed', l.id.slice(-4).toLowerCase()].sort(), `person`, String(leads.indexOf(l) + 1)].sort());
    await t.pool.query(`UPDATE contacts SET title = 'Buyer' WHERE lead_id = ANY($1)`, [ids]);
    for (const l of leads) assert.ok((await wordsOf(t, l.id))!.includes('buyer'));
    await t.pool.query('DELETE FROM leads WHERE id = ANY($1)', [ids]);
    const { rows } = await t.pool.query('SELECT lead_id FROM lead_words WHERE lead_id = ANY($1)', [ids]);
    assert.deepEqual(rows, []);
    assert.deepEqual(await wordsOf(t, other.id), other.words);
  });

  test('a top-level text query on a few thousand leads goes through the GIN index on the word sets', async () => {
    // As in the seeded data, each word alone is in a few percent of the leads, both in fewer.
    await t.pool.query(
      `INSERT INTO leads (id, organization_id, name, description, status_id)
       SELECT 'lead_gin' || g, $1, 'Company ' || g, CASE WHEN g % 500 = 0 THEN 'harbor logistics' WHEN g % 50 = 0 THEN 'harbor' WHEN g % 40 = 0 THEN 'logistics' ELSE 'sold ' || (g % 97) END, $2
       FROM generate_series(1, 4000) g`,
      [orgA, statusA],
    );
    // VACUUM moves the GIN index's pending list (fastupdate) into the index, as autovacuum would;
    // the planner prices a long pending list as a scan of it.
    await t.pool.query('VACUUM (ANALYZE) leads, lead_words, contacts, contact_emails, contact_phones');
    const query = { type: 'text', mode: 'full_words', value: 'Harbor LOGISTICS' };
    const ast = parseQuery(query, 'query', 'lead', await loadCatalog(t.db, orgA, [query]));
    const scope = { organizationId: orgA, userId: t.orgA.user_id, clock: { now: new Date(), tzOffsetMinutes: 0 } };
    const stmt = pageStatement({ resultType: 'lead', query: ast, sort: [] }, scope, null, 100);
    const plan = (await t.pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${stmt.text}`, stmt.values)).rows.map((r) => r['QUERY PLAN']).join('\n');
    assert.match(plan, /lead_words_words_idx/, plan);
    const page = await t.pool.query<{ id: string }>(stmt.text, stmt.values);
    assert.deepEqual(page.rows.map((r) => r.id).sort(), [500, 1000, 1500, 2000, 2500, 3000, 3500, 4000].map((g) => `lead_gin${g}`).sort());
  });
});
