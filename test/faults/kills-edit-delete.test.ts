/**
 * Seven SIGKILLs of a worker process (every background worker in one process) over bulk edit and
 * delete, at several points: inside a batch before its commit, right after a batch commit, while
 * loading. After each kill a new process takes over once the lease (1 s) lapses. Every lead is
 * edited or deleted exactly once, and the counters equal the item rows.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { nameWordQuery, statuses } from '../bulk-actions/fixtures.ts';
import { createBulkRounds, type BulkRounds } from './helpers/bulk-rounds.ts';
import { assertDeletedOnce, assertEditedOnce } from './helpers/checks.ts';
import { insertLeadsWithEmails } from './helpers/seed.ts';

describe('worker processes SIGKILLed during bulk edit and delete', () => {
  let r: BulkRounds;
  before(async () => {
    r = await createBulkRounds(20);
  });

  test('edit: 300 leads, 4 kills (2 inside a batch, 2 right after a commit)', async (c) => {
    const leads = await insertLeadsWithEmails(r.t.db, r.t.orgA.organization_id, 300, 'Editme');
    const qualified = (await statuses(r.t.db, r.t.orgA.organization_id))[2]!;
    const id = await r.runWithKills('edit', '/api/v1/bulk_action/edit/', { s_query: nameWordQuery('Editme'), type: 'set_lead_status', lead_status_id: qualified.id }, (id) => [
      { label: 'inside a batch', at: 'commit-pending', when: r.processed(id, 'processing', 40) },
      { label: 'right after a commit', at: 'committed', when: r.processed(id, 'processing', 120) },
      { label: 'inside a batch', at: 'commit-pending', when: r.processed(id, 'processing', 180) },
      { label: 'right after a commit', at: 'committed', when: r.processed(id, 'processing', 240) },
    ]);
    await assertEditedOnce(r.t.db, r.t.orgA.organization_id, id, leads.leadIds, qualified.id);
    c.diagnostic('edit: 4 SIGKILLs; 300 edited once, 0 duplicates, counters exact');
  });

  test('delete: 200 leads with contacts, 3 kills (while loading, inside a batch, after a commit)', async (c) => {
    const leads = await insertLeadsWithEmails(r.t.db, r.t.orgA.organization_id, 200, 'Dropme');
    const id = await r.runWithKills('delete', '/api/v1/bulk_action/delete/', { s_query: nameWordQuery('Dropme') }, (id) => [
      { label: 'while loading', at: 'commit-pending', when: async () => (await r.action(id)).status === 'loading' },
      { label: 'inside a batch', at: 'commit-pending', when: r.processed(id, 'processing', 60) },
      { label: 'right after a commit', at: 'committed', when: r.processed(id, 'processing', 140) },
    ]);
    await assertDeletedOnce(r.t.db, r.t.orgA.organization_id, id, leads.leadIds);
    c.diagnostic('delete: 3 SIGKILLs; 200 deleted once with their contacts, 0 duplicates, counters exact');
  });

  test('7 SIGKILLs in all', (c) => {
    assert.equal(r.kills.length, 7);
    c.diagnostic(`7 SIGKILLs over bulk edit and delete: ${r.kills.map((k) => `${k.label} (${k.detail})`).join('; ')}`);
  });
});
