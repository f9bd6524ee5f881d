/**
 * The requests of two of Close's public scripts (close-api-scripts), made the way each script makes
 * them, against data created through the API: delete_secondary_addresses.py pages through
 * `addresses > 1 sort:activities` while it trims each lead to its first address, and
 * export_sequence_subscriptions_public.py counts `contact(sequence_subscription(sequence:*))`.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { createTestApp, type TestApp } from '../../helpers/app.ts';
import { createAccount, createLead, createTemplate } from '../../sequences/fixtures.ts';
import { insertActivities } from './fixtures.ts';

describe('Close’s scripts: the legacy queries they send', () => {
  let t: TestApp;

  before(async () => {
    t = await createTestApp({ env: { RATE_LIMIT_PER_KEY: '0' } });
  });

  const get = (params: Record<string, string | number>, key?: string) =>
    t.call('GET', `/api/v1/lead/?${new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]))}`, { key });

  test('delete_secondary_addresses.py: fewest activities first, and the loop ends once every lead keeps one address', async () => {
    // [addresses, email activities] per lead; the script's query selects the first, second and last.
    const specs = [[3, 2], [2, 0], [1, 5], [0, 0], [2, 1]] as const;
    const ids: string[] = [];
    for (const [i, [addresses, activities]] of specs.entries()) {
      const body = { name: `Lead ${i}`, addresses: Array.from({ length: addresses }, (_, k) => ({ label: 'business', city: `City ${i}.${k}` })) };
      const res = await t.call('POST', '/api/v1/lead/', { body });
      assert.equal(res.status, 200, res.text);
      ids.push(res.body.id);
      await insertActivities(t.db, t.orgA.organization_id, res.body.id, activities);
    }
    // Organization B: a lead with two addresses and no activity, which A's pages never show.
    const other = await t.call('POST', '/api/v1/lead/', { key: t.orgB.api_key, body: { name: 'Lead 1', addresses: [{ city: 'B1' }, { city: 'B2' }] } });
    assert.equal(other.status, 200, other.text);

    const seen: string[][] = [];
    let hasMore = true;
    while (hasMore) {
      assert.ok(seen.length < 5, 'the loop ends');
      const res = await get({ query: 'addresses > 1 sort:activities', _fields: 'id,addresses', _limit: 2 });
      assert.equal(res.status, 200, res.text);
      seen.push(res.body.data.map((l: { id: string }) => l.id));
      for (const lead of res.body.data as { id: string; addresses: unknown[] }[]) {
        assert.deepEqual(Object.keys(lead).sort(), ['addresses', 'id']);
        assert.ok(lead.addresses.length >= 2);
        const put = await t.call('PUT', `/api/v1/lead/${lead.id}/`, { body: { addresses: lead.addresses.slice(0, 1) } });
        assert.equal(put.status, 200, put.text);
      }
      hasMore = res.body.has_more;
    }
    // Page one: 0 and 1 activities; page two: the lead with 2 (the trimmed ones no longer match).
    assert.deepEqual(seen, [[ids[1], ids[4]], [ids[0]]]);
    for (const [i, id] of ids.entries()) {
      const lead = (await t.call('GET', `/api/v1/lead/${id}/`)).body;
      assert.deepEqual(lead.addresses.map((a: { city: string }) => a.city), specs[i]![0] === 0 ? [] : [`City ${i}.0`]);
    }
    const untouched = await t.call('GET', `/api/v1/lead/${other.body.id}/`, { key: t.orgB.api_key });
    assert.equal(untouched.body.addresses.length, 2);
  });

  test('export_sequence_subscriptions_public.py: the leads with a contact subscribed to any sequence', async () => {
    const subscribedLeads: string[] = [];
    const setUp = async (org: typeof t.orgA, tag: string) => {
      const template = await createTemplate(t, org, `Hello ${tag}`, 'Hi {{ contact.first_name }}');
      const account = await createAccount(t, org, `sam@${tag}.example`);
      const sender = { sender_account_id: account, sender_name: 'Sam', sender_email: `sam@${tag}.example` };
      const seq = await t.call('POST', '/api/v1/sequence/', { key: org.api_key, body: { name: 'Welcome', steps: [{ step_type: 'email', delay: 3600, email_template_id: template }] } });
      assert.equal(seq.status, 200, seq.text);
      const subscribe = async (contact: { id: string; emails: { email: string }[] }) => {
        const res = await t.call('POST', '/api/v1/sequence_subscription/', { key: org.api_key, body: { sequence_id: seq.body.id, contact_id: contact.id, contact_email: contact.emails[0]!.email, ...sender } });
        assert.equal(res.status, 201, res.text);
        return res.body.id as string;
      };
      const two = await createLead(t, org, `Two ${tag}`, [{ name: 'Ann', emails: [`ann@${tag}.example`] }, { name: 'Bo', emails: [`bo@${tag}.example`] }]);
      const paused = await subscribe(two.contacts[0]);
      await subscribe(two.contacts[1]);
      const pause = await t.call('PUT', `/api/v1/sequence_subscription/${paused}/`, { key: org.api_key, body: { status: 'paused' } });
      assert.equal(pause.status, 200, pause.text);
      const one = await createLead(t, org, `One ${tag}`, [{ name: 'Cy', emails: [`cy@${tag}.example`] }]);
      await subscribe(one.contacts[0]);
      // Unsubscribed again: DELETE hides the subscription, and the lead no longer counts.
      const gone = await createLead(t, org, `Gone ${tag}`, [{ name: 'Di', emails: [`di@${tag}.example`] }]);
      const del = await t.call('DELETE', `/api/v1/sequence_subscription/${await subscribe(gone.contacts[0])}/`, { key: org.api_key });
      assert.equal(del.status, 200, del.text);
      await createLead(t, org, `None ${tag}`, [{ name: 'Ed', emails: [`ed@${tag}.example`] }]);
      if (org === t.orgA) subscribedLeads.push(two.id, one.id);
      return seq.body.id as string;
    };
    const sequence = await setUp(t.orgA, 'a');
    const sequenceB = await setUp(t.orgB, 'b');

    // The script's count (its query ends with a space).
    const count = await get({ _limit: 0, query: 'contact(sequence_subscription(sequence:*)) ' });
    assert.equal(count.status, 200, count.text);
    assert.deepEqual(count.body, { data: [], has_more: true, total_results: 2 });
    const listed = await get({ query: 'contact(sequence_subscription(sequence:*)) sort:created', _fields: 'id' });
    assert.deepEqual(listed.body.data.map((l: { id: string }) => l.id), subscribedLeads);
    // Then one slice per 1,000 of them, which the script reads without the clause: every lead of
    // organization A (the previous test's five and these four), in one part here.
    const slice = await get({ _skip: 0, query: 'sort:created slice:1/1', _fields: 'id' });
    assert.equal(slice.body.total_results, 5 + 4);

    const byStatus = await get({ query: `contact(sequence_subscription(sequence:${sequence} status:paused))`, _fields: 'id' });
    assert.deepEqual(byStatus.body.data.map((l: { id: string }) => l.id), subscribedLeads.slice(0, 1));
    // Another organization's sequence id selects nothing, and B's key sees only B's leads.
    assert.equal((await get({ _limit: 0, query: `contact(sequence_subscription(sequence:${sequenceB}))` })).body.total_results, 0);
    assert.equal((await get({ _limit: 0, query: 'contact(sequence_subscription(sequence:*))' }, t.orgB.api_key)).body.total_results, 2);
  });
});
