/**
 * The event log's visibility horizon (src/events/visibility-horizon.ts): a transaction that stamps
 * its event first and commits last (as two bulk batches at once do) must not be skipped by a client
 * polling with cursor_previous. Without the horizon, the poll passes the later event while the
 * earlier one is uncommitted, and the earlier one, committed afterwards below the poll's position,
 * is never seen.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import pg from 'pg';
import { recordEvent } from '../../src/events/record-event.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';

interface Page {
  data: { id: string; object_id: string; action: string; meta: Record<string, unknown> }[];
  cursor_previous: string | null;
}

describe('the event log under a transaction stamped first and committed last', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });

  const page = async (url: string): Promise<Page> => {
    const res = await t.call<Page>('GET', url);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  };

  test('an open transaction holds newer events back from the first page and cursor_previous; after it commits, a poll gets both, in order', async () => {
    const created = await t.call('POST', '/api/v1/lead/', { body: { name: 'Horizon' } });
    assert.equal(created.status, 200);
    const leadId = created.body.id as string;
    const query = `object_type=lead&object_id=${leadId}`;
    const first = await page(`/api/v1/event/?${query}`);
    assert.deepEqual(first.data.map((e) => e.action), ['created']);
    let cursor = first.cursor_previous!;

    // The slow writer: stamps its event, then stays open.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let stamped!: () => void;
    const wasStamped = new Promise<void>((resolve) => (stamped = resolve));
    const slow = t.db.transaction().execute(async (trx) => {
      await recordEvent(trx, { organizationId: t.orgA.organization_id, objectType: 'lead', objectId: leadId, leadId, action: 'updated', meta: { writer: 'slow' } });
      stamped();
      await gate;
    });
    try {
      await wasStamped;
      // The fast writer: its event is stamped later and commits first.
      const put = await t.call('PUT', `/api/v1/lead/${leadId}/`, { body: { name: 'Horizon renamed' } });
      assert.equal(put.status, 200);
      const committed = await t.db.selectFrom('events').select('id').where('object_id', '=', leadId).where('action', '=', 'updated').execute();
      assert.equal(committed.length, 1, 'only the fast event is committed');

      // While the slow transaction is open, neither the first page nor a poll shows the fast event.
      const during = await page(`/api/v1/event/?${query}&_cursor=${cursor}`);
      assert.deepEqual(during.data, [], 'a poll does not pass the open transaction');
      assert.equal(during.cursor_previous, null);
      const firstDuring = await page(`/api/v1/event/?${query}`);
      assert.deepEqual(firstDuring.data.map((e) => e.action), ['created'], 'the first page stops before the open transaction');
    } finally {
      release();
      await slow;
    }

    // Both are in once it commits: the slow one first (it was stamped first), then the fast one.
    const seen: Page['data'] = [];
    for (;;) {
      const next = await page(`/api/v1/event/?${query}&_cursor=${cursor}`);
      if (next.data.length === 0) break;
      seen.push(...next.data.reverse());
      cursor = next.cursor_previous!;
    }
    assert.deepEqual(
      seen.map((e) => [e.action, e.meta.writer ?? 'fast']),
      [
        ['updated', 'slow'],
        ['updated', 'fast'],
      ],
    );
  });

  test("an open transaction of this database holds newer events back, another database's does not", async () => {
    const elsewhere = new pg.Client({ connectionString: process.env.SLUICE_TEST_ADMIN_URL });
    await elsewhere.connect();
    const here = await t.pool.connect();
    try {
      await elsewhere.query('BEGIN');
      await elsewhere.query('SELECT 1');
      await here.query('BEGIN');
      await here.query('SELECT 1');
      const created = await t.call('POST', '/api/v1/lead/', { body: { name: 'Horizon elsewhere' } });
      assert.equal(created.status, 200);
      const url = `/api/v1/event/?object_type=lead&object_id=${created.body.id}`;
      assert.deepEqual((await page(url)).data, [], 'held back while a transaction older than it is open here');
      await here.query('ROLLBACK');
      assert.deepEqual((await page(url)).data.map((e) => e.action), ['created'], 'shown while only the other database has one open');
    } finally {
      await here.query('ROLLBACK').catch(() => {});
      here.release();
      await elsewhere.query('ROLLBACK').catch(() => {});
      await elsewhere.end();
    }
  });
});
