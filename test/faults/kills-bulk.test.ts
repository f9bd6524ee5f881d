/**
 * Twelve SIGKILLs of a worker process (every background worker in one process) over the bulk
 * kinds: edit, delete, sequence subscription and export, each killed at several points: inside a
 * batch before its commit, right after a batch commit, while loading. After each kill a new
 * process takes over once the lease (1 s) lapses. Every lead is edited or deleted exactly once,
 * every contact subscribed exactly once, every lead exported exactly once, and the counters equal
 * the item rows.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { before, describe, test } from 'node:test';
import { exportFilePath } from '../../src/exports/export-file.ts';
import { nameWordQuery, statuses } from '../bulk-actions/fixtures.ts';
import { SmtpSink } from '../email/helpers/smtp-sink.ts';
import { createExportApp, downloadWithKey } from '../exports/helpers.ts';
import type { TestApp } from '../helpers/app.ts';
import { onTestFileEnd } from '../helpers/db.ts';
import { assertCountersExact, assertDeletedOnce, assertEditedOnce, assertSubscribedOnce } from './helpers/checks.ts';
import { killRounds, type CommitKill, type Kill, type Rounds } from './helpers/kill-rounds.ts';
import { insertLeadsWithEmails, setUpMail, type MailSetup } from './helpers/seed.ts';

const BATCH = 20;

describe('worker processes SIGKILLed over the bulk kinds', () => {
  let t: TestApp & { dataDir: string };
  let rounds: Rounds;
  let mail: MailSetup;
  const kills: Kill[] = [];
  before(async () => {
    const settings = { BULK_BATCH_SIZE: String(BATCH), BULK_LEASE_SECONDS: '1', OUTBOUND_ALLOW_HOSTS: '127.0.0.1', EMAIL_LEASE_SECONDS: '2', TEMPLATE_RENDER_MS: '10000' };
    t = await createExportApp({ env: settings });
    rounds = killRounds(t.connectionString, { ...settings, DATA_DIR: t.dataDir });
    const sink = new SmtpSink();
    await sink.start();
    onTestFileEnd(() => sink.stop());
    mail = await setUpMail((m, p, body) => t.call(m, p, { body }), sink.port);
  });

  const action = (id: string) => t.db.selectFrom('bulk_actions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const progress = async (id: string) => {
    const row = await action(id);
    return `${row.status} ${row.n_leads_processed}/${row.n_leads ?? '?'}`;
  };
  const processed = (id: string, status: string, atLeast: number) => async () => {
    const row = await action(id);
    return row.status === status && row.n_leads_processed >= atLeast;
  };
  const isDone = (id: string) => async () => ['done', 'error'].includes((await action(id)).status);

  /** Posts the action, kills a worker at each point in turn, then lets a last one finish it. */
  async function runWithKills(kind: string, path: string, body: Record<string, unknown>, points: (id: string) => CommitKill[]): Promise<string> {
    const res = await t.call('POST', path, { body: { send_done_email: false, ...body } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const id = res.body.id as string;
    for (const point of points(id)) {
      const kill = await rounds.killAtCommit(point, () => progress(id));
      kills.push({ label: `${kind}: ${kill.label}`, detail: kill.detail });
    }
    await rounds.finishWith(isDone(id), `${kind} to finish`);
    return id;
  }

  test('edit: 300 leads, 4 kills (2 inside a batch, 2 right after a commit)', async (c) => {
    const leads = await insertLeadsWithEmails(t.db, t.orgA.organization_id, 300, 'Editme');
    const qualified = (await statuses(t.db, t.orgA.organization_id))[2]!;
    const id = await runWithKills('edit', '/api/v1/bulk_action/edit/', { s_query: nameWordQuery('Editme'), type: 'set_lead_status', lead_status_id: qualified.id }, (id) => [
      { label: 'inside a batch', at: 'commit-pending', when: processed(id, 'processing', 40) },
      { label: 'right after a commit', at: 'committed', when: processed(id, 'processing', 120) },
      { label: 'inside a batch', at: 'commit-pending', when: processed(id, 'processing', 180) },
      { label: 'right after a commit', at: 'committed', when: processed(id, 'processing', 240) },
    ]);
    await assertEditedOnce(t.db, t.orgA.organization_id, id, leads.leadIds, qualified.id);
    c.diagnostic('edit: 4 SIGKILLs; 300 edited once, 0 duplicates, counters exact');
  });

  test('delete: 200 leads with contacts, 3 kills (while loading, inside a batch, after a commit)', async (c) => {
    const leads = await insertLeadsWithEmails(t.db, t.orgA.organization_id, 200, 'Dropme');
    const id = await runWithKills('delete', '/api/v1/bulk_action/delete/', { s_query: nameWordQuery('Dropme') }, (id) => [
      { label: 'while loading', at: 'commit-pending', when: async () => (await action(id)).status === 'loading' },
      { label: 'inside a batch', at: 'commit-pending', when: processed(id, 'processing', 60) },
      { label: 'right after a commit', at: 'committed', when: processed(id, 'processing', 140) },
    ]);
    await assertDeletedOnce(t.db, t.orgA.organization_id, id, leads.leadIds);
    c.diagnostic('delete: 3 SIGKILLs; 200 deleted once with their contacts, 0 duplicates, counters exact');
  });

  test('sequence subscription: 200 contacts, 3 kills', async (c) => {
    const leads = await insertLeadsWithEmails(t.db, t.orgA.organization_id, 200, 'Subme');
    // A sequence whose first step is far off: this test is about the subscriptions only.
    const seq = await t.call('POST', '/api/v1/sequence/', { body: { name: 'Later', steps: [{ step_type: 'email', delay: 30 * 86400, email_template_id: mail.templateId }] } });
    const id = await runWithKills(
      'sequence subscription',
      '/api/v1/bulk_action/sequence_subscription/',
      { s_query: nameWordQuery('Subme'), action_type: 'subscribe', contact_preference: 'lead', sequence_id: seq.body.id, ...mail.sender },
      (id) => [
        { label: 'inside a batch', at: 'commit-pending', when: processed(id, 'processing', 40) },
        { label: 'right after a commit', at: 'committed', when: processed(id, 'processing', 100) },
        { label: 'inside a batch', at: 'commit-pending', when: processed(id, 'processing', 160) },
      ],
    );
    await assertSubscribedOnce(t.db, seq.body.id, leads.contactIds);
    await assertCountersExact(t.db, id, 200);
    c.diagnostic('sequence subscription: 3 SIGKILLs; 200 contacts subscribed once, 0 duplicates, counters exact');
  });

  test('export: 200 leads as JSON, 2 kills while rendering (segment written, not committed)', async (c) => {
    const leads = await insertLeadsWithEmails(t.db, t.orgA.organization_id, 200, 'Shipme');
    const id = await runWithKills('export', '/api/v1/export/lead/', { s_query: nameWordQuery('Shipme'), format: 'json', type: 'leads' }, (id) => [
      { label: 'rendering, inside a batch', at: 'commit-pending', when: processed(id, 'processing', 60) },
      { label: 'rendering, inside a batch', at: 'commit-pending', when: processed(id, 'processing', 140) },
    ]);
    const row = await action(id);
    assert.equal(row.status, 'done', row.error_message ?? '');
    assert.ok(fs.existsSync(exportFilePath(t.dataDir, id, 'json')));
    const got = await downloadWithKey(t, id);
    assert.equal(got.status, 200);
    const exported = JSON.parse(got.text) as { id: string }[];
    assert.equal(exported.length, 200, 'every lead exported');
    assert.deepEqual(exported.map((l) => l.id).sort(), [...leads.leadIds].sort(), 'each lead exactly once');
    assert.equal(row.n_leads_processed, 200);
    c.diagnostic('export: 2 SIGKILLs while rendering; 200 leads in the file once each, 0 duplicates');
  });

  test('12 SIGKILLs in all', (c) => {
    assert.equal(kills.length, 12);
    c.diagnostic(`12 SIGKILLs over edit, delete, sequence subscription and export: ${kills.map((k) => `${k.label} (${k.detail})`).join('; ')}`);
  });
});
