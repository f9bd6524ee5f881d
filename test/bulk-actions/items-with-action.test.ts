/**
 * An action's items go with it (migration 0028): they have no foreign key to bulk_actions (its check
 * per item was about 40 % of a 100,000-item load), so a statement trigger deletes them with their
 * action, whether the action is deleted itself or through its organization, and leaves every other
 * action's items alone.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { insertLeads, startWorker, statuses, TARGET_QUERY, waitForStatus } from './fixtures.ts';

describe('bulk action items are deleted with their action', () => {
  let t: TestApp;
  const actions: Record<'a1' | 'a2' | 'b', string> = { a1: '', a2: '', b: '' };
  const itemsOf = async (id: string) =>
    Number((await sql<{ n: string }>`SELECT count(*) AS n FROM bulk_action_items WHERE action_id = ${id}`.execute(t.db)).rows[0]!.n);

  before(async () => {
    t = await createTestApp();
    await startWorker(t);
    await insertLeads(t.db, t.orgA.organization_id, 4);
    await insertLeads(t.db, t.orgB.organization_id, 3);
    const run = async (org: typeof t.orgA) => {
      const [status] = await statuses(t.db, org.organization_id);
      const res = await t.call('POST', '/api/v1/bulk_action/edit/', {
        key: org.api_key,
        body: { type: 'set_lead_status', lead_status_id: status!.id, s_query: TARGET_QUERY, results_limit: null, send_done_email: false },
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      await waitForStatus(t.db, res.body.id, ['done']);
      return res.body.id as string;
    };
    actions.a1 = await run(t.orgA);
    actions.a2 = await run(t.orgA);
    actions.b = await run(t.orgB);
    assert.deepEqual([await itemsOf(actions.a1), await itemsOf(actions.a2), await itemsOf(actions.b)], [4, 4, 3]);
  });

  test('deleting an action deletes its items and no other action\'s', async () => {
    await sql`DELETE FROM bulk_actions WHERE id = ${actions.a1}`.execute(t.db);
    assert.equal(await itemsOf(actions.a1), 0);
    assert.equal(await itemsOf(actions.a2), 4);
    assert.equal(await itemsOf(actions.b), 3);
  });

  test('deleting an organization deletes its actions\' items through the cascade', async () => {
    await sql`DELETE FROM organizations WHERE id = ${t.orgB.organization_id}`.execute(t.db);
    assert.equal(await itemsOf(actions.b), 0);
    assert.equal(await itemsOf(actions.a2), 4);
  });
});
