import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { createAccount, createLead, createTemplate } from './fixtures.ts';
import { createSequenceHarness, type SequenceHarness } from './harness.ts';

const TARGET = {
  type: 'and',
  queries: [
    { type: 'object_type', object_type: 'lead' },
    {
      type: 'field_condition',
      field: { type: 'regular_field', object_type: 'lead', field_name: 'name' },
      condition: { type: 'text', mode: 'full_words', value: 'Target' },
    },
  ],
};
const DAY = 86400_000;
const URL = '/api/v1/bulk_action/sequence_subscription/';

describe('bulk sequence subscription', () => {
  let h: SequenceHarness;
  let sender: Record<string, string>;
  let tmpl: string;
  let s1: any;
  let s2: any;
  let t1: any;
  let t2: any;
  let t3: any;
  let olgaSub: any;
  let beaSub: any;
  before(async () => {
    // The bulk engine runs kinds at the wall-clock time, so the test clock starts there.
    h = await createSequenceHarness(new Date());
    const { t } = h;
    const account = await createAccount(t, t.orgA, 'sam@a.example', h.smtp.port);
    sender = { sender_account_id: account, sender_name: 'Sam', sender_email: 'sam@a.example' };
    tmpl = await createTemplate(t, t.orgA, 'Hi {{ contact.first_name }}', 'Body');
    const steps = [
      { step_type: 'email', delay: 0, email_template_id: tmpl },
      { step_type: 'email', delay: 86400, email_template_id: tmpl },
    ];
    s1 = (await t.call('POST', '/api/v1/sequence/', { body: { name: 'S1', steps } })).body;
    s2 = (await t.call('POST', '/api/v1/sequence/', { body: { name: 'S2', steps } })).body;
    t1 = await createLead(t, t.orgA, 'Target One', [{ name: 'Ann', emails: ['ann@t1.example', 'ann-alt@t1.example'] }, { name: 'Ben', emails: ['ben@t1.example'] }]);
    t2 = await createLead(t, t.orgA, 'Target Two', [{ name: 'Nomail', emails: [] }, { name: 'Cy', emails: ['cy@t2.example'] }]);
    t3 = await createLead(t, t.orgA, 'Target Three', [{ name: 'Quiet', emails: [] }]);
    const other = await createLead(t, t.orgA, 'Other One', [{ name: 'Olga', emails: ['olga@o1.example'] }]);
    olgaSub = (await t.call('POST', '/api/v1/sequence_subscription/', { body: { sequence_id: s1.id, contact_id: other.contacts[0].id, contact_email: 'olga@o1.example', ...sender } })).body;
    // The neighbour organization has a lead that the same query would match, with an active subscription.
    const bAccount = await createAccount(t, t.orgB, 'bob@b.example', h.smtp.port);
    const bTmpl = await createTemplate(t, t.orgB, 'B', 'B');
    const bSeq = (await t.call('POST', '/api/v1/sequence/', { key: t.orgB.api_key, body: { name: 'B', steps: [{ step_type: 'email', delay: 30 * 86400, email_template_id: bTmpl }] } })).body;
    const bLead = await createLead(t, t.orgB, 'Target B', [{ name: 'Bea', emails: ['bea@b.example'] }]);
    beaSub = (await t.call('POST', '/api/v1/sequence_subscription/', {
      key: t.orgB.api_key,
      body: { sequence_id: bSeq.id, contact_id: bLead.contacts[0].id, contact_email: 'bea@b.example', sender_account_id: bAccount, sender_name: 'Bob', sender_email: 'bob@b.example' },
    })).body;
  });

  async function run(body: Record<string, unknown>): Promise<{ action: any; items: any[] }> {
    const res = await h.t.call('POST', URL, { body: { s_query: TARGET, send_done_email: false, ...body } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    await h.drainBulk();
    const action = (await h.t.call('GET', `${URL}${res.body.id}/`)).body;
    assert.equal(action.status, 'done', JSON.stringify(action));
    const items = (await h.t.call('GET', `${URL}${res.body.id}/items/?_limit=200`)).body.data;
    return { action, items };
  }
  const outcomes = (items: any[]) => Object.fromEntries(items.map((i) => [i.lead_id, [i.status, i.reason, i.n_objects]]));
  const subsOf = async (sequenceId: string) =>
    (await h.t.call('GET', `/api/v1/sequence_subscription/?sequence_id=${sequenceId}&_limit=200`)).body.data as any[];
  const statusByEmail = async (sequenceId: string) =>
    Object.fromEntries((await subsOf(sequenceId)).map((s) => [s.contact_email, [s.status, s.status_reason]]));
  const beaStatus = async () => (await h.t.call('GET', `/api/v1/sequence_subscription/${beaSub.id}/`, { key: h.t.orgB.api_key })).body.status;
  /** Moves the test clock past the wall clock (plus `ms`) and runs the due steps. */
  async function runStepsAfter(ms: number): Promise<number> {
    h.clock.set(new Date(Math.max(Date.now(), h.clock.now().getTime()) + ms));
    return h.runScheduler();
  }

  test('missing or invalid fields for the action_type are 400s naming them, and create nothing', async () => {
    const cases: [Record<string, unknown>, string[]][] = [
      [{}, ['action_type']],
      [{ action_type: 'explode' }, ['action_type']],
      [{ action_type: 'subscribe' }, ['sequence_id', 'sender_account_id', 'sender_name', 'sender_email', 'contact_preference']],
      [{ action_type: 'subscribe', sequence_id: s1.id, ...sender, contact_preference: 'all' }, ['contact_preference']],
      [{ action_type: 'subscribe', sequence_id: 'seq_nope', ...sender, contact_preference: 'lead' }, ['sequence_id']],
      [{ action_type: 'subscribe', sequence_id: s1.id, ...sender, sender_email: 'x@a.example', contact_preference: 'lead' }, ['sender_email']],
      [{ action_type: 'pause', sequence_id: 'seq_nope' }, ['sequence_id']],
      [{ action_type: 'resume', sequence_id: 42 }, ['sequence_id']],
    ];
    for (const [body, fields] of cases) {
      const res = await h.t.call('POST', URL, { body: { s_query: TARGET, ...body } });
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.deepEqual(Object.keys(res.body['field-errors']).sort(), [...fields].sort(), JSON.stringify(res.body));
    }
    const foreign = await h.t.call('POST', URL, { key: h.t.orgB.api_key, body: { s_query: TARGET, action_type: 'pause', sequence_id: s1.id } });
    assert.equal(foreign.status, 400, 'another organization’s sequence is unknown');
    assert.deepEqual((await h.t.call('GET', URL)).body.data, []);
  });

  test('subscribe with contact_preference contact: the first email of every contact never subscribed', async () => {
    const { action, items } = await run({ action_type: 'subscribe', sequence_id: s1.id, ...sender, contact_preference: 'contact' });
    assert.match(action.id, /^bulkseqsub_/);
    assert.equal(action.action_type, 'subscribe');
    assert.equal(action.sequence_id, s1.id);
    assert.equal(action.contact_preference, 'contact');
    assert.equal(action.sender_email, 'sam@a.example');
    assert.equal(action.calls_assigned_to, null);
    assert.equal(action.from_phone_number_id, null);
    assert.deepEqual([action.n_leads, action.n_objects, action.n_leads_processed, action.n_objects_processed], [3, 3, 3, 3]);
    assert.deepEqual(outcomes(items), {
      [t1.id]: ['done', null, 2],
      [t2.id]: ['done', null, 1],
      [t3.id]: ['skipped', 'no_email', 0],
    });
    assert.deepEqual(await statusByEmail(s1.id), {
      'olga@o1.example': ['active', null],
      'ann@t1.example': ['active', null],
      'ben@t1.example': ['active', null],
      'cy@t2.example': ['active', null],
    });
    const ann = (await subsOf(s1.id)).find((s) => s.contact_email === 'ann@t1.example');
    assert.deepEqual([ann.sender_account_id, ann.sender_name, ann.lead_id], [sender.sender_account_id, 'Sam', t1.id]);
  });

  test('re-running subscribe subscribes nobody twice', async () => {
    const { action, items } = await run({ action_type: 'subscribe', sequence_id: s1.id, ...sender, contact_preference: 'contact' });
    assert.deepEqual([action.n_objects, action.n_objects_processed], [0, 0]);
    assert.deepEqual(outcomes(items), {
      [t1.id]: ['skipped', 'already_subscribed', 0],
      [t2.id]: ['skipped', 'already_subscribed', 0],
      [t3.id]: ['skipped', 'no_email', 0],
    });
    assert.equal((await subsOf(s1.id)).length, 4);
  });

  test('subscribe with contact_preference lead: only each lead’s first contact with an email; a deleted subscription still counts', async () => {
    const { items } = await run({ action_type: 'subscribe', sequence_id: s2.id, ...sender, contact_preference: 'lead' });
    assert.deepEqual(outcomes(items), {
      [t1.id]: ['done', null, 1],
      [t2.id]: ['done', null, 1],
      [t3.id]: ['skipped', 'no_email', 0],
    });
    assert.deepEqual(Object.keys(await statusByEmail(s2.id)).sort(), ['ann@t1.example', 'cy@t2.example']);
    const cy = (await subsOf(s2.id)).find((s) => s.contact_email === 'cy@t2.example');
    assert.equal((await h.t.call('DELETE', `/api/v1/sequence_subscription/${cy.id}/`)).status, 200);
    const again = await run({ action_type: 'subscribe', sequence_id: s2.id, ...sender, contact_preference: 'lead' });
    assert.deepEqual(outcomes(again.items)[t2.id], ['skipped', 'already_subscribed', 0], 'Cy was subscribed once: never again by a bulk subscribe');
    // Put Cy back through the single API for the rest of the story.
    await h.t.call('POST', '/api/v1/sequence_subscription/', { body: { sequence_id: s2.id, contact_id: cy.contact_id, contact_email: 'cy@t2.example', ...sender } });
    assert.equal((await runStepsAfter(60_000)), 6, 'first steps of S1 (4) and S2 (2)');
    await h.waitForMail(6);
  });

  test('pause with sequence_id pauses that sequence only; without, every sequence of the matched leads', async () => {
    const first = await run({ action_type: 'pause', sequence_id: s1.id });
    assert.deepEqual([first.action.n_leads, first.action.n_objects, first.action.n_objects_processed], [3, 3, 3]);
    assert.deepEqual(outcomes(first.items), {
      [t1.id]: ['done', null, 2],
      [t2.id]: ['done', null, 1],
      [t3.id]: ['skipped', 'no_active_subscription', 0],
    });
    assert.deepEqual(await statusByEmail(s1.id), {
      'olga@o1.example': ['active', null],
      'ann@t1.example': ['paused', 'bulk-action'],
      'ben@t1.example': ['paused', 'bulk-action'],
      'cy@t2.example': ['paused', 'bulk-action'],
    });
    assert.deepEqual(Object.values(await statusByEmail(s2.id)), [['active', null], ['active', null]]);
    const all = await run({ action_type: 'pause' });
    assert.equal(all.action.sequence_id, null);
    assert.deepEqual([all.action.n_objects, all.action.n_objects_processed], [2, 2]);
    assert.deepEqual(outcomes(all.items)[t1.id], ['done', null, 1]);
    assert.deepEqual(Object.values(await statusByEmail(s2.id)), [['paused', 'bulk-action'], ['paused', 'bulk-action']]);
    const olga = (await h.t.call('GET', `/api/v1/sequence_subscription/${olgaSub.id}/`)).body;
    assert.deepEqual([olga.status, olga.status_reason], ['active', null], 'a lead outside the query is untouched');
    assert.equal(await beaStatus(), 'active', 'the other organization is untouched');
    // Paused subscriptions send nothing, even long after their next step was due.
    assert.equal(await runStepsAfter(2 * DAY), 1, 'only Olga’s second step');
  });

  test('resume with and without sequence_id continues each subscription from its next step', async () => {
    const one = await run({ action_type: 'resume', sequence_id: s2.id });
    assert.deepEqual(outcomes(one.items)[t2.id], ['done', null, 1]);
    assert.deepEqual(Object.values(await statusByEmail(s2.id)), [['active', null], ['active', null]]);
    assert.equal((await statusByEmail(s1.id))['ann@t1.example']![0], 'paused');
    const all = await run({ action_type: 'resume' });
    assert.deepEqual(outcomes(all.items)[t1.id], ['done', null, 2]);
    assert.deepEqual(outcomes(all.items)[t3.id], ['skipped', 'no_paused_subscription', 0]);
    assert.equal(await runStepsAfter(60_000), 5, 'the second step of Ann, Ben, Cy (S1) and Ann, Cy (S2)');
    for (const sub of [...(await subsOf(s1.id)), ...(await subsOf(s2.id))]) {
      assert.equal(sub.status, 'finished', sub.contact_email);
      const acts = await h.t.db.selectFrom('email_activities').select('id').where('sequence_subscription_id', '=', sub.id).execute();
      assert.equal(acts.length, 2, `${sub.contact_email}: each step sent once`);
    }
    await h.waitForMail(12);
  });

  test('resume_finished continues only with steps added since; without new steps the lead is skipped', async () => {
    const none = await run({ action_type: 'resume_finished', sequence_id: s2.id });
    assert.deepEqual(outcomes(none.items), {
      [t1.id]: ['skipped', 'no_new_steps', 0],
      [t2.id]: ['skipped', 'no_new_steps', 0],
      [t3.id]: ['skipped', 'no_finished_subscription', 0],
    });
    const steps = [...s1.steps.map((s: any) => ({ id: s.id })), { step_type: 'email', delay: 0, email_template_id: tmpl }];
    assert.equal((await h.t.call('PUT', `/api/v1/sequence/${s1.id}/`, { body: { steps } })).status, 200);
    const all = await run({ action_type: 'resume_finished' });
    // Five finished subscriptions among the matched leads; the two of S2 have no new step.
    assert.deepEqual([all.action.n_objects, all.action.n_objects_processed], [5, 3]);
    assert.deepEqual(outcomes(all.items)[t1.id], ['done', null, 2], 'Ann and Ben in S1 resumed; Ann in S2 has no new step');
    assert.deepEqual(await statusByEmail(s1.id), {
      'olga@o1.example': ['finished', null],
      'ann@t1.example': ['active', null],
      'ben@t1.example': ['active', null],
      'cy@t2.example': ['active', null],
    });
    assert.equal(await runStepsAfter(60_000), 3);
    await h.waitForMail(15);
    assert.deepEqual(Object.values(await statusByEmail(s1.id)).map((s: any) => s[0]), ['finished', 'finished', 'finished', 'finished']);
    const ann = (await subsOf(s1.id)).find((s) => s.contact_email === 'ann@t1.example');
    const acts = await h.t.db.selectFrom('email_activities').select('id').where('sequence_subscription_id', '=', ann.id).execute();
    assert.equal(acts.length, 3);
  });

  test('another organization cannot see these actions, and its subscription was never touched', async () => {
    const mine = (await h.t.call('GET', URL)).body.data;
    assert.ok(mine.length >= 8);
    assert.deepEqual((await h.t.call('GET', URL, { key: h.t.orgB.api_key })).body.data, []);
    assert.equal((await h.t.call('GET', `${URL}${mine[0].id}/`, { key: h.t.orgB.api_key })).status, 404);
    assert.equal((await h.t.call('GET', `${URL}${mine[0].id}/items/`, { key: h.t.orgB.api_key })).status, 404);
    const bea = await h.t.db.selectFrom('sequence_subscriptions').select(['status', 'status_reason', 'updated_by_id']).where('id', '=', beaSub.id).executeTakeFirstOrThrow();
    assert.equal(bea.status, 'active');
    assert.equal(bea.status_reason, null);
    assert.equal(bea.updated_by_id, h.t.orgB.user_id);
  });
});
