/**
 * Every filter of the event log runs on an index: the statements the API runs, for each of Close's
 * supported filter combinations and the ones Sluice adds, in both directions, with and without a
 * cursor and date bounds, are EXPLAINed with sequential scans and sorts priced out. A plan that still
 * scans `events` sequentially, or sorts rows an index should have delivered in order, means no
 * index serves that shape. The log holds 20,000 events of 4,000 leads, analysed, so that reading
 * every event of the organization by date costs the planner what it would on a real log: the
 * narrowing index must win on cost, not only exist. The object and lead indexes are keyed by a hash
 * and date_updated (migration 0026): their rows tied on date_updated are put in id order by an
 * incremental sort, the one sort allowed besides the per-action merge's.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { eventsQuery, type EventFilters, type PageRequest } from '../../src/events/list-events.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';

const CLOSE_COMBINATIONS: Omit<EventFilters, 'dates'>[] = [
  { objectType: 'lead', objectId: 'lead_x' },
  { objectType: 'lead', action: 'deleted' },
  { objectId: 'lead_x', action: 'updated' },
  { leadId: 'lead_x', objectType: 'contact' },
  { leadId: 'lead_x', objectType: 'contact', action: 'created' },
  { leadId: 'lead_x', userId: 'user_x', objectType: 'contact' },
  { leadId: 'lead_x', userId: 'user_x', objectType: 'contact', action: 'created' },
  { leadId: 'lead_x', userId: 'user_x' },
  { userId: 'user_x', objectId: 'lead_x' },
  { userId: 'user_x', objectId: 'lead_x', action: 'updated' },
  { userId: 'user_x', objectType: 'lead' },
  { userId: 'user_x', objectType: 'lead', action: 'updated' },
  { leadId: 'lead_x' },
  { userId: 'user_x' },
  { requestId: 'req_x' },
];
const SLUICE_COMBINATIONS: Omit<EventFilters, 'dates'>[] = [{}, { objectType: 'lead' }, { objectId: 'lead_x' }, { action: 'deleted' }, { requestId: 'req_x', objectType: 'lead' }];

const COLUMN = { objectType: 'object_type', objectId: 'object_id', leadId: 'lead_id', action: 'action', userId: 'user_id', requestId: 'request_id' } as const;

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Index Cond'?: string;
  'Presorted Key'?: string[];
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

describe('event log plans', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
    // 4,000 leads: a fifth of the events are leads', the rest their contacts'; ten users, two months.
    await t.pool.query(
      `INSERT INTO events (id, organization_id, object_type, object_id, lead_id, action, user_id, request_id, date_created, date_updated)
       SELECT 'ev_' || lpad(n::text, 43, '0'), $1,
              CASE WHEN n % 5 = 0 THEN 'lead' ELSE 'contact' END,
              CASE WHEN n % 5 = 0 THEN 'lead_' || (n % 4000) ELSE 'cont_' || (n % 8000) END,
              'lead_' || (n % 4000), (ARRAY['created', 'updated', 'deleted'])[n % 3 + 1], 'user_' || (n % 10),
              CASE WHEN n % 1000 = 0 THEN 'req_' || n END, d, d
       FROM generate_series(1, 20000) n, LATERAL (SELECT timestamptz '2026-01-01' + n * interval '4 minutes') t(d)`,
      [t.orgA.organization_id],
    );
    await t.pool.query('ANALYZE events');
  });

  async function explain(request: PageRequest): Promise<PlanNode[]> {
    const compiled = eventsQuery(request).compile(t.db);
    const client = await t.pool.connect();
    try {
      await client.query('BEGIN');
      // Price out everything but index scans: what remains is what no index can serve.
      await client.query('SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off; SET LOCAL enable_sort = off');
      const result = await client.query(`EXPLAIN (FORMAT JSON) ${compiled.sql}`, compiled.parameters as unknown[]);
      await client.query('ROLLBACK');
      return nodes((result.rows[0]['QUERY PLAN'] as { Plan: PlanNode }[])[0]!.Plan);
    } finally {
      client.release();
    }
  }

  const shapes = [...CLOSE_COMBINATIONS, ...SLUICE_COMBINATIONS];
  for (const filters of shapes) {
    const name = Object.keys(filters).join(' + ') || '(none)';
    test(`${name}: index scans only, rows in index order`, async () => {
      const variants: PageRequest[] = [];
      for (const direction of ['next', 'previous'] as const) {
        for (const after of [undefined, { at: '2026-02-01T10:00:00.000000', id: 'ev_x' }]) {
          for (const dates of [{}, { gte: '2026-01-01T00:00:00.000000+00:00', lt: '2026-03-01T00:00:00.000000+00:00' }]) {
            if (direction === 'previous' && !after) continue;
            // As the API reads: up to the visibility horizon towards the newest (event-page.ts).
            const horizon = direction === 'previous' || !after ? '2026-02-02 10:00:00.123456+00' : undefined;
            variants.push({ organizationId: t.orgA.organization_id, filters: { ...filters, dates }, direction, after, horizon, limit: 51 });
          }
        }
      }
      for (const request of variants) {
        const plan = await explain(request);
        const label = `${name} ${request.direction} ${request.after ? 'cursor' : 'first'} ${Object.keys(request.filters.dates).length ? 'dates' : ''}`;
        const scans = plan.filter((n) => /^events_(legacy|overflow|p\d{8})$/.test(n['Relation Name'] ?? ''));
        assert.ok(scans.length > 0, label);
        for (const scan of scans) assert.match(scan['Node Type'], /^Index( Only)? Scan$/, `${label}: ${scan['Node Type']}`);
        // And the index is one that narrows by a filter: some filter is an Index Cond of the page's
        // scan, not a Filter applied to every event of the organization.
        const columns: string[] = Object.keys(filters).map((key) => COLUMN[key as keyof typeof COLUMN]);
        if (Object.keys(request.filters.dates).length > 0 && columns.length === 0) columns.push('date_updated');
        if (columns.length > 0) {
          const narrowed = scans.some((scan) => columns.some((column) => {
            const cond = scan['Index Cond'] ?? '';
            return cond.includes(`${column} =`) || cond.includes(`hashtextextended(${column},`) || (column === 'date_updated' && cond.includes('date_updated'));
          }));
          assert.ok(narrowed, `${label}: ${scans.map((s) => `${s['Index Name']} [${s['Index Cond']}]`).join('; ')}`);
        }
        const perAction = Object.keys(filters).length === 1 && (filters.objectType !== undefined || filters.action !== undefined);
        // The per-action merge sorts at most (actions × limit) rows above the index scans; nothing
        // else sorts (lead_id alone reads two indexes, merged in order by a Merge Append), except
        // ties on date_updated from an index that ends in it.
        const sorts = plan.filter((n) => n['Node Type'] === 'Sort');
        assert.equal(sorts.length, perAction ? 1 : 0, `${label}: ${sorts.length} sorts`);
        for (const sort of plan.filter((n) => n['Node Type'] === 'Incremental Sort')) {
          assert.match(String(sort['Presorted Key']), /^(e(_\d+)?\.)?date_updated$/, `${label}: incremental sort on ${String(sort['Presorted Key'])}`);
        }
      }
    });
  }

  test('the events\' identifiers compare byte by byte (migration 0024), so their indexes never call strcoll', async () => {
    const { rows } = await t.pool.query<{ attname: string; collname: string }>(
      `SELECT a.attname, c.collname FROM pg_attribute a JOIN pg_collation c ON c.oid = a.attcollation
       WHERE a.attrelid = 'events'::regclass AND a.attnum > 0 AND NOT a.attisdropped AND a.atttypid = 'text'::regtype ORDER BY a.attnum`,
    );
    assert.deepEqual(rows, ['id', 'organization_id', 'object_type', 'object_id', 'lead_id', 'action', 'user_id', 'api_key_id', 'request_id']
      .map((attname) => ({ attname, collname: 'C' })));
  });
});
