/**
 * The setting of the bulk-kind kill rounds (kills-edit-delete, kills-subscription-export): an app
 * with organization A's sender account and template, kill rounds over its database, and
 * `runWithKills`, which posts an action, kills a worker at each given point in turn and lets a last
 * one finish it.
 */
import assert from 'node:assert/strict';
import { SmtpSink } from '../../email/helpers/smtp-sink.ts';
import { createExportApp } from '../../exports/helpers.ts';
import type { TestApp } from '../../helpers/app.ts';
import { onTestFileEnd } from '../../helpers/db.ts';
import { killRounds, type CommitKill, type Kill } from './kill-rounds.ts';
import { setUpMail, type MailSetup } from './seed.ts';

export interface BulkRounds {
  readonly t: TestApp & { dataDir: string };
  readonly mail: MailSetup;
  /** Every kill so far, labelled with its kind. */
  readonly kills: Kill[];
  /** The action's row. */
  action(id: string): Promise<{ status: string; n_leads: number | null; n_leads_processed: number; error_message: string | null }>;
  /** A kill condition: the action is in `status` with at least `atLeast` leads processed. */
  processed(id: string, status: string, atLeast: number): () => Promise<boolean>;
  runWithKills(kind: string, path: string, body: Record<string, unknown>, points: (id: string) => CommitKill[]): Promise<string>;
}

/** Builds the setting; batches of `batchSize`, leases of 1 s. */
export async function createBulkRounds(batchSize: number): Promise<BulkRounds> {
  const settings = { BULK_BATCH_SIZE: String(batchSize), BULK_LEASE_SECONDS: '1', OUTBOUND_ALLOW_HOSTS: '127.0.0.1', EMAIL_LEASE_SECONDS: '2', TEMPLATE_RENDER_MS: '10000' };
  const t = await createExportApp({ env: settings });
  const rounds = killRounds(t.connectionString, { ...settings, DATA_DIR: t.dataDir });
  const sink = new SmtpSink();
  await sink.start();
  onTestFileEnd(() => sink.stop());
  const mail = await setUpMail((m, p, body) => t.call(m, p, { body }), sink.port);
  const kills: Kill[] = [];
  const action = (id: string) => t.db.selectFrom('bulk_actions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const progress = async (id: string) => {
    const row = await action(id);
    return `${row.status} ${row.n_leads_processed}/${row.n_leads ?? '?'}`;
  };
  return {
    t,
    mail,
    kills,
    action,
    processed: (id, status, atLeast) => async () => {
      const row = await action(id);
      return row.status === status && row.n_leads_processed >= atLeast;
    },
    async runWithKills(kind, path, body, points) {
      const res = await t.call('POST', path, { body: { send_done_email: false, ...body } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const id = res.body.id as string;
      for (const point of points(id)) {
        const kill = await rounds.killAtCommit(point, () => progress(id));
        kills.push({ label: `${kind}: ${kill.label}`, detail: kill.detail });
      }
      await rounds.finishWith(async () => ['done', 'error'].includes((await action(id)).status), `${kind} to finish`);
      return id;
    },
  };
}
