/**
 * Deliveries for what bulk actions write set-wise in SQL (the edit's and the delete's event
 * statements): every lead's event reaches each matching subscription exactly once, in the log's
 * order, with meta.bulk_action_id; organization B's identical action sends A nothing.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { insertLeads, startWorker, statuses, TARGET_QUERY, waitForStatus } from '../bulk-actions/fixtures.ts';
import { startReceiver, startWebhookWorker, waitFor, type Receiver } from './receiver.ts';

const N = 250;

describe('webhooks under bulk edit and bulk delete', () => {
  let t: TestApp;
  let receiver: Receiver;
  before(async () => {
    t = await createTestApp({ env: { OUTBOUND_ALLOW_HOSTS: '127.0.0.1', BULK_BATCH_SIZE: '100' } });
    receiver = await startReceiver();
    await startWorker(t);
    await startWebhookWorker(t);
  });

  test('a bulk edit: each of two subscriptions gets one lead.updated per lead, in log order; the other organization\'s edit is not sent', async () => {
    const hooks = [];
    for (const events of [[{ object_type: 'lead', action: 'updated' }], [{ object_type: 'lead', action: 'updated' }, { object_type: 'lead', action: 'deleted' }]]) {
      hooks.push((await t.call('POST', '/api/v1/webhook/', { body: { url: receiver.url, events } })).body);
    }
    const leads = await insertLeads(t.db, t.orgA.organization_id, N, { contactsPerLead: 1 });
    await insertLeads(t.db, t.orgB.organization_id, 50);
    const [, second] = await statuses(t.db, t.orgA.organization_id);
    const [, bSecond] = await statuses(t.db, t.orgB.organization_id);
    const edit = await t.call('POST', '/api/v1/bulk_action/edit/', { body: { s_query: TARGET_QUERY, type: 'set_lead_status', lead_status_id: second!.id, send_done_email: false } });
    const bEdit = await t.call('POST', '/api/v1/bulk_action/edit/', { key: t.orgB.api_key, body: { s_query: TARGET_QUERY, type: 'set_lead_status', lead_status_id: bSecond!.id, send_done_email: false } });
    assert.equal(edit.status, 200, edit.text);
    await waitForStatus(t.db, edit.body.id, ['done'], 60_000);
    await waitForStatus(t.db, bEdit.body.id, ['done'], 60_000);

    const { rows: logged } = await sql<{ id: string }>`
      SELECT id FROM events WHERE organization_id = ${t.orgA.organization_id} AND object_type = 'lead' AND action = 'updated'
        AND meta->>'bulk_action_id' = ${edit.body.id} ORDER BY date_updated, id`.execute(t.db);
    assert.equal(logged.length, N);
    // Two batches run at once; each statement stamps its events once, so the log does not
    // interleave them and one batch's deliveries can follow the other's.
    const { rows: batches } = await sql<{ stamps: number }>`
      SELECT count(DISTINCT date_updated)::int AS stamps FROM events
      WHERE organization_id = ${t.orgA.organization_id} AND meta->>'bulk_action_id' = ${edit.body.id} GROUP BY xmin::text`.execute(t.db);
    assert.deepEqual(batches.map((b) => b.stamps), [1, 1, 1], 'three batch transactions, one stamp each');
    for (const hook of hooks) {
      await waitFor(() => receiver.of(hook.id).length >= N, `${N} deliveries to ${hook.id}`, 60_000);
      const got = receiver.of(hook.id);
      assert.equal(got.length, N, 'each once');
      assert.deepEqual(got.map((r) => r.body.event.id), logged.map((e) => e.id), 'in the log\'s order');
      assert.ok(got.every((r) => r.body.event.meta.bulk_action_id === edit.body.id && r.body.event.organization_id === t.orgA.organization_id));
    }
    assert.deepEqual(new Set(receiver.of(hooks[0].id).map((r) => r.body.event.object_id)), new Set(leads));
  });

  test('a bulk delete: lead.deleted events reach the subscription that asked for them, with the lead whole in previous_data', async () => {
    const [, hook] = (await t.call('GET', '/api/v1/webhook/')).body.data;
    const before = receiver.of(hook.id).length;
    const del = await t.call('POST', '/api/v1/bulk_action/delete/', { body: { s_query: TARGET_QUERY, send_done_email: false } });
    assert.equal(del.status, 200, del.text);
    await waitForStatus(t.db, del.body.id, ['done'], 60_000);
    await waitFor(() => receiver.of(hook.id).length >= before + N, 'the deletions', 60_000);
    const deleted = receiver.of(hook.id).slice(before);
    assert.equal(deleted.length, N);
    assert.ok(deleted.every((r) => r.body.event.action === 'deleted' && r.body.event.meta.bulk_action_id === del.body.id && r.body.event.previous_data?.id === r.body.event.object_id));
  });
});
