import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { enqueueEmails, type EnqueueEmailInput } from '../../src/email/enqueue.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { insertAccount, insertLead } from './helpers/fixtures.ts';

describe('/activity/email/', () => {
  let t: TestApp;
  const ids: Record<string, string> = {};
  let leads: { leadId: string; contactIds: string[] }[];

  before(async () => {
    t = await createTestApp();
    const org = t.orgA.organization_id;
    const account = await insertAccount(t.db, org, t.orgA.user_id, { email: 'ann@a.example' });
    leads = [
      await insertLead(t.db, org, 'L1', [{ name: 'C1', emails: ['c1@x.example'] }, { name: 'C2', emails: ['c2@x.example'] }]),
      await insertLead(t.db, org, 'L2', [{ name: 'C3', emails: ['c3@x.example'] }]),
    ];
    const base = (i: number, leadId: string, contactId: string): EnqueueEmailInput => ({
      organizationId: org,
      userId: t.orgA.user_id,
      leadId,
      contactId,
      emailAccountId: account,
      senderName: 'Ann',
      senderEmail: 'ann@a.example',
      to: [`m${i}@x.example`],
      subject: `m${i}`,
      bodyHtml: `<p>m${i}</p>`,
    });
    const [a, b, c] = await t.db.transaction().execute((trx) =>
      enqueueEmails(trx, [base(1, leads[0]!.leadId, leads[0]!.contactIds[0]!), base(2, leads[0]!.leadId, leads[0]!.contactIds[1]!), base(3, leads[1]!.leadId, leads[1]!.contactIds[0]!)]),
    );
    ids.a = a!.activityId;
    ids.b = b!.activityId;
    ids.c = c!.activityId;
    await t.db.updateTable('email_activities').set({ date_created: '2026-01-01T00:00:00Z' }).where('id', '=', ids.a).execute();
    await t.db.updateTable('email_activities').set({ date_created: '2026-02-01T00:00:00Z' }).where('id', '=', ids.b).execute();
    await t.db.updateTable('email_activities').set({ date_created: '2026-03-01T00:00:00Z' }).where('id', '=', ids.c).execute();
    const bLead = await insertLead(t.db, t.orgB.organization_id, 'B', [{ name: 'D', emails: ['d@x.example'] }]);
    const bAccount = await insertAccount(t.db, t.orgB.organization_id, t.orgB.user_id, { email: 'bob@b.example' });
    await t.db.transaction().execute((trx) =>
      enqueueEmails(trx, [{ ...base(9, bLead.leadId, bLead.contactIds[0]!), organizationId: t.orgB.organization_id, userId: t.orgB.user_id, emailAccountId: bAccount }]),
    );
  });

  const list = async (query: string) => (await t.call('GET', `/api/v1/activity/email/${query}`)).body.data.map((a: any) => a.id);

  test('lists newest first with Close fields; filters by lead_id, contact_id and date_created ranges', async () => {
    assert.deepEqual(await list(''), [ids.c, ids.b, ids.a]);
    assert.deepEqual(await list(`?lead_id=${leads[0]!.leadId}`), [ids.b, ids.a]);
    assert.deepEqual(await list(`?contact_id=${leads[0]!.contactIds[1]}`), [ids.b]);
    assert.deepEqual(await list('?date_created__gte=2026-02-01T00:00:00Z'), [ids.c, ids.b]);
    assert.deepEqual(await list('?date_created__gt=2026-02-01T00:00:00Z'), [ids.c]);
    assert.deepEqual(await list('?date_created__lt=2026-02-01T00:00:00Z'), [ids.a]);
    assert.deepEqual(await list('?date_created__lte=2026-02-01T00:00:00Z&date_created__gt=2026-01-01T00:00:00Z'), [ids.b]);
    assert.deepEqual(await list(`?id__in=${ids.a},${ids.c}`), [ids.c, ids.a]);
    const bad = await t.call('GET', '/api/v1/activity/email/?date_created__gt=yesterday');
    assert.equal(bad.status, 400);
    assert.ok(bad.body['field-errors'].date_created__gt);
    const one = await t.call('GET', `/api/v1/activity/email/${ids.a}/`);
    assert.equal(one.body._type, 'Email');
    assert.equal(one.body.status, 'outbox');
    assert.equal(one.body.sender, '"Ann" <ann@a.example>');
    assert.deepEqual(one.body.to, ['m1@x.example']);
    assert.equal(one.body.body_text, 'm1');
    assert.equal(one.body.user_name, 'Alice');
    assert.equal(one.body.date_created, '2026-01-01T00:00:00.000000+00:00');
    assert.deepEqual(one.body.send_attempts, []);
    assert.match(one.body.message_ids[0], /^<acti_\w+@a\.example>$/);
  });

  test("another organization's activities never appear, and fetching one is a 404", async () => {
    const theirs = await t.db.selectFrom('email_activities').select('id').where('organization_id', '=', t.orgB.organization_id).executeTakeFirstOrThrow();
    assert.ok(!(await list('')).includes(theirs.id));
    assert.equal((await t.call('GET', `/api/v1/activity/email/${theirs.id}/`)).status, 404);
    assert.deepEqual((await t.call('GET', '/api/v1/activity/email/', { key: t.orgB.api_key })).body.data.map((a: any) => a.id), [theirs.id]);
  });
});
