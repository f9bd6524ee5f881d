import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { exportFilePath } from '../../src/exports/export-file.ts';
import { insertCustomField, insertLeads, SORT_BY_NAME_DESC, startWorker, TARGET_QUERY } from '../bulk-actions/fixtures.ts';
import type { TestApp } from '../helpers/app.ts';
import { createExportApp, downloadLink, downloadWithKey, parseCsv, runExport, singleMember } from './helpers.ts';

const DEFAULT_LEAD_FIELDS = [
  'addresses', 'contacts', 'created_by', 'created_by_name', 'custom', 'date_created', 'date_updated', 'description',
  'display_name', 'id', 'name', 'status_id', 'status_label', 'updated_by', 'updated_by_name', 'url',
];

function nameQuery(word: string) {
  return {
    type: 'and',
    queries: [
      { type: 'object_type', object_type: 'lead' },
      { type: 'field_condition', field: { type: 'regular_field', object_type: 'lead', field_name: 'name' }, condition: { type: 'text', mode: 'full_words', value: word } },
    ],
  };
}

/** The API's own view of a lead restricted to `fields` the way an export reads them. */
function pick(object: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of fields) {
    if (name === 'custom') {
      for (const [key, value] of Object.entries(object)) if (key === 'custom' || key.startsWith('custom.')) out[key] = value;
    } else if (Object.hasOwn(object, name)) out[name] = object[name];
  }
  return out;
}

