/**
 * `GET /lead/` stays cheap: the page is served by leads_org_created_idx without a sort, a narrow
 * `_fields` does not load contacts or addresses, and count(*) runs only when the page cannot tell
 * the total — while every answer stays what the full path would give.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { Kysely, PostgresDialect, sql } from 'kysely';
import type { Database } from '../../src/db/schema.ts';
import { pickFields } from '../../src/http/fields.ts';
import { leadPageQuery, listLeads } from '../../src/leads/list-leads.ts';
import { createOrganization } from '../../src/orgs/create-organization.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { statusesOf } from './fixtures.ts';

describe('GET /lead/ cost', () => {
  let t: TestApp;
  let counted: Kysely<Database>;
  let statements: string[] = [];
  const apiIds: string[] = [];

  before(async () => {
    t = await createTestApp();
    counted = new Kysely<Database>({
      dialect: new PostgresDialect({ pool: t.pool }),
      log: (event) => {
        statements.push(event.query.sql);
      },
    });
    for (let i = 0; i < 3; i++) {
      const res = await t.call('POST', '/api/v1/lead/', {
        body: {
          name: i === 1 ? '' : `Lead ${i}`,
          contacts: [{ name: `Contact ${i}`, emails: [{ email: `c${i}@example.com` }], phones: [{ phone: '4155550100' }] }],
          addresses: [{ city: `City ${i}` }],
        },
      });
      assert.equal(res.status, 200, res.text);
      apiIds.push(res.body.id);
    }
    await t.call('POST', '/api/v1/lead/', { key: t.orgB.api_key, body: { name: 'B lead' } });
  });

  function countStatements(): number {
    return statements.filter((s) => /count\(\*\)/i.test(s)).length;
  }

  test('the page query walks leads_org_created_idx in order, with no sort', async () => {
    const org = t.orgA.organization_id;
    const [status] = await statusesOf(t.db, org);
    // Enough rows (and another organization's) that the planner chooses on cost, not on size.
    for (const target of [org, t.orgB.organization_id]) {
      const statusId = target === org ? status!.id : (await statusesOf(t.db, target))[0]!.id;
      await sql`INSERT INTO leads (id, organization_id, name, status_id, date_created, date_updated)
        SELECT 'lead_bulk' || ${target} || g, ${target}, 'Bulk ' || g, ${statusId},
               now() - (g || ' seconds')::interval, now()
        FROM generate_series(1, 20000) AS g`.execute(t.db);
    }
    await sql`ANALYZE leads`.execute(t.db);
    for (const page of [{ skip: 0, limit: 100 }, { skip: 5000, limit: 200 }]) {
      const compiled = leadPageQuery(t.db, org, page).compile();
      const explained = await sql<{ 'QUERY PLAN': unknown }>`EXPLAIN (FORMAT JSON) ${sql.raw(compiled.sql.replace(/\$(\d+)/g, (_m, n: string) => `'${String(compiled.parameters[Number(n) - 1])}'`))}`.execute(t.db);
      const plan = JSON.stringify(explained.rows[0]!['QUERY PLAN']);
      assert.match(plan, /"Index Name":"leads_org_created_idx"/, plan);
      assert.doesNotMatch(plan, /"Node Type":"Sort"/, plan);
      assert.doesNotMatch(plan, /"Node Type":"Seq Scan"/, plan);
    }
    await sql`DELETE FROM leads WHERE id LIKE 'lead_bulk%'`.execute(t.db);
  });

  test('a narrow _fields reads neither contacts nor addresses and gives the same values', async () => {
    const org = t.orgA.organization_id;
    const publicUrl = t.config.publicUrl;
    statements = [];
    const narrow = await listLeads(counted, org, { skip: 0, limit: 100 }, { publicUrl, fields: ['id', 'name', 'status_label', 'custom'] });
    assert.ok(!statements.some((s) => /"contacts"|"contact_emails"|"addresses"/.test(s)), statements.join('\n'));
    const full = await t.call('GET', '/api/v1/lead/');
    assert.deepEqual(
      narrow.data.map((o) => pickFields(o, ['id', 'name', 'status_label', 'custom'])),
      full.body.data.map((o: Record<string, unknown>) => pickFields(o, ['id', 'name', 'status_label', 'custom'])),
    );
    statements = [];
    await listLeads(counted, org, { skip: 0, limit: 100 }, { publicUrl, fields: ['id', 'display_name'] });
    assert.ok(statements.some((s) => /from "contacts"/.test(s)), 'display_name falls back to the first contact’s name');
    statements = [];
    await listLeads(counted, org, { skip: 0, limit: 100 }, { publicUrl, fields: ['addresses'] });
    assert.ok(statements.some((s) => /from "addresses"/.test(s)));
    assert.ok(!statements.some((s) => /from "contacts"/.test(s)));
  });

  test('over HTTP, each _fields answer equals the full object restricted to it', async () => {
    const full = (await t.call('GET', '/api/v1/lead/')).body.data as Record<string, unknown>[];
    for (const fields of ['id,name', 'display_name', 'contact_ids,primary_email,primary_phone', 'addresses,html_url', 'contacts', 'created_by_name,date_updated']) {
      const list = await t.call('GET', `/api/v1/lead/?_fields=${fields}`);
      assert.equal(list.status, 200);
      assert.deepEqual(list.body.data, full.map((o) => pickFields(o, fields.split(','))), fields);
      const one = await t.call('GET', `/api/v1/lead/${apiIds[1]}/?_fields=${fields}`);
      assert.deepEqual(one.body, pickFields(full[1]!, fields.split(',')), fields);
    }
    assert.equal(full[1]!.display_name, 'Contact 1', 'an unnamed lead shows its first contact’s name');
  });

  test('count(*) runs only when the page cannot tell total_results, which is always right', async () => {
    const org = t.orgA.organization_id;
    const publicUrl = t.config.publicUrl;
    const cases: { skip: number; limit: number; counts: boolean; total: number; size: number; hasMore: boolean }[] = [
      { skip: 0, limit: 100, counts: false, total: 3, size: 3, hasMore: false },
      { skip: 2, limit: 100, counts: false, total: 3, size: 1, hasMore: false },
      { skip: 0, limit: 2, counts: true, total: 3, size: 2, hasMore: true },
      { skip: 0, limit: 0, counts: true, total: 3, size: 0, hasMore: true },
      { skip: 3, limit: 10, counts: true, total: 3, size: 0, hasMore: false },
      { skip: 50, limit: 10, counts: true, total: 3, size: 0, hasMore: false },
    ];
    for (const c of cases) {
      statements = [];
      const res = await listLeads(counted, org, { skip: c.skip, limit: c.limit }, { publicUrl, fields: ['id'] });
      const label = JSON.stringify(c);
      assert.equal(countStatements() > 0, c.counts, label);
      assert.equal(res.total_results, c.total, label);
      assert.equal(res.data.length, c.size, label);
      assert.equal(res.has_more, c.hasMore, label);
    }
    const empty = await createOrganization(t.db, { name: 'Empty', userEmail: 'nobody@empty.example' });
    statements = [];
    const none = await listLeads(counted, empty.organization_id, { skip: 0, limit: 100 }, { publicUrl });
    assert.deepEqual(none, { data: [], has_more: false, total_results: 0 });
    assert.equal(countStatements(), 0);
    const viaApi = await t.call('GET', '/api/v1/lead/?_skip=1&_limit=1', { key: empty.api_key });
    assert.deepEqual(viaApi.body, { data: [], has_more: false, total_results: 0 });
  });
});
