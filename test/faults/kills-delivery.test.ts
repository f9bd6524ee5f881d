/**
 * Eight SIGKILLs of a worker process (every background worker in one process) over the delivery
 * kinds: sequence steps (inside the scheduler's transactions), bulk email (while messages are on the
 * wire to the SMTP server) and webhooks (while a POST is unanswered). A new process takes over each
 * time. Every sequence step ran exactly once; every email reached the server at most once, and only
 * messages in flight at a kill may be missing (marked `unknown`, never sent again); every webhook
 * event was delivered, twice only if it was in flight at a kill.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { recordEvents } from '../../src/events/record-event.ts';
import { nameWordQuery } from '../bulk-actions/fixtures.ts';
import { SmtpSink } from '../email/helpers/smtp-sink.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { onTestFileEnd } from '../helpers/db.ts';
import { startReceiver } from '../webhooks/receiver.ts';
import { assertCountersExact, assertMailAtMostOnce, mailSettled } from './helpers/checks.ts';
import { killRounds, type Kill, type Rounds } from './helpers/kill-rounds.ts';
import { killHard, until } from './helpers/processes.ts';
import { insertLeadsWithEmails, setUpMail, type MailSetup } from './helpers/seed.ts';

const STEP_SUBSCRIPTIONS = 30;

describe('worker processes SIGKILLed over the delivery kinds', () => {
  let t: TestApp;
  let rounds: Rounds;
  let mail: MailSetup;
  const sink = new SmtpSink();
  const kills: Kill[] = [];
  before(async () => {
    // One SMTP connection: a worker then has at most 40 messages in flight (defaultMaxInFlight), all
    // of which a kill turns `unknown` (never re-sent). With 4 (160 in flight) and a fast enqueue,
    // two kills could leave the third round nothing to send: it waited 120 s in CI.
    const env = { BULK_BATCH_SIZE: '50', BULK_LEASE_SECONDS: '1', OUTBOUND_ALLOW_HOSTS: '127.0.0.1', EMAIL_LEASE_SECONDS: '2', WEBHOOK_LEASE_SECONDS: '1', EMAIL_SMTP_CONNECTIONS: '1', TEMPLATE_RENDER_MS: '10000' };
    t = await createTestApp({ env });
    rounds = killRounds(t.connectionString, env);
    await sink.start();
    onTestFileEnd(() => sink.stop());
    mail = await setUpMail((m, p, body) => t.call(m, p, { body }), sink.port);
  });

  test('sequence steps: 30 subscriptions of two immediate steps, 3 kills while steps are due', async (c) => {
    const leads = await insertLeadsWithEmails(t.db, t.orgA.organization_id, STEP_SUBSCRIPTIONS, 'Stepme');
    const seq = await t.call('POST', '/api/v1/sequence/', {
      body: { name: 'Two steps', steps: [{ step_type: 'email', delay: 0, email_template_id: mail.templateId }, { step_type: 'email', delay: 0, email_template_id: mail.templateId }] },
    });
    for (const [i, contactId] of leads.contactIds.entries()) {
      const res = await t.call('POST', '/api/v1/sequence_subscription/', { body: { sequence_id: seq.body.id, contact_id: contactId, contact_email: leads.emails[i], ...mail.sender } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
    }
    const subs = (await t.db.selectFrom('sequence_subscriptions').select('id').where('sequence_id', '=', seq.body.id).execute()).map((s) => s.id);
    const stepsRun = async () => Number((await t.db.selectFrom('sequence_subscription_steps').select((eb) => eb.fn.countAll().as('n')).where('subscription_id', 'in', subs).executeTakeFirstOrThrow()).n);
    const total = 2 * STEP_SUBSCRIPTIONS;
    // Killed at a pending commit while steps are still due: the scheduler commits each run of due
    // steps (up to 100) in one transaction, so the pending commit is often that one.
    for (const threshold of [0, 0, total / 2]) {
      const due = async () => {
        const n = await stepsRun();
        return n >= threshold && n < total;
      };
      const kill = await rounds.killAtCommit({ label: 'during sequence steps', at: 'commit-pending', when: due }, async () => `${await stepsRun()} of ${total} steps committed`);
      kills.push(kill);
    }
    const stepMail = async () => (await t.db.selectFrom('email_activities').select(['id']).where('sequence_id', '=', seq.body.id).execute()).map((a) => a.id);
    await rounds.finishWith(async () => (await stepsRun()) >= total && mailSettled(t.db, await stepMail()), 'every step to run and its mail to settle');
    const activities = await stepMail();
    const steps = await t.db.selectFrom('sequence_subscription_steps').select(['subscription_id', 'position']).where('subscription_id', 'in', subs).execute();
    assert.equal(steps.length, total, 'two steps per subscription');
    assert.equal(new Set(steps.map((s) => `${s.subscription_id}:${s.position}`)).size, total, 'no step twice');
    assert.equal(activities.length, total, 'one email per step');
    const figures = await assertMailAtMostOnce(t.db, sink, activities, []);
    for (const to of leads.emails) assert.ok(sink.received.filter((m) => m.envelopeTo.includes(to)).length <= 2, `${to} got at most its two steps`);
    c.diagnostic(`sequence steps: 3 SIGKILLs (${kills.slice(-3).map((k) => k.detail).join('; ')}); ${total} steps run once, email ${figures.sent} sent + ${figures.unknown} unknown, 0 duplicates`);
  });

  test('bulk email: 300 messages, 3 kills while messages are on the wire', async (c) => {
    const leads = await insertLeadsWithEmails(t.db, t.orgA.organization_id, 300, 'Mailme');
    sink.dataDelayMs = 25;
    const res = await t.call('POST', '/api/v1/bulk_action/email/', { body: { s_query: nameWordQuery('Mailme'), template_id: mail.templateId, contact_preference: 'lead', send_done_email: false } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const ofAction = () => t.db.selectFrom('email_activities').select(['id', 'status']).where('bulk_email_action_id', '=', res.body.id).execute();
    const inFlight = new Set<string>();
    const received = () => sink.received.filter((m) => m.envelopeTo[0]!.startsWith('mailme-')).length;
    for (let round = 0; round < 3; round++) {
      const child = await rounds.start();
      const from = received();
      await until(() => received() >= from + 40, 'sending to be under way', 120_000, 5);
      await killHard(child.proc);
      const sending = (await ofAction()).filter((a) => a.status === 'sending');
      for (const a of sending) inFlight.add(a.id);
      kills.push({ label: 'bulk email: during SMTP sends', detail: `${received()} of 300 received, ${sending.length} in flight` });
    }
    const done = async () => (await t.db.selectFrom('bulk_actions').select('status').where('id', '=', res.body.id).executeTakeFirstOrThrow()).status === 'done';
    await rounds.finishWith(async () => (await done()) && mailSettled(t.db, (await ofAction()).map((a) => a.id)), 'every message to settle');
    sink.dataDelayMs = 0;
    const rows = await ofAction();
    assert.equal(rows.length, 300);
    await assertCountersExact(t.db, res.body.id, 300);
    const figures = await assertMailAtMostOnce(t.db, sink, rows.map((r) => r.id), leads.emails);
    for (const row of rows) if (row.status === 'unknown') assert.ok(inFlight.has(row.id), `${row.id} is unknown but was not in flight at a kill`);
    assert.ok(inFlight.size > 0, 'the kills caught messages in flight');
    c.diagnostic(`bulk email: 3 SIGKILLs during SMTP sends (${kills.slice(-3).map((k) => k.detail).join('; ')}); ${figures.sent} sent once, ${figures.unknown} unknown (all in flight at a kill; ${figures.unknownReceived} of them had reached the server), 0 duplicates`);
  });

  test('webhooks: 200 events, 2 kills while a POST is unanswered', async (c) => {
    const receiver = await startReceiver();
    const hook = (await t.call('POST', '/api/v1/webhook/', { body: { url: receiver.url, events: [{ object_type: 'lead', action: 'updated' }] } })).body;
    const N = 200;
    const base = Date.now();
    await recordEvents(t.db, Array.from({ length: N }, (_, i) => ({ organizationId: t.orgA.organization_id, objectType: 'lead', objectId: `lead_${i}`, action: 'updated', data: { i }, at: new Date(base + i) })));
    const inFlight = new Set<string>();
    const recorded = new Set<string>();
    const deliveries = () => t.db.selectFrom('webhook_deliveries').select(['event_id', 'status']).where('webhook_id', '=', hook.id).execute();
    for (const killAt of [50, 130]) {
      const child = await rounds.start();
      let hit!: () => void;
      const killed = new Promise<void>((resolve) => (hit = resolve));
      receiver.respond = () => {
        if (receiver.of(hook.id).length < killAt) return undefined;
        receiver.respond = () => ({ wait: new Promise(() => {}) });
        // The POST is on the wire, unanswered: kill the worker now.
        void killHard(child.proc).then(hit);
        return { wait: new Promise(() => {}) };
      };
      await killed;
      for (const d of await deliveries()) {
        if (d.status === 'sending') inFlight.add(d.event_id);
        if (d.status === 'delivered') recorded.add(d.event_id);
      }
      kills.push({ label: 'webhooks: during a POST', detail: `${recorded.size} recorded delivered, ${inFlight.size} in flight so far` });
      receiver.respond = () => undefined;
    }
    await rounds.finishWith(async () => (await deliveries()).every((d) => d.status === 'delivered'), 'every delivery');
    const counts = new Map<string, number>();
    for (const r of receiver.of(hook.id)) counts.set(r.body.event.id, (counts.get(r.body.event.id) ?? 0) + 1);
    const all = await deliveries();
    assert.equal(all.length, N);
    for (const d of all) assert.ok((counts.get(d.event_id) ?? 0) >= 1, `${d.event_id} delivered`);
    const twice = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
    for (const id of twice) assert.ok(inFlight.has(id), `${id} sent twice although not in flight at a kill`);
    for (const [id, n] of counts) assert.ok(n <= 3, `${id} sent ${n} times`);
    for (const id of recorded) assert.equal(counts.get(id), 1, `${id} was recorded delivered and sent again`);
    c.diagnostic(`webhooks: 2 SIGKILLs during POSTs; ${N} events all delivered, ${twice.length} received twice (all of them in flight at a kill), none recorded delivered was resent`);
  });

  test('8 SIGKILLs in all', (c) => {
    assert.equal(kills.length, 8);
    c.diagnostic(`8 SIGKILLs over sequence steps, bulk email and webhooks: ${kills.map((k) => `${k.label} (${k.detail})`).join('; ')}`);
  });
});
