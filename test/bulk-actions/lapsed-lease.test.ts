/**
 * A worker whose lease on an action lapsed while it still runs it (its heartbeat could not get
 * through, as on a machine starved of I/O) must not claim that action a second time: two runners
 * under one worker id pass the same lease checks and process the same items twice. Another worker
 * may take it over (that is how a lost worker is replaced; the first runner then stops at its next
 * lease check).
 *
 * The real sequence: the action row is held by another transaction for longer than the lease, so
 * heartbeats find it busy and the lease lapses; when the row is free again, the worker's own claim
 * loop sees a claimable action. Here the claim is asked directly, with the worker's running set.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { claimAction } from '../../src/bulk-actions/claim.ts';
import { systemClock } from '../../src/time.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { insertLeads, statuses, TARGET_QUERY } from './fixtures.ts';

describe('an action whose lease lapsed while its worker still runs it', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });

  test('is not claimed again by that worker, and is by another', async () => {
    await insertLeads(t.db, t.orgA.organization_id, 5);
    const [, , qualified] = await statuses(t.db, t.orgA.organization_id);
    const res = await t.call('POST', '/api/v1/bulk_action/edit/', {
      body: { s_query: TARGET_QUERY, type: 'set_lead_status', lead_status_id: qualified!.id, send_done_email: false },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const id: string = res.body.id;
    const first = await claimAction(t.db, 'worker-a', t.config, systemClock);
    assert.equal(first?.id, id);
    // The lease lapses while worker-a's runner goes on.
    await sql`UPDATE bulk_actions SET locked_until = now() - interval '1 second' WHERE id = ${id}`.execute(t.db);
    assert.equal(await claimAction(t.db, 'worker-a', t.config, systemClock, [id]), undefined, 'worker-a runs it already');
    const taken = await claimAction(t.db, 'worker-b', t.config, systemClock, []);
    assert.equal(taken?.id, id, 'another worker takes it over');
    assert.equal(taken?.locked_by, 'worker-b');
  });
});