describe('exports: files in Close shapes, run by the engine', () => {
  let t: TestApp & { dataDir: string };
  let fieldId: string;
  let whenId: string;
  let richIds: string[];

  before(async () => {
    t = await createExportApp({ env: { BULK_BATCH_SIZE: '7' } });
    await startWorker(t);
    fieldId = await insertCustomField(t.db, t.orgA.organization_id, { name: 'Source', type: 'text' });
    whenId = await insertCustomField(t.db, t.orgA.organization_id, { name: 'Met at', type: 'datetime' });
    await insertCustomField(t.db, t.orgA.organization_id, { name: 'Role', type: 'text', objectType: 'contact' });
    // Rich leads through the API: contacts with emails and phones, addresses, custom values, text
    // that CSV must quote.
    richIds = [];
    for (let i = 0; i < 3; i++) {
      const res = await t.call('POST', '/api/v1/lead/', {
        body: {
          name: `Target rich ${i}, "quoted"\nline`,
          description: 'a, b',
          [`custom.${fieldId}`]: `web ${i}`,
          [`custom.${whenId}`]: '2026-02-03T04:05:06+00:00',
          addresses: [{ label: 'business', address_1: '1 Main St', city: 'Springfield', country: 'US' }],
          contacts: [
            { name: `Ann ${i}`, emails: [{ email: `ann${i}@x.example`, type: 'office' }], phones: [{ phone: '+16505551234', type: 'office' }] },
            { name: `Bob ${i}`, title: 'CTO' },
          ],
        },
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      richIds.push(res.body.id);
    }
    await insertLeads(t.db, t.orgA.organization_id, 20, { contactsPerLead: 1 });
    await insertLeads(t.db, t.orgA.organization_id, 5, { prefix: 'Other' });
    // The neighbour's leads match the same query and must never appear.
    await insertLeads(t.db, t.orgB.organization_id, 6, { contactsPerLead: 2 });
  });

  test('JSON leads export: the API objects with the default fields, in order, one gzip member', async () => {
    const done = await runExport(t, { s_query: TARGET_QUERY, format: 'json', type: 'leads' });
    assert.equal(done.status, 'done');
    assert.equal(done.format, 'json');
    assert.equal(done.type, 'leads');
    assert.deepEqual(done.fields, DEFAULT_LEAD_FIELDS);
    assert.equal(done.n_docs, 23);
    assert.equal(done.n_docs_processed, 23);
    assert.match(done.download_url, /\/download\/export\/expo_\w+\/\?expires=\d+&signature=[\w-]+$/);
    assert.ok(done.date_expires);
    assert.ok(done.file_size > 0);

    const file = await downloadWithKey(t, done.id);
    assert.equal(file.status, 200);
    assert.equal(file.headers['content-encoding'], 'gzip');
    assert.match(String(file.headers['content-type']), /^application\/json/);
    assert.equal(Number(file.headers['content-length']), done.file_size);
    assert.equal(singleMember(file.raw), file.text);
    const leads = JSON.parse(file.text) as Record<string, unknown>[];
    assert.equal(leads.length, 23);
    // Without sort: Advanced Filtering's default order, as /data/search/ returns it.
    const search = await t.call('POST', '/api/v1/data/search/', { body: { query: TARGET_QUERY, _limit: 200 } });
    assert.deepEqual(leads.map((l) => l.id), search.body.data.map((l: { id: string }) => l.id));
    for (const lead of leads) {
      const api = await t.call('GET', `/api/v1/lead/${lead.id}/`);
      assert.deepEqual(lead, pick(api.body, DEFAULT_LEAD_FIELDS), 'exactly the API object, narrowed to the fields');
      assert.deepEqual(Object.keys(lead).filter((k) => !k.startsWith('custom')), DEFAULT_LEAD_FIELDS.filter((f) => f !== 'custom' && Object.hasOwn(lead, f)));
    }
    const rich = leads.find((l) => l.id === richIds[0])!;
    assert.equal(rich[`custom.${fieldId}`], 'web 0');
    assert.equal((rich.contacts as unknown[]).length, 2);
  });

  test('CSV with fields, sort and results_limit: header once, quoted fields, date_format', async () => {
    const fields = ['id', 'name', 'description', 'contacts', 'date_created', 'custom'];
    const done = await runExport(t, {
      s_query: TARGET_QUERY,
      sort: SORT_BY_NAME_DESC,
      results_limit: 10,
      format: 'csv',
      type: 'leads',
      fields,
      date_format: 'iso8601',
    });
    assert.equal(done.status, 'done');
    assert.equal(done.n_docs, 10);
    assert.deepEqual(done.fields, fields);
    assert.equal(done.date_format, 'iso8601');
    const file = await downloadWithKey(t, done.id);
    assert.match(String(file.headers['content-type']), /^text\/csv/);
    const rows = parseCsv(file.text);
    assert.deepEqual(rows[0], ['id', 'name', 'description', 'contacts', 'date_created', `custom.${fieldId}`, `custom.${whenId}`]);
    assert.equal(rows.length, 11, 'one header, ten rows');
    const names = rows.slice(1).map((r) => r[1]!);
    assert.deepEqual(names, [...names].sort().reverse(), 'sorted by name, descending');
    // Rich leads sort first ("Target r…" > "Target l…"): their text survives quoting.
    const rich = rows.find((r) => r[0] === richIds[2])!;
    assert.equal(rich[1], 'Target rich 2, "quoted"\nline');
    assert.equal(rich[2], 'a, b');
    assert.equal((JSON.parse(rich[3]!) as unknown[]).length, 2, 'nested values are JSON');
    assert.match(rich[4]!, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$/);
    assert.equal(rich[5], 'web 2');
    assert.equal(rich[6], '2026-02-03T04:05:06+00:00');

    const excel = await runExport(t, { s_query: nameQuery('rich'), format: 'csv', type: 'leads', fields: ['id', `custom.${whenId}`], date_format: 'excel' });
    const excelRows = parseCsv((await downloadWithKey(t, excel.id)).text);
    assert.deepEqual(excelRows[0], ['id', `custom.${whenId}`]);
    assert.deepEqual(excelRows.slice(1).map((r) => r[1]), ['2026-02-03 04:05:06 AM', '2026-02-03 04:05:06 AM', '2026-02-03 04:05:06 AM']);
    const original = await runExport(t, { s_query: nameQuery('rich'), format: 'csv', type: 'leads', fields: ['id', `custom.${whenId}`] });
    assert.equal(original.date_format, 'original');
    const originalRows = parseCsv((await downloadWithKey(t, original.id)).text);
    assert.deepEqual(originalRows.slice(1).map((r) => r[1]), Array(3).fill('2026-02-03 04:05:06.000000+00:00'));
  });

  test('contacts export: one row per contact of the matched leads, by lead then creation', async () => {
    const json = await runExport(t, { s_query: TARGET_QUERY, format: 'json', type: 'contacts' });
    assert.equal(json.n_docs, 26, '3 rich leads with 2 contacts, 20 with 1');
    assert.equal(json.n_docs_processed, 26);
    const contacts = JSON.parse((await downloadWithKey(t, json.id)).text) as Record<string, unknown>[];
    assert.equal(contacts.length, 26);
    assert.deepEqual(Object.keys(contacts[0]!).filter((k) => !k.startsWith('custom')), [
      'created_by', 'date_created', 'date_updated', 'emails', 'id', 'lead_id', 'name', 'phones', 'title', 'updated_by', 'urls',
    ]);
    const api = await t.call('GET', `/api/v1/contact/${contacts[0]!.id}/`);
    assert.deepEqual(contacts[0], pick(api.body, json.fields));
    const leadOrder = [...new Set(contacts.map((c) => c.lead_id))];
    assert.equal(leadOrder.length, 23);
    const first = contacts.filter((c) => c.lead_id === richIds[0]).map((c) => c.name);
    assert.deepEqual(first, ['Ann 0', 'Bob 0']);

    const csv = await runExport(t, { s_query: TARGET_QUERY, format: 'csv', type: 'contacts', fields: ['lead_id', 'name', 'emails', 'custom'] });
    const rows = parseCsv((await downloadWithKey(t, csv.id)).text);
    assert.equal(rows[0]!.length, 4, 'lead_id, name, emails and the one contact custom field');
    assert.equal(rows.length, 27);
    assert.deepEqual(JSON.parse(rows.find((r) => r[1] === 'Ann 1')![2]!), [{ email: 'ann1@x.example', type: 'office', is_unsubscribed: false }]);
  });

  test('an empty selection gives a valid empty file: [] for JSON, the header for CSV', async () => {
    const nothing = { type: 'id', value: 'lead_none' };
    const json = await runExport(t, { s_query: nothing, format: 'json', type: 'leads' });
    assert.equal(json.n_docs, 0);
    assert.equal((await downloadWithKey(t, json.id)).text, '[]\n');
    const csv = await runExport(t, { s_query: nothing, format: 'csv', type: 'contacts', fields: ['id', 'name'] });
    assert.equal((await downloadWithKey(t, csv.id)).text, 'id,name\r\n');
  });

  test('no s_query exports every lead of the organization, and nothing of another', async () => {
    const all = await runExport(t, { format: 'json', type: 'leads', fields: ['id', 'organization_id'] });
    assert.deepEqual(all.s_query, { type: 'match_all' });
    const leads = JSON.parse((await downloadWithKey(t, all.id)).text) as { organization_id: string }[];
    assert.equal(leads.length, 28);
    assert.ok(leads.every((l) => l.organization_id === t.orgA.organization_id));
  });

  test('invalid requests are 400s naming the field, and create nothing', async () => {
    const before = await t.db.selectFrom('bulk_actions').select('id').where('kind', '=', 'export').execute();
    const cases: [Record<string, unknown>, string][] = [
      [{ type: 'leads' }, 'format'],
      [{ format: 'xml', type: 'leads' }, 'format'],
      [{ format: 'csv' }, 'type'],
      [{ format: 'csv', type: 'lead_opps' }, 'type'],
      [{ format: 'csv', type: 'leads', fields: ['id', 'nope'] }, 'fields[1]'],
      [{ format: 'csv', type: 'leads', fields: ['emails'] }, 'fields[0]'],
      [{ format: 'csv', type: 'contacts', fields: [`custom.${fieldId}`] }, 'fields[0]'],
      [{ format: 'csv', type: 'leads', fields: [] }, 'fields'],
      [{ format: 'csv', type: 'leads', date_format: 'us' }, 'date_format'],
      [{ format: 'json', type: 'leads', include_activities: true }, 'include_activities'],
      [{ format: 'json', type: 'leads', s_query: { type: 'object_type', object_type: 'contact' } }, 's_query'],
      [{ format: 'json', type: 'leads', query: 'name:foo' }, 's_query'],
      [{ format: 'json', type: 'leads', results_limit: -1 }, 'results_limit'],
    ];
    for (const [body, field] of cases) {
      const res = await t.call('POST', '/api/v1/export/lead/', { body });
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.ok(Object.keys(res.body['field-errors'] ?? {}).some((k) => k.startsWith(field)), `${JSON.stringify(body)}: ${JSON.stringify(res.body)}`);
    }
    // Organization B's custom field is unknown to A.
    const theirs = await insertCustomField(t.db, t.orgB.organization_id, { name: 'Theirs', type: 'text' });
    const res = await t.call('POST', '/api/v1/export/lead/', { body: { format: 'csv', type: 'leads', fields: [`custom.${theirs}`] } });
    assert.equal(res.status, 400);
    const after = await t.db.selectFrom('bulk_actions').select('id').where('kind', '=', 'export').execute();
    assert.equal(after.length, before.length);
  });

  test("another organization's export is a 404 everywhere; lists are per organization", async () => {
    const done = await runExport(t, { s_query: TARGET_QUERY, format: 'json', type: 'leads', fields: ['id'] });
    const key = t.orgB.api_key;
    assert.equal((await t.call('GET', `/api/v1/export/${done.id}/`, { key })).status, 404);
    assert.equal((await t.call('GET', `/api/v1/export/lead/${done.id}/`, { key })).status, 404);
    assert.equal((await t.call('PUT', `/api/v1/export/${done.id}/`, { key, body: { status: 'cancelled' } })).status, 404);
    assert.equal((await downloadWithKey(t, done.id, key)).status, 404);
    const listB = await t.call('GET', '/api/v1/export/', { key });
    assert.deepEqual(listB.body.data, []);
    const listA = await t.call('GET', '/api/v1/export/?_limit=2');
    assert.equal(listA.body.data.length, 2);
    assert.equal(listA.body.has_more, true);
    assert.equal(listA.body.data[0].id, done.id, 'newest first');
    const leadList = await t.call('GET', '/api/v1/export/lead/?_limit=1');
    assert.equal(leadList.body.data[0].id, done.id);
    // An export is not a bulk action, and a bulk action is not an export.
    assert.equal((await t.call('GET', `/api/v1/bulk_action/delete/${done.id}/`)).status, 404);
    const bulk = await t.call('POST', '/api/v1/bulk_action/delete/', { body: { s_query: { type: 'id', value: 'lead_none' }, send_done_email: false } });
    assert.equal((await t.call('GET', `/api/v1/export/${bulk.body.id}/`)).status, 404);
  });

  test('download_url works without a key; a forged, foreign or expired link is refused', async () => {
    const done = await runExport(t, { s_query: TARGET_QUERY, format: 'csv', type: 'leads', fields: ['id'] });
    const byKey = await downloadWithKey(t, done.id);
    const byLink = await downloadLink(t, done.download_url);
    assert.equal(byLink.status, 200);
    assert.deepEqual(byLink.raw, byKey.raw);
    assert.equal(byLink.headers['content-encoding'], 'gzip');

    const url = new URL(done.download_url);
    const signature = url.searchParams.get('signature')!;
    const forged = new URL(url);
    forged.searchParams.set('signature', `${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`);
    assert.equal((await downloadLink(t, forged.toString())).status, 403);
    const later = new URL(url);
    later.searchParams.set('expires', String(Number(url.searchParams.get('expires')) + 3600));
    assert.equal((await downloadLink(t, later.toString())).status, 403, 'the expiry is signed');
    const other = await runExport(t, { s_query: TARGET_QUERY, format: 'csv', type: 'leads', fields: ['id'], results_limit: 1 });
    const swapped = new URL(url);
    swapped.pathname = `/download/export/${other.id}/`;
    assert.equal((await downloadLink(t, swapped.toString())).status, 403, 'a link opens only its export');
    assert.equal((await downloadLink(t, `${url.origin}/download/export/${done.id}/`)).status, 403);
    const res = await t.app.inject({ method: 'GET', url: `/api/v1/export/${done.id}/download/` });
    assert.equal(res.statusCode, 401, 'the API route needs the key');
  });

  test('files are 0600 in a 0700 folder under DATA_DIR/exports', async () => {
    const done = await runExport(t, { s_query: TARGET_QUERY, format: 'json', type: 'leads', fields: ['id'] });
    const file = exportFilePath(t.dataDir, done.id, 'json');
    assert.equal(path.dirname(file), path.join(t.dataDir, 'exports'));
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.equal(fs.statSync(path.dirname(file)).mode & 0o777, 0o700);
  });

  test('events: the export records created and completed under object_type export', async () => {
    const done = await runExport(t, { s_query: TARGET_QUERY, format: 'json', type: 'leads', fields: ['id'] });
    const events = await t.db.selectFrom('events').select(['object_type', 'action', 'data']).where('object_id', '=', done.id).orderBy('date_created').execute();
    assert.ok(events.length >= 3);
    assert.ok(events.every((e) => e.object_type === 'export'));
    assert.deepEqual([events[0]!.action, events.at(-1)!.action], ['created', 'completed']);
    const data = events.at(-1)!.data as Record<string, unknown>;
    assert.equal(data.status, 'done');
    assert.equal(data.download_url, null, 'no bearer link in the event log');
  });
});
