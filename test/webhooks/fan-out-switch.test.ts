import assert from 'node:assert/strict';
import fs from 'node:fs';
import { before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { enableFanOut, repairFanOut } from '../../src/webhooks/fan-out-switch.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { startWebhookWorker, waitFor } from './receiver.ts';

const MIGRATION = fs.readFileSync(new URL('../../src/db/migrations/0023_webhook_fan_out_absent.sql', import.meta.url), 'utf8');

/** 'O' (enabled), 'D' (disabled), or undefined when the trigger does not exist. */
const triggerState = async (t: TestApp) =>
  (await sql<{ tgenabled: string }>`SELECT tgenabled FROM pg_trigger WHERE tgrelid = 'events'::regclass AND tgname = 'events_webhook_fan_out'`.execute(t.db)).rows[0]?.tgenabled;

/**
 * The temp blocks one INSERT of 300 events of 1 kB writes with work_mem at its minimum (64 kB):
 * a transition table being filled spills there; the events themselves do not. Rolled back.
 */
async function tempBlocksOfAnInsert(t: TestApp): Promise<number> {
  const client = await t.pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(`SET LOCAL work_mem = '64kB'`);
    const { rows } = await client.query(
      `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)
       INSERT INTO events (id, organization_id, object_type, object_id, action, previous_data)
       SELECT 'ev_fanout_' || g, $1, 'lead', 'lead_fanout_' || g, 'deleted', jsonb_build_object('pad', repeat('x', 1000))
       FROM generate_series(1, 300) g`,
      [t.orgA.organization_id],
    );
    await client.query('ROLLBACK');
    return (rows[0]['QUERY PLAN'] as { Plan: { 'Temp Written Blocks': number } }[])[0]!.Plan['Temp Written Blocks'];
  } finally {
    client.release();
  }
}

describe('the fan-out trigger exists only once a subscription has been created', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ env: { OUTBOUND_ALLOW_HOSTS: '127.0.0.1' } });
  });

  test('a database that never had a subscription has no trigger, and its event inserts copy nothing into a transition table', async () => {
    assert.equal(await triggerState(t), undefined);
    assert.equal(await tempBlocksOfAnInsert(t), 0);
    // The check itself: a disabled trigger still has its transition table filled (why 0023 drops it).
    await t.db.transaction().execute((trx) => enableFanOut(trx));
    await sql`ALTER TABLE events DISABLE TRIGGER events_webhook_fan_out`.execute(t.db);
    assert.ok((await tempBlocksOfAnInsert(t)) > 0, 'a disabled trigger fills its transition table');
    await sql`DROP TRIGGER events_webhook_fan_out ON events`.execute(t.db);
  });

  test('two first subscriptions created at once both succeed and create it once; its events reach the inbox once active', async () => {
    const events = [{ object_type: 'lead', action: 'created' }];
    const [a, b] = await Promise.all([
      t.call('POST', '/api/v1/webhook/', { body: { url: 'http://127.0.0.1:9/hook', events, status: 'paused' } }),
      t.call('POST', '/api/v1/webhook/', { key: t.orgB.api_key, body: { url: 'http://127.0.0.1:9/hook', events, status: 'paused' } }),
    ]);
    assert.equal(a.status, 200, a.text);
    assert.equal(b.status, 200, b.text);
    assert.equal(await triggerState(t), 'O');
    const activated = await t.call('PUT', `/api/v1/webhook/${a.body.id}/`, { body: { status: 'active' } });
    assert.equal(activated.status, 200, activated.text);

    const lead = await t.call('POST', '/api/v1/lead/', { body: { name: 'Fanned out' } });
    assert.equal(lead.status, 200, lead.text);
    const event = await t.db.selectFrom('events').select('id').where('object_id', '=', lead.body.id).where('action', '=', 'created').executeTakeFirstOrThrow();
    const inbox = await t.db.selectFrom('webhook_inbox').select(['webhook_id', 'event_ids']).execute();
    assert.deepEqual(inbox, [{ webhook_id: a.body.id, event_ids: [event.id] }]);
  });

  test('the reaper\'s repair creates it, or enables it, while a subscription exists, and only then', async () => {
    await sql`DROP TRIGGER events_webhook_fan_out ON events`.execute(t.db);
    assert.equal(await repairFanOut(t.db), true);
    assert.equal(await triggerState(t), 'O');
    await sql`ALTER TABLE events DISABLE TRIGGER events_webhook_fan_out`.execute(t.db);
    assert.equal(await repairFanOut(t.db), true);
    assert.equal(await triggerState(t), 'O');
    assert.equal(await repairFanOut(t.db), false, 'nothing to repair');
  });

  test('migration 0023 drops it only where no subscription exists', async () => {
    await sql.raw(MIGRATION).execute(t.db);
    assert.equal(await triggerState(t), 'O', 'kept: a subscription exists');
    await t.db.deleteFrom('webhook_inbox').execute();
    await t.db.deleteFrom('webhooks').execute();
    await sql.raw(MIGRATION).execute(t.db);
    assert.equal(await triggerState(t), undefined);
    assert.equal(await repairFanOut(t.db), false, 'no subscription: left absent');
    assert.equal(await triggerState(t), undefined);
  });

  test('the delivery worker\'s periodic pass runs that repair', async () => {
    const created = await t.call('POST', '/api/v1/webhook/', { body: { url: 'http://127.0.0.1:9/hook', events: [{ object_type: 'lead', action: 'created' }] } });
    assert.equal(created.status, 200, created.text);
    await sql`DROP TRIGGER events_webhook_fan_out ON events`.execute(t.db);
    await startWebhookWorker(t);
    await waitFor(async () => (await triggerState(t)) === 'O', 'the trigger created again', 10_000);
  });
});
