import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { before, describe, test } from 'node:test';
import { waitFor } from '../email/helpers/smtp-sink.ts';
import { createAccount, createLead, createTemplate } from './fixtures.ts';
import { createSequenceHarness, type SequenceHarness } from './harness.ts';

const N = 30;

describe('scheduler processes: killed with SIGKILL while steps are due, and two at once', () => {
  let h: SequenceHarness;
  let seqId: string;
  let account: string;
  let tmpl: string;

  /** A sequence of two immediate email steps with `n` subscribed contacts (all due now). */
  async function seedSequence(name: string, n: number, domain: string): Promise<string> {
    const { t } = h;
    const seq = await t.call('POST', '/api/v1/sequence/', {
      body: { name, steps: [{ step_type: 'email', delay: 0, email_template_id: tmpl }, { step_type: 'email', delay: 0, email_template_id: tmpl }] },
    });
    const lead = await createLead(t, t.orgA, name, Array.from({ length: n }, (_, i) => ({ name: `C${i}`, emails: [`c${i}@${domain}`] })));
    for (const contact of lead.contacts) {
      const res = await t.call('POST', '/api/v1/sequence_subscription/', {
        body: { sequence_id: seq.body.id, contact_id: contact.id, contact_email: contact.emails[0].email, sender_account_id: account, sender_name: 'Sam', sender_email: 'sam@a.example' },
      });
      assert.equal(res.status, 201);
    }
    return seq.body.id;
  }

  before(async () => {
    h = await createSequenceHarness(new Date());
    account = await createAccount(h.t, h.t.orgA, 'sam@a.example', h.smtp.port);
    tmpl = await createTemplate(h.t, h.t.orgA, 'Step for {{ contact.first_name }}', 'Body');
    seqId = await seedSequence('Crash', N, 'crash.example');
  });

  function startChild(): ChildProcess {
    return spawn(process.execPath, ['--import', 'tsx', 'test/sequences/scheduler-child.ts'], {
      env: { ...process.env, SEQ_CHILD_DATABASE_URL: h.t.connectionString, SEQ_CHILD_STEP_MS: '250', SEQ_CHILD_BATCH: '4' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
  }
  const stepsRun = async () =>
    Number((await h.t.db.selectFrom('sequence_subscription_steps').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  test('after restarts every due step is sent exactly once', async () => {
    const killedAt: number[] = [];
    let killedMidStep = 0;
    let announced = 0;
    for (const threshold of [10, 2 * N - 15]) {
      const child = startChild();
      let nextAnnouncement: (() => void) | undefined;
      child.stdout!.on('data', (chunk: Buffer) => {
        announced += (chunk.toString().match(/^pending /gm) ?? []).length;
        nextAnnouncement?.();
      });
      await waitFor(async () => (await stepsRun()) >= threshold, 60000, `${threshold} steps`);
      // Kill just after the child announces a batch: it is then inside that batch's transaction (250 ms).
      await new Promise<void>((resolve) => (nextAnnouncement = resolve));
      child.kill('SIGKILL');
      await once(child, 'close');
      const committed = await stepsRun();
      // A step announced but not committed was in its transaction when the process died.
      if (announced > committed) killedMidStep++;
      killedAt.push(committed);
    }
    assert.ok(killedAt[1]! < 2 * N, `the second kill must land before the end (${killedAt.join(', ')})`);
    assert.equal(killedMidStep, 2, 'both kills landed inside a step’s transaction');
    const last = startChild();
    try {
      await waitFor(async () => (await stepsRun()) >= 2 * N, 60000, 'all steps');
      await waitFor(async () => {
        const open = await h.t.db.selectFrom('sequence_subscriptions').select('id').where('sequence_id', '=', seqId).where('status', '!=', 'finished').execute();
        return open.length === 0;
      }, 20000, 'every subscription finished');
    } finally {
      last.kill('SIGKILL');
      await once(last, 'close');
    }

    const activities = await h.t.db
      .selectFrom('email_activities')
      .select(['id', 'sequence_subscription_id', 'message_id'])
      .where('sequence_id', '=', seqId)
      .execute();
    assert.equal(activities.length, 2 * N, 'one activity per step');
    const perSubscription = new Map<string, number>();
    for (const a of activities) perSubscription.set(a.sequence_subscription_id!, (perSubscription.get(a.sequence_subscription_id!) ?? 0) + 1);
    assert.equal(perSubscription.size, N);
    assert.ok([...perSubscription.values()].every((n) => n === 2));

    await h.waitForMail(2 * N);
    await new Promise((r) => setTimeout(r, 500));
    const ids = h.smtp.received.filter((m) => m.envelopeTo[0]!.endsWith('@crash.example')).map((m) => m.messageId);
    assert.equal(ids.length, 2 * N, 'the SMTP server received each step once');
    assert.equal(new Set(ids).size, 2 * N);
    assert.deepEqual(new Set(ids), new Set(activities.map((a) => a.message_id)));
    for (let i = 0; i < N; i++) {
      assert.equal(h.smtp.received.filter((m) => m.envelopeTo.includes(`c${i}@crash.example`)).length, 2, `c${i}`);
    }
  });

  test('two scheduler processes at once share the due steps and never run one twice', async () => {
    const twinSeq = await seedSequence('Twins', N, 'twins.example');
    const counts = [0, 0];
    const children = [startChild(), startChild()];
    children.forEach((child, i) => child.stdout!.on('data', (chunk: Buffer) => {
      counts[i]! += (chunk.toString().match(/^pending /gm) ?? []).length;
    }));
    try {
      await waitFor(async () => {
        const open = await h.t.db.selectFrom('sequence_subscriptions').select('id').where('sequence_id', '=', twinSeq).where('status', '!=', 'finished').execute();
        return open.length === 0;
      }, 60000, 'every twin subscription finished');
    } finally {
      for (const child of children) child.kill('SIGKILL');
      await Promise.all(children.map((child) => once(child, 'close')));
    }
    assert.ok(counts[0]! > 0 && counts[1]! > 0, `both processes ran steps (${counts.join(', ')})`);
    const activities = await h.t.db.selectFrom('email_activities').select(['sequence_subscription_id']).where('sequence_id', '=', twinSeq).execute();
    assert.equal(activities.length, 2 * N);
    assert.equal(new Set(activities.map((a) => a.sequence_subscription_id)).size, N);
    await waitFor(() => h.smtp.received.filter((m) => m.envelopeTo[0]!.endsWith('@twins.example')).length >= 2 * N, 20000, 'twin mail');
    await new Promise((r) => setTimeout(r, 500));
    const twinMail = h.smtp.received.filter((m) => m.envelopeTo[0]!.endsWith('@twins.example'));
    assert.equal(twinMail.length, 2 * N);
    assert.equal(new Set(twinMail.map((m) => m.messageId)).size, 2 * N);
  });
});
