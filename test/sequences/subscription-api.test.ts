import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { ManualClock } from '../../src/time.ts';
import { loadSubscriptionsForContacts } from '../../src/sequences/contact-subscriptions.ts';
import { createAccount, createLead, createTemplate } from './fixtures.ts';

describe('/sequence_subscription/', () => {
  const clock = new ManualClock('2026-01-05T12:00:00Z');
  let t: TestApp;
  let seq: any;
  let lead: any;
  let contact: any;
  let account: string;
  let sender: Record<string, string>;
  let bLead: any;
  let bSeq: string;
  before(async () => {
    t = await createTestApp({ clock });
    const tmpl = await createTemplate(t, t.orgA, 'Hi', 'Body');
    account = await createAccount(t, t.orgA, 'sam@a.example');
    sender = { sender_account_id: account, sender_name: 'Sam', sender_email: 'sam@a.example' };
    seq = (await t.call('POST', '/api/v1/sequence/', { body: { name: 'S', steps: [{ step_type: 'email', delay: 3600, email_template_id: tmpl }] } })).body;
    lead = await createLead(t, t.orgA, 'Acme', [{ name: 'Ann Able', emails: ['ann@acme.example', 'ann2@acme.example'] }, { name: 'Ben', emails: ['ben@acme.example'] }]);
    contact = lead.contacts[0];
    bLead = await createLead(t, t.orgB, 'B corp', [{ name: 'Bea', emails: ['bea@b.example'] }]);
    bSeq = (await t.call('POST', '/api/v1/sequence/', { key: t.orgB.api_key, body: { name: 'B seq' } })).body.id;
  });

  const subscribe = (body: Record<string, unknown>, key?: string) => t.call('POST', '/api/v1/sequence_subscription/', { body, key });

  test('create answers 201 with Close’s fields, and the next step is planned after the delay', async () => {
    const res = await subscribe({ sequence_id: seq.id, contact_id: contact.id, contact_email: 'ann2@acme.example', ...sender, calls_assigned_to: [t.orgA.user_id] });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.match(res.body.id, /^sub_/);
    assert.equal(res.body.sequence_id, seq.id);
    assert.equal(res.body.contact_id, contact.id);
    assert.equal(res.body.lead_id, lead.id);
    assert.equal(res.body.contact_email, 'ann2@acme.example');
    assert.equal(res.body.sender_account_id, account);
    assert.equal(res.body.sender_name, 'Sam');
    assert.equal(res.body.sender_email, 'sam@a.example');
    assert.deepEqual(res.body.calls_assigned_to, [t.orgA.user_id]);
    assert.equal(res.body.status, 'active');
    assert.equal(res.body.status_reason, null);
    assert.equal(res.body.start_date, '2026-01-05T12:00:00.000000+00:00');
    assert.equal(res.body.organization_id, t.orgA.organization_id);
    const row = await t.db.selectFrom('sequence_subscriptions').select('next_step_at').where('id', '=', res.body.id).executeTakeFirstOrThrow();
    assert.equal(row.next_step_at?.toISOString(), '2026-01-05T13:00:00.000Z');
    const counts = await t.call('GET', `/api/v1/sequence/${seq.id}/`);
    assert.equal(counts.body.subscription_counts_by_status.active, 1);
    const shown = await t.call('GET', `/api/v1/contact/${contact.id}/`);
    assert.deepEqual(
      shown.body.subscriptions.map((s: any) => [s.subscription_id, s.sequence_id, s.subscription_status, s.contact_email]),
      [[res.body.id, seq.id, 'active', 'ann2@acme.example']],
    );
  });

  test('subscribing the same contact twice is a 400 on contact_id', async () => {
    const res = await subscribe({ sequence_id: seq.id, contact_id: contact.id, contact_email: 'ann@acme.example', ...sender });
    assert.equal(res.status, 400);
    assert.ok(res.body['field-errors'].contact_id);
  });

  test('missing and unknown references are 400s naming the field; another org’s objects count as unknown', async () => {
    const ben = lead.contacts[1];
    const base = { sequence_id: seq.id, contact_id: ben.id, contact_email: 'ben@acme.example', ...sender };
    const cases: [Record<string, unknown>, string][] = [
      [{ ...base, sequence_id: undefined }, 'sequence_id'],
      [{ ...base, sender_name: undefined }, 'sender_name'],
      [{ ...base, sequence_id: 'seq_nope' }, 'sequence_id'],
      [{ ...base, sequence_id: bSeq }, 'sequence_id'],
      [{ ...base, contact_id: bLead.contacts[0].id }, 'contact_id'],
      [{ ...base, contact_email: 'someone@else.example' }, 'contact_email'],
      [{ ...base, sender_account_id: 'emailacct_nope' }, 'sender_account_id'],
      [{ ...base, sender_email: 'other@a.example' }, 'sender_email'],
    ];
    for (const [body, field] of cases) {
      const res = await subscribe(body);
      assert.equal(res.status, 400, field);
      assert.ok(res.body['field-errors'][field], `${field}: ${JSON.stringify(res.body)}`);
    }
    const list = await t.call('GET', `/api/v1/sequence_subscription/?contact_id=${ben.id}`);
    assert.deepEqual(list.body.data, []);
  });

  test('list requires sequence_id, contact_id or lead_id and filters by each', async () => {
    const ben = lead.contacts[1];
    await subscribe({ sequence_id: seq.id, contact_id: ben.id, contact_email: 'ben@acme.example', ...sender });
    const none = await t.call('GET', '/api/v1/sequence_subscription/');
    assert.equal(none.status, 400);
    const bySeq = await t.call('GET', `/api/v1/sequence_subscription/?sequence_id=${seq.id}`);
    assert.equal(bySeq.body.data.length, 2);
    const byLead = await t.call('GET', `/api/v1/sequence_subscription/?lead_id=${lead.id}&_limit=1`);
    assert.equal(byLead.body.data.length, 1);
    assert.equal(byLead.body.has_more, true);
    const byContact = await t.call('GET', `/api/v1/sequence_subscription/?contact_id=${ben.id}`);
    assert.deepEqual(byContact.body.data.map((s: any) => s.contact_email), ['ben@acme.example']);
    const fromB = await t.call('GET', `/api/v1/sequence_subscription/?sequence_id=${seq.id}`, { key: t.orgB.api_key });
    assert.deepEqual(fromB.body.data, []);
  });

  test('pause records manual, resume replans the next step, sender fields change', async () => {
    const sub = (await t.call('GET', `/api/v1/sequence_subscription/?contact_id=${contact.id}`)).body.data[0];
    const paused = await t.call('PUT', `/api/v1/sequence_subscription/${sub.id}/`, { body: { status: 'paused' } });
    assert.equal(paused.status, 200);
    assert.equal(paused.body.status, 'paused');
    assert.equal(paused.body.status_reason, 'manual');
    clock.advance(5 * 3600_000);
    const resumed = await t.call('PUT', `/api/v1/sequence_subscription/${sub.id}/`, { body: { status: 'active', sender_name: 'Samantha' } });
    assert.equal(resumed.body.status, 'active');
    assert.equal(resumed.body.status_reason, null);
    assert.equal(resumed.body.sender_name, 'Samantha');
    const row = await t.db.selectFrom('sequence_subscriptions').select('next_step_at').where('id', '=', sub.id).executeTakeFirstOrThrow();
    // Its delay had passed while paused: due at once.
    assert.equal(row.next_step_at?.toISOString(), clock.now().toISOString());
    const bad = await t.call('PUT', `/api/v1/sequence_subscription/${sub.id}/`, { body: { status: 'finished' } });
    assert.equal(bad.status, 400);
    const badSender = await t.call('PUT', `/api/v1/sequence_subscription/${sub.id}/`, { body: { sender_email: 'nobody@a.example' } });
    assert.equal(badSender.status, 400);
    assert.ok(badSender.body['field-errors'].sender_email);
  });

  test('another organization gets 404 on get, update and delete, and changes nothing', async () => {
    const sub = (await t.call('GET', `/api/v1/sequence_subscription/?contact_id=${contact.id}`)).body.data[0];
    for (const [method, body] of [['GET', undefined], ['PUT', { status: 'paused' }], ['DELETE', undefined]] as const) {
      const res = await t.call(method, `/api/v1/sequence_subscription/${sub.id}/`, { key: t.orgB.api_key, body });
      assert.equal(res.status, 404, method);
    }
    const same = await t.call('GET', `/api/v1/sequence_subscription/${sub.id}/`);
    assert.equal(same.body.status, 'active');
  });

  test('loadSubscriptionsForContacts gives each contact its subscriptions in Close’s shape, per organization', async () => {
    const ben = lead.contacts[1];
    const map = await loadSubscriptionsForContacts(t.db, t.orgA.organization_id, [contact.id, ben.id, bLead.contacts[0].id]);
    const [info] = map.get(ben.id)!;
    assert.deepEqual(Object.keys(info!).sort(), [
      'contact_email', 'date_created', 'initial_email_id', 'sequence_id', 'sequence_name', 'sequence_status',
      'start_date', 'subscription_id', 'subscription_status', 'subscription_status_reason',
    ]);
    assert.equal(info!.sequence_name, 'S');
    assert.equal(info!.sequence_status, 'active');
    assert.equal(info!.subscription_status, 'active');
    assert.equal(info!.contact_email, 'ben@acme.example');
    assert.equal(info!.initial_email_id, null);
    assert.deepEqual(map.get(bLead.contacts[0].id), [], 'another organization’s contact shows nothing');
  });

  test('delete hides the subscription; subscribing again starts a fresh one', async () => {
    const sub = (await t.call('GET', `/api/v1/sequence_subscription/?contact_id=${contact.id}`)).body.data[0];
    const del = await t.call('DELETE', `/api/v1/sequence_subscription/${sub.id}/`);
    assert.deepEqual([del.status, del.body], [200, {}]);
    assert.equal((await t.call('GET', `/api/v1/sequence_subscription/${sub.id}/`)).status, 404);
    const list = await t.call('GET', `/api/v1/sequence_subscription/?contact_id=${contact.id}`);
    assert.deepEqual(list.body.data, []);
    const again = await subscribe({ sequence_id: seq.id, contact_id: contact.id, contact_email: 'ann@acme.example', ...sender });
    assert.equal(again.status, 201);
    assert.notEqual(again.body.id, sub.id);
  });
  test('a contact moved to another lead takes its subscriptions along (lead_id filters follow it)', async () => {
    const mover = (await createLead(t, t.orgA, 'Old home', [{ name: 'Moe Ver', emails: ['moe@old.example'] }])).contacts[0];
    const target = await createLead(t, t.orgA, 'New home', []);
    const sub = await subscribe({ sequence_id: seq.id, contact_id: mover.id, contact_email: 'moe@old.example', ...sender });
    assert.equal(sub.status, 201, JSON.stringify(sub.body));
    const moved = await t.call('PUT', `/api/v1/contact/${mover.id}/`, { body: { lead_id: target.id } });
    assert.equal(moved.status, 200, moved.text);
    const atTarget = await t.call('GET', `/api/v1/sequence_subscription/?lead_id=${target.id}`);
    assert.deepEqual(atTarget.body.data.map((s: any) => [s.id, s.lead_id]), [[sub.body.id, target.id]]);
    const atOld = await t.call('GET', `/api/v1/sequence_subscription/?lead_id=${mover.lead_id}`);
    assert.deepEqual(atOld.body.data, []);
    assert.equal((await t.call('GET', `/api/v1/sequence_subscription/${sub.body.id}/`)).body.lead_id, target.id);
  });
});
