/**
 * Five SIGKILLs of a worker process (every background worker in one process) over bulk sequence
 * subscription and export: inside a batch before its commit (for an export: its segment written
 * and fsynced), right after a batch commit. Every contact is subscribed exactly once, every lead
 * exported exactly once, and the counters equal the item rows.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { before, describe, test } from 'node:test';
import { exportFilePath } from '../../src/exports/export-file.ts';
import { nameWordQuery } from '../bulk-actions/fixtures.ts';
import { downloadWithKey } from '../exports/helpers.ts';
import { createBulkRounds, type BulkRounds } from './helpers/bulk-rounds.ts';
import { assertCountersExact, assertSubscribedOnce } from './helpers/checks.ts';
import { insertLeadsWithEmails } from './helpers/seed.ts';

describe('worker processes SIGKILLed during bulk sequence subscription and export', () => {
  let r: BulkRounds;
  before(async () => {
    r = await createBulkRounds(20);
  });

  test('sequence subscription: 200 contacts, 3 kills', async (c) => {
    const leads = await insertLeadsWithEmails(r.t.db, r.t.orgA.organization_id, 200, 'Subme');
    // A sequence whose first step is far off: this test is about the subscriptions only.
    const seq = await r.t.call('POST', '/api/v1/sequence/', { body: { name: 'Later', steps: [{ step_type: 'email', delay: 30 * 86400, email_template_id: r.mail.templateId }] } });
    const id = await r.runWithKills(
      'sequence subscription',
      '/api/v1/bulk_action/sequence_subscription/',
      { s_query: nameWordQuery('Subme'), action_type: 'subscribe', contact_preference: 'lead', sequence_id: seq.body.id, ...r.mail.sender },
      (id) => [
        { label: 'inside a batch', at: 'commit-pending', when: r.processed(id, 'processing', 40) },
        { label: 'right after a commit', at: 'committed', when: r.processed(id, 'processing', 100) },
        { label: 'inside a batch', at: 'commit-pending', when: r.processed(id, 'processing', 160) },
      ],
    );
    await assertSubscribedOnce(r.t.db, seq.body.id, leads.contactIds);
    await assertCountersExact(r.t.db, id, 200);
    c.diagnostic('sequence subscription: 3 SIGKILLs; 200 contacts subscribed once, 0 duplicates, counters exact');
  });

  test('export: 200 leads as JSON, 2 kills while rendering (segment written, not committed)', async (c) => {
    const leads = await insertLeadsWithEmails(r.t.db, r.t.orgA.organization_id, 200, 'Shipme');
    const id = await r.runWithKills('export', '/api/v1/export/lead/', { s_query: nameWordQuery('Shipme'), format: 'json', type: 'leads' }, (id) => [
      { label: 'rendering, inside a batch', at: 'commit-pending', when: r.processed(id, 'processing', 60) },
      { label: 'rendering, inside a batch', at: 'commit-pending', when: r.processed(id, 'processing', 140) },
    ]);
    const row = await r.action(id);
    assert.equal(row.status, 'done', row.error_message ?? '');
    assert.ok(fs.existsSync(exportFilePath(r.t.dataDir, id, 'json')));
    const got = await downloadWithKey(r.t, id);
    assert.equal(got.status, 200);
    const exported = JSON.parse(got.text) as { id: string }[];
    assert.equal(exported.length, 200, 'every lead exported');
    assert.deepEqual(exported.map((l) => l.id).sort(), [...leads.leadIds].sort(), 'each lead exactly once');
    assert.equal(row.n_leads_processed, 200);
    c.diagnostic('export: 2 SIGKILLs while rendering; 200 leads in the file once each, 0 duplicates');
  });

  test('5 SIGKILLs in all', (c) => {
    assert.equal(r.kills.length, 5);
    c.diagnostic(`5 SIGKILLs over bulk sequence subscription and export: ${r.kills.map((k) => `${k.label} (${k.detail})`).join('; ')}`);
  });
});
