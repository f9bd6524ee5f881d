import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { ManualClock } from '../../src/time.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { eventsOf, insertCustomField, insertLeads, startWorker, statuses, TARGET_QUERY, waitFor, waitForStatus } from './fixtures.ts';

const ALL = ['created', 'loading', 'processing', 'paused', 'resuming', 'done', 'error', 'cancelled'] as const;
const LEGAL: Record<string, readonly string[]> = {
  paused: ['created', 'loading', 'processing', 'resuming'],
  resuming: ['paused'],
  cancelled: ['created', 'loading', 'processing', 'paused', 'resuming'],
};
const DAY = 86_400_000;

describe('bulk action lifecycle', () => {
  let t: TestApp;
  let clock: ManualClock;
  before(async () => {
    clock = new ManualClock('2026-03-01T09:00:00Z');
    t = await createTestApp({ clock, env: { BULK_BATCH_SIZE: '5', BULK_BATCH_DELAY_MS: '60' } });
  });

  async function create(body: Record<string, unknown> = {}, key?: string) {
    const [, , qualified] = await statuses(t.db, t.orgA.organization_id);
    const res = await t.call('POST', '/api/v1/bulk_action/edit/', {
      key,
      body: { s_query: TARGET_QUERY, type: 'set_lead_status', lead_status_id: qualified!.id, send_done_email: false, ...body },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  }
  const put = (id: string, status: unknown, key?: string) => t.call('PUT', `/api/v1/bulk_action/edit/${id}/`, { body: { status }, key });
  const get = (id: string, key?: string) => t.call('GET', `/api/v1/bulk_action/edit/${id}/`, { key });

  // Before the worker starts: every (from, to) pair through the API, with states set directly.
  test('each transition through PUT is allowed or refused exactly as the table says', async () => {
    const action = await create();
    for (const from of ALL) {
      for (const to of ['paused', 'resuming', 'cancelled', 'processing', 'done', 'created', 'bogus']) {
        await t.db
          .updateTable('bulk_actions')
          .set({ status: from, date_paused: from === 'paused' ? new Date(clock.now().getTime() - 3_600_000) : null })
          .where('id', '=', action.id)
          .execute();
        const res = await put(action.id, to);
        const row = await t.db.selectFrom('bulk_actions').select(['status', 'date_paused']).where('id', '=', action.id).executeTakeFirstOrThrow();
        if (LEGAL[to]?.includes(from)) {
          assert.equal(res.status, 200, `${from} -> ${to}: ${JSON.stringify(res.body)}`);
          assert.equal(res.body.status, to);
          assert.equal(row.status, to);
          if (to === 'paused') assert.equal(row.date_paused?.toISOString(), clock.now().toISOString());
        } else {
          assert.equal(res.status, 400, `${from} -> ${to}`);
          assert.deepEqual(res.body.errors, []);
          assert.deepEqual(Object.keys(res.body['field-errors']), ['status']);
          assert.equal(row.status, from, `${from} -> ${to} changed nothing`);
        }
      }
    }
    const missing = await t.call('PUT', `/api/v1/bulk_action/edit/${action.id}/`, { body: {} });
    assert.equal(missing.status, 400);
    assert.ok(missing.body['field-errors'].status);
    await t.db.updateTable('bulk_actions').set({ status: 'cancelled' }).where('id', '=', action.id).execute();
  });

  test('resume is allowed until BULK_RESUME_WINDOW_SECONDS (7 days) after the pause, not after', async () => {
    const action = await create();
    const paused = await put(action.id, 'paused');
    assert.equal(paused.body.status, 'paused');
    assert.equal(paused.body.date_paused, '2026-03-01T09:00:00.000000+00:00');
    assert.equal(paused.body.resumable_until, '2026-03-08T09:00:00.000000+00:00');
    clock.advance(7 * DAY - 1000);
    const resumed = await put(action.id, 'resuming');
    assert.equal(resumed.status, 200, JSON.stringify(resumed.body));
    assert.equal(resumed.body.status, 'resuming');
    assert.equal(resumed.body.date_paused, null);
    assert.equal(resumed.body.resumable_until, null);

    const again = await put(action.id, 'paused');
    assert.equal(again.body.status, 'paused');
    clock.advance(7 * DAY);
    const late = await put(action.id, 'resuming');
    assert.equal(late.status, 400);
    assert.match(late.body['field-errors'].status, /more than 7 days/);
    assert.equal((await get(action.id)).body.status, 'paused');
    assert.equal((await put(action.id, 'cancelled')).body.status, 'cancelled');
  });

  test('s_query is required and validated like /data/search/ query; the legacy string query is refused', async () => {
    const body = { type: 'set_lead_status', lead_status_id: (await statuses(t.db, t.orgA.organization_id))[0]!.id };
    const none = await t.call('POST', '/api/v1/bulk_action/edit/', { body });
    assert.equal(none.status, 400);
    assert.deepEqual(Object.keys(none.body['field-errors']), ['s_query']);
    const legacy = await t.call('POST', '/api/v1/bulk_action/edit/', { body: { ...body, query: 'lead_status:Potential' } });
    assert.equal(legacy.status, 400);
    assert.match(legacy.body['field-errors'].s_query, /s_query/);
    const bad = await t.call('POST', '/api/v1/bulk_action/edit/', { body: { ...body, s_query: { type: 'and', queries: [{ type: 'nonsense' }] } } });
    assert.equal(bad.status, 400);
    assert.ok(Object.keys(bad.body['field-errors']).every((k) => k.startsWith('s_query')), JSON.stringify(bad.body));
    const contacts = await t.call('POST', '/api/v1/bulk_action/delete/', { body: { s_query: { type: 'object_type', object_type: 'contact' } } });
    assert.equal(contacts.status, 400);
    assert.ok(contacts.body['field-errors'].s_query);
    const sort = await t.call('POST', '/api/v1/bulk_action/edit/', { body: { ...body, s_query: TARGET_QUERY, sort: [{ direction: 'sideways' }] } });
    assert.equal(sort.status, 400);
    assert.ok(Object.keys(sort.body['field-errors']).every((k) => k.startsWith('sort')), JSON.stringify(sort.body));
  });

  test('a new action starts within a second (NOTIFY), not at the next poll', async () => {
    await startWorker(t, { pollMs: 60_000 });
    const ids = await insertLeads(t.db, t.orgA.organization_id, 3);
    const started = Date.now();
    const action = await create();
    await waitForStatus(t.db, action.id, ['processing', 'done'], 1000);
    assert.ok(Date.now() - started < 1000);
    await waitForStatus(t.db, action.id, ['done']);
    await t.db.deleteFrom('leads').where('id', 'in', ids).execute();
  });

  test('pause is honoured at the batch boundary; resume continues where it stopped; each lead once', async () => {
    const ids = await insertLeads(t.db, t.orgA.organization_id, 60);
    const action = await create();
    await waitFor(async () => ((await get(action.id)).body.n_leads_processed >= 10 ? true : undefined), 20_000, 'progress');
    const paused = await put(action.id, 'paused');
    assert.equal(paused.body.status, 'paused');
    const frozen = paused.body.n_leads_processed;
    assert.ok(frozen < 60, `paused at ${frozen}`);
    await new Promise((resolve) => setTimeout(resolve, 400));
    const still = (await get(action.id)).body;
    assert.equal(still.status, 'paused');
    assert.equal(still.n_leads_processed, frozen);
    assert.equal((await eventsOf(t.db, t.orgA.organization_id, action.id, 'lead', 'updated')).size, frozen);

    assert.equal((await put(action.id, 'resuming')).status, 200);
    await waitForStatus(t.db, action.id, ['done']);
    const done = (await get(action.id)).body;
    assert.equal(done.n_leads_processed, 60);
    const events = await eventsOf(t.db, t.orgA.organization_id, action.id, 'lead', 'updated');
    assert.equal(events.size, 60);
    assert.ok([...events.values()].every((n) => n === 1));
    const kinds = await t.db.selectFrom('events').select('action').where('object_id', '=', action.id).execute();
    assert.ok(kinds.some((e) => e.action === 'paused'));
    await t.db.deleteFrom('leads').where('id', 'in', ids).execute();
  });

  test('cancel stops the action for good; done work stays, the rest stays pending', async () => {
    const ids = await insertLeads(t.db, t.orgA.organization_id, 40);
    const action = await create();
    await waitFor(async () => ((await get(action.id)).body.n_leads_processed >= 5 ? true : undefined));
    const cancelled = await put(action.id, 'cancelled');
    assert.equal(cancelled.body.status, 'cancelled');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const after = (await get(action.id)).body;
    assert.equal(after.n_leads_processed, cancelled.body.n_leads_processed);
    const pending = await t.call('GET', `/api/v1/bulk_action/edit/${action.id}/items/?status=pending&_limit=200`);
    assert.equal(pending.body.data.length, 40 - after.n_leads_processed);
    assert.equal((await put(action.id, 'resuming')).status, 400);
    await t.db.deleteFrom('leads').where('id', 'in', ids).execute();
  });

  test('a lead deleted before its turn is skipped; the items endpoint filters and paginates', async () => {
    const ids = await insertLeads(t.db, t.orgA.organization_id, 30);
    const action = await create();
    await waitForStatus(t.db, action.id, ['processing']);
    const item = await t.db.selectFrom('bulk_action_items').select(['lead_id']).where('action_id', '=', action.id).orderBy('position', 'desc').executeTakeFirstOrThrow();
    await t.db.deleteFrom('leads').where('id', '=', item.lead_id).execute();
    await waitForStatus(t.db, action.id, ['done']);
    const done = (await get(action.id)).body;
    assert.equal(done.n_leads, 30);
    assert.equal(done.n_leads_processed, 30);
    assert.equal(done.n_objects_processed, 29);
    const skipped = await t.call('GET', `/api/v1/bulk_action/edit/${action.id}/items/?status=skipped`);
    assert.deepEqual(skipped.body.data.map((i: any) => [i.lead_id, i.status, i.reason]), [[item.lead_id, 'skipped', 'lead_deleted']]);
    const page = await t.call('GET', `/api/v1/bulk_action/edit/${action.id}/items/?status=done&_skip=10&_limit=10`);
    assert.equal(page.body.data.length, 10);
    assert.equal(page.body.has_more, true);
    assert.equal(page.body.data[0].position, 10);
    const bad = await t.call('GET', `/api/v1/bulk_action/edit/${action.id}/items/?status=nope`);
    assert.equal(bad.status, 400);
    await t.db.deleteFrom('leads').where('id', 'in', ids).execute();
  });

  test('an action whose custom field is deleted mid-way ends in error with error_message', async () => {
    const field = await insertCustomField(t.db, t.orgA.organization_id, { name: 'Doomed', type: 'text' });
    const ids = await insertLeads(t.db, t.orgA.organization_id, 40);
    const action = await create({ type: 'set_custom_field', custom_field_id: field, custom_field_value: 'x', lead_status_id: undefined });
    await waitFor(async () => ((await get(action.id)).body.n_leads_processed >= 5 ? true : undefined));
    await t.db.deleteFrom('custom_fields').where('id', '=', field).execute();
    await waitForStatus(t.db, action.id, ['error']);
    const failed = (await get(action.id)).body;
    assert.match(failed.error_message, /Doomed/);
    assert.ok(failed.n_leads_processed < 40);
    assert.equal((await put(action.id, 'resuming')).status, 400);
    await t.db.deleteFrom('leads').where('id', 'in', ids).execute();
  });

  test('results_limit with sort picks the first N leads in sort order', async () => {
    const ids = await insertLeads(t.db, t.orgA.organization_id, 20);
    const [potential, , qualified] = await statuses(t.db, t.orgA.organization_id);
    const action = await create({
      results_limit: 5,
      sort: [{ direction: 'desc', field: { type: 'regular_field', object_type: 'lead', field_name: 'name' } }],
    });
    assert.equal(action.results_limit, 5);
    await waitForStatus(t.db, action.id, ['done']);
    const items = await t.call('GET', `/api/v1/bulk_action/edit/${action.id}/items/`);
    assert.deepEqual(items.body.data.map((i: any) => i.lead_id), ids.slice(15).reverse());
    const rows = await t.db.selectFrom('leads').select(['id', 'status_id']).where('id', 'in', ids).execute();
    for (const row of rows) assert.equal(row.status_id, ids.slice(15).includes(row.id) ? qualified!.id : potential!.id);
    await t.db.deleteFrom('leads').where('id', 'in', ids).execute();
  });

  test('another organization sees none of these actions, and its actions never touch these leads', async () => {
    const mine = await insertLeads(t.db, t.orgA.organization_id, 5);
    const theirs = await insertLeads(t.db, t.orgB.organization_id, 5);
    const a = await create();
    await waitForStatus(t.db, a.id, ['done']);
    const keyB = t.orgB.api_key;
    const list = await t.call('GET', '/api/v1/bulk_action/edit/', { key: keyB });
    assert.deepEqual(list.body.data, []);
    assert.equal((await get(a.id, keyB)).status, 404);
    assert.equal((await put(a.id, 'paused', keyB)).status, 404);
    assert.equal((await t.call('GET', `/api/v1/bulk_action/edit/${a.id}/items/`, { key: keyB })).status, 404);
    assert.equal((await t.call('GET', `/api/v1/bulk_action/delete/${a.id}/`)).status, 404, 'wrong kind');

    const [bPotential, bBadFit] = await statuses(t.db, t.orgB.organization_id);
    const before = await t.db.selectFrom('leads').select(['id', 'status_id', 'date_updated']).where('id', 'in', mine).execute();
    const resB = await t.call('POST', '/api/v1/bulk_action/edit/', {
      key: keyB,
      body: { s_query: TARGET_QUERY, type: 'set_lead_status', lead_status_id: bBadFit!.id, send_done_email: false },
    });
    await waitForStatus(t.db, resB.body.id, ['done']);
    assert.equal((await t.call('GET', `/api/v1/bulk_action/edit/${resB.body.id}/`, { key: keyB })).body.n_leads, 5);
    const after = await t.db.selectFrom('leads').select(['id', 'status_id', 'date_updated']).where('id', 'in', mine).execute();
    assert.deepEqual(after, before);
    const bRows = await t.db.selectFrom('leads').select('status_id').where('id', 'in', theirs).execute();
    assert.ok(bRows.every((r) => r.status_id === bBadFit!.id) && bPotential);
    const listA = await t.call('GET', '/api/v1/bulk_action/edit/');
    assert.ok(listA.body.data.every((x: any) => x.organization_id === t.orgA.organization_id));
    assert.ok(!listA.body.data.some((x: any) => x.id === resB.body.id));
    await t.db.deleteFrom('leads').where('id', 'in', [...mine, ...theirs]).execute();
  });

  test('at most BULK_MAX_RUNNING_PER_ORG (2) actions of one organization run at once', async () => {
    const ids = await insertLeads(t.db, t.orgA.organization_id, 25);
    const created = [await create(), await create(), await create(), await create()];
    let maxRunning = 0;
    for (;;) {
      const rows = await t.db.selectFrom('bulk_actions').select('status').where('id', 'in', created.map((c) => c.id)).execute();
      maxRunning = Math.max(maxRunning, rows.filter((r) => r.status === 'loading' || r.status === 'processing').length);
      if (rows.every((r) => r.status === 'done')) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(maxRunning, 2);
    await t.db.deleteFrom('leads').where('id', 'in', ids).execute();
  });
});
