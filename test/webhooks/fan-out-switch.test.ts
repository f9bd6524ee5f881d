import assert from 'node:assert/strict';
import fs from 'node:fs';
import { before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { repairFanOut } from '../../src/webhooks/fan-out-switch.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { startWebhookWorker, waitFor } from './receiver.ts';

const MIGRATION = fs.readFileSync(new URL('../../src/db/migrations/0022_webhook_fan_out_switch.sql', import.meta.url), 'utf8');

const triggerState = async (t: TestApp) =>
  (await sql<{ tgenabled: string }>`SELECT tgenabled FROM pg_trigger WHERE tgrelid = 'events'::regclass AND tgname = 'events_webhook_fan_out'`.execute(t.db)).rows[0]?.tgenabled;

describe('the fan-out trigger is off until the first subscription', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ env: { OUTBOUND_ALLOW_HOSTS: '127.0.0.1' } });
  });

  test('a database that never had a subscription has it off; creating one (even paused) turns it on, and its events reach the inbox once active', async () => {
    assert.equal(await triggerState(t), 'D');
    const created = await t.call('POST', '/api/v1/webhook/', {
      body: { url: 'http://127.0.0.1:9/hook', events: [{ object_type: 'lead', action: 'created' }], status: 'paused' },
    });
    assert.equal(created.status, 200, created.text);
    assert.equal(await triggerState(t), 'O');
    const activated = await t.call('PUT', `/api/v1/webhook/${created.body.id}/`, { body: { status: 'active' } });
    assert.equal(activated.status, 200, activated.text);

    const lead = await t.call('POST', '/api/v1/lead/', { body: { name: 'Fanned out' } });
    assert.equal(lead.status, 200, lead.text);
    const event = await t.db.selectFrom('events').select('id').where('object_id', '=', lead.body.id).where('action', '=', 'created').executeTakeFirstOrThrow();
    const inbox = await t.db.selectFrom('webhook_inbox').select(['webhook_id', 'event_ids']).execute();
    assert.deepEqual(inbox, [{ webhook_id: created.body.id, event_ids: [event.id] }]);
  });

  test('the reaper\'s repair turns it back on while a subscription exists, and only then', async () => {
    await sql`ALTER TABLE events DISABLE TRIGGER events_webhook_fan_out`.execute(t.db);
    assert.equal(await repairFanOut(t.db), true);
    assert.equal(await triggerState(t), 'O');
    assert.equal(await repairFanOut(t.db), false, 'nothing to repair');
  });

  test('migration 0022 turns it off only where no subscription exists', async () => {
    await sql.raw(MIGRATION).execute(t.db);
    assert.equal(await triggerState(t), 'O', 'kept on: a subscription exists');
    await t.db.deleteFrom('webhook_inbox').execute();
    await t.db.deleteFrom('webhooks').execute();
    await sql.raw(MIGRATION).execute(t.db);
    assert.equal(await triggerState(t), 'D');
    assert.equal(await repairFanOut(t.db), false, 'no subscription: left off');
    assert.equal(await triggerState(t), 'D');
  });

  test('the delivery worker\'s periodic pass runs that repair', async () => {
    const created = await t.call('POST', '/api/v1/webhook/', { body: { url: 'http://127.0.0.1:9/hook', events: [{ object_type: 'lead', action: 'created' }] } });
    assert.equal(created.status, 200, created.text);
    await sql`ALTER TABLE events DISABLE TRIGGER events_webhook_fan_out`.execute(t.db);
    await startWebhookWorker(t);
    await waitFor(async () => (await triggerState(t)) === 'O', 'the trigger turned back on', 10_000);
  });
});
