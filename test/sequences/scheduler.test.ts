import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { runSchedulerOnce } from '../../src/sequences/scheduler.ts';
import { createAccount, createLead, createTemplate } from './fixtures.ts';
import { createSequenceHarness, type SequenceHarness } from './harness.ts';

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const nyWeekdays = { ranges: [1, 2, 3, 4, 5].map((weekday) => ({ weekday, start: '09:00', end: '16:59' })) };

describe('the sequence scheduler (ManualClock, real SMTP)', () => {
  let h: SequenceHarness;
  let sender: Record<string, string>;
  let tmpl1: string;
  let tmpl2: string;
  before(async () => {
    // Monday 2026-01-05 12:00 UTC = 07:00 in New York.
    h = await createSequenceHarness('2026-01-05T12:00:00Z');
    const account = await createAccount(h.t, h.t.orgA, 'sam@a.example', h.smtp.port);
    sender = { sender_account_id: account, sender_name: 'Sam Sender', sender_email: 'sam@a.example' };
    tmpl1 = await createTemplate(h.t, h.t.orgA, 'Step one for {{ contact.first_name }}', '<p>Hello {{ contact.first_name }} at {{ lead.display_name }}</p>');
    tmpl2 = await createTemplate(h.t, h.t.orgA, 'Step two for {{ contact.first_name }}', '<p>Following up</p>');
  });

  async function sequence(body: Record<string, unknown>): Promise<any> {
    const res = await h.t.call('POST', '/api/v1/sequence/', { body });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  }
  async function subscribe(sequenceId: string, contact: any): Promise<any> {
    const res = await h.t.call('POST', '/api/v1/sequence_subscription/', {
      body: { sequence_id: sequenceId, contact_id: contact.id, contact_email: contact.emails[0].email, ...sender },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body;
  }
  const nextStepAt = async (id: string) =>
    (await h.t.db.selectFrom('sequence_subscriptions').select('next_step_at').where('id', '=', id).executeTakeFirstOrThrow()).next_step_at?.toISOString() ?? null;
  const activitiesOf = (subscriptionId: string) =>
    h.t.db.selectFrom('email_activities').selectAll().where('sequence_subscription_id', '=', subscriptionId).orderBy('date_created').execute();
  const mailTo = (address: string) => h.smtp.received.filter((m) => m.envelopeTo.includes(address));

  test('delays, a New York schedule across the weekend, a skipped call step, threading, and finishing', async () => {
    const seq = await sequence({
      name: 'NY weekdays',
      timezone: 'America/New_York',
      schedule: nyWeekdays,
      steps: [
        { step_type: 'email', delay: 0, email_template_id: tmpl1 },
        { step_type: 'call', delay: 3600 },
        { step_type: 'email', delay: 5 * 86400, email_template_id: tmpl2, threading: 'old_thread' },
      ],
    });
    const lead = await createLead(h.t, h.t.orgA, 'Acme', [{ name: 'Ann Able', emails: ['ann@acme.example'] }]);
    const sub = await subscribe(seq.id, lead.contacts[0]);
    // Due at once, but 07:00 in New York is before the window: waits for 09:00 New York (14:00 UTC).
    assert.equal(await nextStepAt(sub.id), '2026-01-05T14:00:00.000Z');
    assert.equal(await h.runScheduler(), 0);

    h.clock.set('2026-01-05T13:59:00Z');
    assert.equal(await h.runScheduler(), 0);
    h.clock.set('2026-01-05T14:00:00Z');
    assert.equal(await h.runScheduler(), 1);
    await h.waitForMail(1);
    const [first] = mailTo('ann@acme.example');
    assert.equal(first!.parsed.subject, 'Step one for Ann');
    assert.match(first!.parsed.html || '', /Hello Ann at Acme/);
    const acts = await activitiesOf(sub.id);
    assert.equal(acts.length, 1);
    assert.equal(acts[0]!.sequence_id, seq.id);
    assert.equal(acts[0]!.template_id, tmpl1);
    // The call step follows an hour later and is skipped.
    assert.equal(await nextStepAt(sub.id), '2026-01-05T15:00:00.000Z');
    h.clock.set('2026-01-05T15:00:00Z');
    assert.equal(await h.runScheduler(), 1);
    assert.equal((await activitiesOf(sub.id)).length, 1);
    // Five days after Monday 15:00 UTC is Saturday: the email waits for Monday 09:00 New York.
    assert.equal(await nextStepAt(sub.id), '2026-01-12T14:00:00.000Z');
    h.clock.set('2026-01-10T15:00:00Z');
    assert.equal(await h.runScheduler(), 0);
    h.clock.set('2026-01-12T14:00:30Z');
    assert.equal(await h.runScheduler(), 1);
    await h.waitForMail(2);
    const second = mailTo('ann@acme.example')[1]!;
    assert.equal(second.parsed.subject, 'Step two for Ann');
    assert.equal(second.parsed.inReplyTo, first!.messageId, 'the second step replies in the first one’s thread');
    const sub2 = await h.t.call('GET', `/api/v1/sequence_subscription/${sub.id}/`);
    assert.equal(sub2.body.status, 'finished');
    assert.equal(await nextStepAt(sub.id), null);
    const log = await h.t.db.selectFrom('sequence_subscription_steps').select(['outcome', 'reason']).where('subscription_id', '=', sub.id).orderBy('position').execute();
    assert.deepEqual(log.map((r) => [r.outcome, r.reason]), [['sent', null], ['skipped', 'call_step'], ['sent', null]]);
    // Nothing more is ever sent for a finished subscription.
    h.clock.advance(30 * DAY);
    await h.runScheduler();
    assert.equal((await activitiesOf(sub.id)).length, 2);
  });

  test('pausing one subscription, then the whole sequence, sends nothing until each is resumed', async () => {
    h.clock.set('2026-02-02T10:00:00Z');
    const seq = await sequence({
      name: 'Two hourly steps',
      steps: [
        { step_type: 'email', delay: 3600, email_template_id: tmpl1 },
        { step_type: 'email', delay: 3600, email_template_id: tmpl2 },
      ],
    });
    const lead = await createLead(h.t, h.t.orgA, 'Pausers', [{ name: 'Cat', emails: ['cat@p.example'] }, { name: 'Dan', emails: ['dan@p.example'] }]);
    const cat = await subscribe(seq.id, lead.contacts[0]);
    const dan = await subscribe(seq.id, lead.contacts[1]);
    assert.equal((await h.t.call('PUT', `/api/v1/sequence_subscription/${cat.id}/`, { body: { status: 'paused' } })).status, 200);

    h.clock.advance(HOUR);
    assert.equal(await h.runScheduler(), 1);
    assert.equal((await activitiesOf(dan.id)).length, 1);
    assert.equal((await activitiesOf(cat.id)).length, 0);

    assert.equal((await h.t.call('PUT', `/api/v1/sequence/${seq.id}/`, { body: { status: 'paused' } })).status, 200);
    h.clock.advance(2 * HOUR);
    assert.equal((await h.t.call('PUT', `/api/v1/sequence_subscription/${cat.id}/`, { body: { status: 'active' } })).body.status, 'active');
    assert.equal(await h.runScheduler(), 0, 'a paused sequence sends nothing, even for active subscriptions');
    // Out of the scheduler's queue while the sequence is paused.
    assert.deepEqual([await nextStepAt(dan.id), await nextStepAt(cat.id)], [null, null]);
    assert.equal((await activitiesOf(dan.id)).length, 1);
    assert.equal((await activitiesOf(cat.id)).length, 0);

    await h.t.call('PUT', `/api/v1/sequence/${seq.id}/`, { body: { status: 'active' } });
    assert.deepEqual([await nextStepAt(dan.id), await nextStepAt(cat.id)], [h.clock.now().toISOString(), h.clock.now().toISOString()]);
    assert.equal(await h.runScheduler(), 2);
    assert.equal((await activitiesOf(dan.id)).length, 2);
    assert.equal((await activitiesOf(cat.id)).length, 1, 'Cat continues with her first step, not from the start twice');
    h.clock.advance(HOUR);
    assert.equal(await h.runScheduler(), 1);
    assert.equal((await activitiesOf(cat.id)).length, 2);
    const counts = (await h.t.call('GET', `/api/v1/sequence/${seq.id}/`)).body.subscription_counts_by_status;
    assert.deepEqual(counts, { active: 0, paused: 0, finished: 2, goal: 0, error: 0 });
    await h.waitForMail(2 + 4);
    assert.equal(mailTo('cat@p.example').length, 2);
    assert.equal(mailTo('dan@p.example').length, 2);
  });

  test('a step found after its window closed (a late worker) waits for the next window instead of sending', async () => {
    h.clock.set('2026-03-02T12:00:00Z'); // Monday 07:00 New York (EST)
    const seq = await sequence({ name: 'Late', timezone: 'America/New_York', schedule: nyWeekdays, steps: [{ step_type: 'email', delay: 0, email_template_id: tmpl1 }] });
    const lead = await createLead(h.t, h.t.orgA, 'Late Inc', [{ name: 'Gus', emails: ['gus@late.example'] }]);
    const sub = await subscribe(seq.id, lead.contacts[0]);
    assert.equal(await nextStepAt(sub.id), '2026-03-02T14:00:00.000Z');
    // No worker ran during the window; at 18:00 New York the step is overdue but outside the schedule.
    h.clock.set('2026-03-02T23:00:00Z');
    assert.equal(await h.runScheduler(), 1);
    assert.equal((await activitiesOf(sub.id)).length, 0);
    assert.equal(await nextStepAt(sub.id), '2026-03-03T14:00:00.000Z');
    h.clock.set('2026-03-03T14:00:00Z');
    assert.equal(await h.runScheduler(), 1);
    assert.equal((await activitiesOf(sub.id)).length, 1);
  });

  test('changing a step’s delay or the schedule replans active subscriptions at once', async () => {
    h.clock.set('2026-03-09T10:00:00Z'); // Monday
    const seq = await sequence({ name: 'Replan', steps: [{ step_type: 'email', delay: 5 * 86400, email_template_id: tmpl1 }] });
    const lead = await createLead(h.t, h.t.orgA, 'Replanned', [{ name: 'Ida', emails: ['ida@r.example'] }]);
    const sub = await subscribe(seq.id, lead.contacts[0]);
    assert.equal(await nextStepAt(sub.id), '2026-03-14T10:00:00.000Z');
    h.clock.set('2026-03-09T10:30:00Z');
    await h.t.call('PUT', `/api/v1/sequence/${seq.id}/`, { body: { steps: [{ id: seq.steps[0].id, delay: 3600 }] } });
    assert.equal(await nextStepAt(sub.id), '2026-03-09T11:00:00.000Z', 'one hour after the start now');
    await h.t.call('PUT', `/api/v1/sequence/${seq.id}/`, { body: { timezone: 'UTC', schedule: { ranges: [{ weekday: 2, start: '08:00', end: '09:00' }] } } });
    assert.equal(await nextStepAt(sub.id), '2026-03-10T08:00:00.000Z', 'Tuesday’s window');
    h.clock.set('2026-03-10T08:00:00Z');
    assert.equal(await h.runScheduler(), 1);
    assert.equal((await activitiesOf(sub.id)).length, 1);
  });

  test('a sender account removed under a running subscription stops it with account-invalid', async () => {
    const spare = await createAccount(h.t, h.t.orgA, 'spare@a.example', h.smtp.port);
    const seq = await sequence({ name: 'Orphan', steps: [{ step_type: 'email', delay: 60, email_template_id: tmpl1 }] });
    const lead = await createLead(h.t, h.t.orgA, 'Orphaned', [{ name: 'Hal', emails: ['hal@o.example'] }]);
    const res = await h.t.call('POST', '/api/v1/sequence_subscription/', {
      body: { sequence_id: seq.id, contact_id: lead.contacts[0].id, contact_email: 'hal@o.example', sender_account_id: spare, sender_name: 'Spare', sender_email: 'spare@a.example' },
    });
    assert.equal(res.status, 201);
    assert.equal((await h.t.call('DELETE', `/api/v1/connected_account/${spare}/`)).status, 200);
    h.clock.advance(60_000);
    await h.runScheduler();
    const after = await h.t.call('GET', `/api/v1/sequence_subscription/${res.body.id}/`);
    assert.deepEqual([after.body.status, after.body.status_reason], ['error', 'account-invalid']);
    assert.equal((await activitiesOf(res.body.id)).length, 0);
  });

  test('a subscription whose step throws stops alone in error; the rest of its batch is sent once', async () => {
    const seq = await sequence({ name: 'Faulty', steps: [{ step_type: 'email', delay: 0, email_template_id: tmpl1 }] });
    const lead = await createLead(h.t, h.t.orgA, 'Faulty', ['Jo', 'Kim', 'Lou'].map((name) => ({ name, emails: [`${name.toLowerCase()}@f.example`] })));
    const subs = [];
    for (const contact of lead.contacts) subs.push(await subscribe(seq.id, contact));
    const bad = subs[1].id;
    let attempts = 0;
    const handled = await runSchedulerOnce(
      { db: h.t.db, config: h.t.config, clock: h.clock },
      {
        beforeCommit: async (results) => {
          attempts++;
          if (results.has(bad)) throw new Error('boom while sending');
        },
      },
    );
    assert.equal(handled, 3);
    assert.ok(attempts >= 2, 'the batch was retried one by one');
    const failed = await h.t.db.selectFrom('sequence_subscriptions').select(['status', 'status_reason', 'error_message']).where('id', '=', bad).executeTakeFirstOrThrow();
    assert.deepEqual(failed, { status: 'error', status_reason: 'internal-error', error_message: 'boom while sending' });
    assert.equal((await activitiesOf(bad)).length, 0);
    for (const ok of [subs[0].id, subs[2].id]) {
      assert.equal((await activitiesOf(ok)).length, 1);
      assert.equal((await h.t.call('GET', `/api/v1/sequence_subscription/${ok}/`)).body.status, 'finished');
    }
  });

  test('an unsubscribed contact’s email steps are skipped and the subscription still finishes', async () => {
    const seq = await sequence({ name: 'Skip me', steps: [{ step_type: 'email', delay: 0, email_template_id: tmpl1 }, { step_type: 'email', delay: 60, email_template_id: tmpl2 }] });
    const lead = await createLead(h.t, h.t.orgA, 'Opted out', [{ name: 'Eve', emails: ['eve@o.example'] }]);
    assert.equal((await h.t.call('POST', '/api/v1/unsubscribe/email/', { body: { email: 'eve@o.example' } })).status, 200);
    const sub = await subscribe(seq.id, lead.contacts[0]);
    await h.runScheduler();
    h.clock.advance(60_000);
    await h.runScheduler();
    assert.equal((await h.t.call('GET', `/api/v1/sequence_subscription/${sub.id}/`)).body.status, 'finished');
    assert.equal((await activitiesOf(sub.id)).length, 0);
    const log = await h.t.db.selectFrom('sequence_subscription_steps').select('reason').where('subscription_id', '=', sub.id).execute();
    assert.deepEqual(log.map((r) => r.reason), ['unsubscribed', 'unsubscribed']);
  });

  test('steps appended to a finished sequence are not run unless resumed; a deleted template stops with error', async () => {
    const seq = await sequence({ name: 'Grows', steps: [{ step_type: 'email', delay: 0, email_template_id: tmpl1 }] });
    const lead = await createLead(h.t, h.t.orgA, 'Grower', [{ name: 'Fay', emails: ['fay@g.example'] }]);
    const sub = await subscribe(seq.id, lead.contacts[0]);
    await h.runScheduler();
    assert.equal((await h.t.call('GET', `/api/v1/sequence_subscription/${sub.id}/`)).body.status, 'finished');
    const doomed = await createTemplate(h.t, h.t.orgA, 'Doomed', 'x');
    await h.t.call('PUT', `/api/v1/sequence/${seq.id}/`, { body: { steps: [{ id: seq.steps[0].id }, { step_type: 'email', delay: 0, email_template_id: doomed }] } });
    await h.runScheduler();
    assert.equal((await activitiesOf(sub.id)).length, 1);
    const resumed = await h.t.call('PUT', `/api/v1/sequence_subscription/${sub.id}/`, { body: { status: 'active' } });
    assert.equal(resumed.body.status, 'active');
    await h.t.db.deleteFrom('email_templates').where('id', '=', doomed).execute();
    await h.runScheduler();
    const after = await h.t.call('GET', `/api/v1/sequence_subscription/${sub.id}/`);
    assert.equal(after.body.status, 'error');
    assert.equal(after.body.status_reason, 'internal-error');
    assert.equal((await activitiesOf(sub.id)).length, 1);
  });
});
