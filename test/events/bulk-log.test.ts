/**
 * The event log under a bulk edit and a bulk delete of 2,000 leads (BULK_BATCH_SIZE 100, so 20
 * batches, each its own transaction): every lead has exactly one event carrying the action's
 * `meta.bulk_action_id`, and walking the log by cursor while new events keep arriving neither
 * misses nor repeats one. Organization B runs the same actions on leads of the same names at the
 * same time; none of its events may show.
 *
 * What "nothing missed" is checked against: after the walk, the database's own list of the
 * organization's matching events up to the walk's first event, which the walk must equal exactly
 * (the events that arrived meanwhile are newer than that first event, and cursor_previous reads
 * them afterwards).
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { insertCustomField, insertLeads, startWorker, TARGET_QUERY, waitForStatus } from '../bulk-actions/fixtures.ts';

const N = 2_000;
const LIMIT = 50;

interface Seen {
  readonly id: string;
  readonly object_id: string;
  readonly organization_id: string;
  readonly date_updated: string;
  readonly meta: Record<string, unknown>;
}

describe('the event log under a bulk edit and a bulk delete', () => {
  let t: TestApp;
  let target: string[];
  let others: string[];
  let theirs: string[];

  before(async () => {
    t = await createTestApp({ env: { BULK_BATCH_SIZE: '100', BULK_BATCH_DELAY_MS: '10' } });
    await startWorker(t);
    target = await insertLeads(t.db, t.orgA.organization_id, N, { contactsPerLead: 1 });
    others = await insertLeads(t.db, t.orgA.organization_id, 20, { prefix: 'Other' });
    theirs = await insertLeads(t.db, t.orgB.organization_id, 500, { contactsPerLead: 1 });
  });

  const get = async (url: string, key?: string) => {
    const res = await t.call('GET', url, key ? { key } : {});
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body as { data: Seen[]; cursor_next: string | null; cursor_previous: string | null };
  };

  /**
   * Walks `query` down from the newest event; returns what it saw, the first event, the first
   * page's cursor_previous and the last page's (with how many events that page had).
   */
  async function walkDown(query: string, afterFirstPage?: () => Promise<void>) {
    const first = await get(`/api/v1/event/?${query}&_limit=${LIMIT}`);
    await afterFirstPage?.();
    const seen = [...first.data];
    let page = first;
    while (page.cursor_next) {
      page = await get(`/api/v1/event/?${query}&_limit=${LIMIT}&_cursor=${page.cursor_next}`);
      seen.push(...page.data);
    }
    return { seen, top: first.data[0], previous: first.cursor_previous, bottomPrevious: page.cursor_previous, bottomSize: page.data.length };
  }

  /** Follows cursor_previous from `cursor` until a page comes back empty; returns the events, oldest page first. */
  async function walkUp(query: string, cursor: string | null): Promise<{ seen: Seen[]; last: string | null }> {
    const seen: Seen[] = [];
    let last = cursor;
    while (cursor) {
      const page = await get(`/api/v1/event/?${query}&_limit=${LIMIT}&_cursor=${cursor}`);
      if (page.data.length === 0) break;
      seen.push(...page.data);
      last = page.cursor_previous;
      cursor = page.cursor_previous;
    }
    return { seen, last };
  }

  /** The organization's events matching type/action up to and including `top`, newest first, from the database. */
  async function upTo(objectType: string, action: string, top: Seen): Promise<string[]> {
    const rows = await sql<{ id: string }>`
      SELECT id FROM events
      WHERE organization_id = ${t.orgA.organization_id} AND object_type = ${objectType} AND action = ${action}
        AND (date_updated, id) <= (${top.date_updated}::timestamptz, ${top.id}::text)
      ORDER BY date_updated DESC, id DESC`.execute(t.db);
    return rows.rows.map((r) => r.id);
  }

  function assertOnePerLead(seen: readonly Seen[], actionId: string) {
    const byLead = new Map<string, number>();
    for (const e of seen) if (e.meta.bulk_action_id === actionId) byLead.set(e.object_id, (byLead.get(e.object_id) ?? 0) + 1);
    assert.equal(byLead.size, N, `${byLead.size} leads have an event of ${actionId}`);
    for (const id of target) assert.equal(byLead.get(id), 1, id);
  }

  function assertNoRepeats(seen: readonly Seen[]) {
    assert.equal(new Set(seen.map((e) => e.id)).size, seen.length, 'no event is seen twice');
    assert.ok(seen.every((e) => e.organization_id === t.orgA.organization_id), 'only organization A');
  }

  test('bulk edit: one event per lead, and a walk while updates keep arriving misses and repeats nothing', async () => {
    const field = await insertCustomField(t.db, t.orgA.organization_id, { name: 'Tier', type: 'text' });
    const bField = await insertCustomField(t.db, t.orgB.organization_id, { name: 'Tier', type: 'text' });
    const edit = await t.call('POST', '/api/v1/bulk_action/edit/', {
      body: { s_query: TARGET_QUERY, type: 'set_custom_field', custom_field_id: field, custom_field_value: 'gold', send_done_email: false },
    });
    assert.equal(edit.status, 200, JSON.stringify(edit.body));
    const bEdit = await t.call('POST', '/api/v1/bulk_action/edit/', {
      key: t.orgB.api_key,
      body: { s_query: TARGET_QUERY, type: 'set_custom_field', custom_field_id: bField, custom_field_value: 'gold', send_done_email: false },
    });
    assert.equal(bEdit.status, 200, JSON.stringify(bEdit.body));
    await waitForStatus(t.db, edit.body.id, ['done'], 120_000);
    await waitForStatus(t.db, bEdit.body.id, ['done'], 120_000);

    // New lead.updated events keep arriving in both organizations while A's log is walked.
    let writing = true;
    let written = 0;
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        const res = await t.call('PUT', `/api/v1/lead/${others[i % others.length]}/`, { body: { name: `Other renamed ${i}` } });
        assert.equal(res.status, 200);
        await t.call('PUT', `/api/v1/lead/${theirs[i % theirs.length]}/`, { key: t.orgB.api_key, body: { name: `B renamed ${i}` } });
        written++;
      }
    })();
    let down: Awaited<ReturnType<typeof walkDown>>;
    const query = 'object_type=lead&action=updated';
    try {
      while (written < 3) await new Promise((resolve) => setTimeout(resolve, 10));
      const before = written;
      // The walk goes on only once new updates have landed after its first page, however slow the
      // writer is on a loaded machine: what is checked is a walk with updates arriving in the middle.
      down = await walkDown(query, async () => {
        while (written < before + 2) await new Promise((resolve) => setTimeout(resolve, 10));
      });
      assert.ok(written > before, 'updates arrived during the walk');
    } finally {
      writing = false;
      await writer;
    }
    assertNoRepeats(down.seen);
    assert.deepEqual(down.seen.map((e) => e.id), await upTo('lead', 'updated', down.top!), 'exactly the events up to the first one, in order');
    assertOnePerLead(down.seen, edit.body.id);

    // Back up from the oldest page: the same events in reverse, then those written since the walk began.
    const up = await walkUp(query, down.bottomPrevious);
    assertNoRepeats(up.seen);
    const retraced = down.seen.slice(0, -down.bottomSize).reverse().map((e) => e.id);
    const newer = await sql<{ id: string }>`
      SELECT id FROM events
      WHERE organization_id = ${t.orgA.organization_id} AND object_type = 'lead' AND action = 'updated'
        AND (date_updated, id) > (${down.top!.date_updated}::timestamptz, ${down.top!.id}::text)
      ORDER BY date_updated, id`.execute(t.db);
    assert.ok(newer.rows.length > 0);
    assert.deepEqual(pagesOldestFirst(up.seen), [...retraced, ...newer.rows.map((r) => r.id)]);
  });

  test('bulk delete: one lead.deleted per lead, walked down and polled up while the delete runs', async () => {
    const del = await t.call('POST', '/api/v1/bulk_action/delete/', { body: { s_query: TARGET_QUERY, send_done_email: false } });
    assert.equal(del.status, 200, JSON.stringify(del.body));
    const bDel = await t.call('POST', '/api/v1/bulk_action/delete/', { key: t.orgB.api_key, body: { s_query: TARGET_QUERY, send_done_email: false } });
    assert.equal(bDel.status, 200, JSON.stringify(bDel.body));
    const query = 'object_type=lead&action=deleted';
    // Wait for the first batch so the walk starts in the middle of the action.
    for (;;) {
      const { data } = await get(`/api/v1/event/?${query}&_limit=1`);
      if (data.length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const down = await walkDown(query);
    assertNoRepeats(down.seen);
    assert.deepEqual(down.seen.map((e) => e.id), await upTo('lead', 'deleted', down.top!));
    const seenDuringRun = down.seen.length;

    // Poll for what arrives after the walk's first page until the action is done and nothing is new.
    // Two batches run at once and commit in either order, each stamping its events a second or so
    // before it commits: a poll that passed the later batch's events must still get the earlier's.
    const polled: Seen[] = [];
    let cursor = down.previous;
    let polls = 0;
    let doneAt: number | undefined;
    const ofAction = () => [...down.seen, ...polled].filter((e) => e.meta.bulk_action_id === del.body.id).length;
    for (;;) {
      // The status is read before the walk: read after it, the last batch and the final transition
      // could both commit in between, and an empty walk would end the polling one batch short.
      const action = await t.db.selectFrom('bulk_actions').select('status').where('id', '=', del.body.id).executeTakeFirstOrThrow();
      const up = await walkUp(query, cursor);
      polled.push(...up.seen);
      cursor = up.last ?? cursor;
      polls++;
      if (action.status === 'done') doneAt ??= Date.now();
      // After done, an event may show a moment later (while another transaction older than it is
      // still open: src/events/visibility-horizon.ts), so an empty poll ends the loop once all are
      // in, or 10 s after done; a missed event then fails the count below.
      if (doneAt !== undefined && up.seen.length === 0 && (ofAction() >= N || Date.now() - doneAt > 10_000)) break;
      assert.ok(polls < 5_000, 'the delete finishes');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const all = [...down.seen, ...polled];
    assertNoRepeats(all);
    assertOnePerLead(all, del.body.id);
    assert.ok(seenDuringRun < N, `the walk began mid-action (${seenDuringRun} of ${N} deleted by then)`);
    assert.ok(polled.length > 0, 'the polling picked up the rest');
    for (const e of all.filter((x) => x.meta.bulk_action_id === del.body.id)) {
      assert.equal((e as unknown as { previous_data: { id: string } }).previous_data.id, e.object_id, 'the deleted lead is in previous_data');
    }
    await waitForStatus(t.db, bDel.body.id, ['done'], 120_000);
    // B's own log has its 500, A's none of them.
    const b = await get(`/api/v1/event/?${query}&_limit=1`, t.orgB.api_key);
    assert.equal(b.data[0]!.organization_id, t.orgB.organization_id);
  });
});

/** Events as pages return them (each page newest first), put oldest first overall. */
function pagesOldestFirst(seen: readonly Seen[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < seen.length; i += LIMIT) out.push(...seen.slice(i, i + LIMIT).reverse().map((e) => e.id));
  return out;
}
