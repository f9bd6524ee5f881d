import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { createTestApp } from '../helpers/app.ts';
import { pruneDeliveries } from '../../src/webhooks/reaper.ts';

test('pruning deletes finished deliveries older than WEBHOOK_LOG_RETENTION_DAYS and old orphans, and keeps the backlog and recent ones', async () => {
  const t = await createTestApp({ env: { OUTBOUND_ALLOW_HOSTS: '127.0.0.1', WEBHOOK_LOG_RETENTION_DAYS: '7' } });
  const hook = (await t.call('POST', '/api/v1/webhook/', { body: { url: 'http://127.0.0.1:9/', events: [{ object_type: 'lead', action: 'updated' }], status: 'paused' } })).body;
  const add = (webhookId: string, status: string, daysAgo: number, tag: string) =>
    sql`INSERT INTO webhook_deliveries (webhook_id, organization_id, event_id, status, date_created)
        VALUES (${webhookId}, ${t.orgA.organization_id}, ${tag}, ${status}, now() - make_interval(days => ${daysAgo}))`.execute(t.db);
  await add(hook.id, 'delivered', 9, 'old-delivered');
  await add(hook.id, 'failed', 8, 'old-failed');
  await add(hook.id, 'pending', 8, 'old-pending');
  await add('whsub_gone', 'pending', 8, 'old-orphan');
  await add(hook.id, 'delivered', 1, 'recent-delivered');
  await add('whsub_gone', 'pending', 1, 'recent-orphan');
  assert.equal(await pruneDeliveries(t.db, t.config.webhooks), 3);
  const left = await t.db.selectFrom('webhook_deliveries').select('event_id').orderBy('id').execute();
  assert.deepEqual(left.map((r) => r.event_id), ['old-pending', 'recent-delivered', 'recent-orphan']);
  assert.equal(await pruneDeliveries(t.db, t.config.webhooks), 0);
});
