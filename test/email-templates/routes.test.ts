import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { insertLead } from '../email/helpers/fixtures.ts';

describe('/email_template/', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ env: { PUBLIC_URL: 'https://crm.example' } });
  });

  test('create, get, update, delete; list filters by is_archived and is_shared', async () => {
    const a = await t.call('POST', '/api/v1/email_template/', { body: { name: 'Intro', subject: 'Hi {{ contact.first_name }}', body: '<p>Hello</p>', is_shared: true } });
    assert.equal(a.status, 200, JSON.stringify(a.body));
    assert.match(a.body.id, /^tmpl_/);
    assert.equal(a.body.is_shared, true);
    assert.equal(a.body.is_archived, false);
    assert.deepEqual(a.body.attachments, []);
    assert.deepEqual(a.body.used_by_sequences, []);
    const b = await t.call('POST', '/api/v1/email_template/', { body: { name: 'Old', subject: 's', body: 'b', is_archived: true } });
    const shared = await t.call('GET', '/api/v1/email_template/?is_shared=true');
    assert.deepEqual(shared.body.data.map((x: any) => x.id), [a.body.id]);
    const archived = await t.call('GET', '/api/v1/email_template/?is_archived=true');
    assert.deepEqual(archived.body.data.map((x: any) => x.id), [b.body.id]);
    const all = await t.call('GET', '/api/v1/email_template/');
    assert.equal(all.body.data.length, 2);

    const updated = await t.call('PUT', `/api/v1/email_template/${a.body.id}/`, { body: { subject: 'Hello {{ lead.display_name }}' } });
    assert.equal(updated.body.subject, 'Hello {{ lead.display_name }}');
    assert.equal(updated.body.name, 'Intro');
    const events = await t.db.selectFrom('events').select('action').where('object_id', '=', a.body.id).orderBy('date_created').execute();
    assert.deepEqual(events.map((e) => e.action), ['created', 'updated']);
    assert.deepEqual((await t.call('DELETE', `/api/v1/email_template/${b.body.id}/`)).body, {});
    assert.equal((await t.call('GET', `/api/v1/email_template/${b.body.id}/`)).status, 404);
  });

  test('a template that does not parse is a 400 on subject or body, and nothing is saved', async () => {
    const badSubject = await t.call('POST', '/api/v1/email_template/', { body: { name: 'x', subject: 'Hi {{ contact.first_name', body: 'ok' } });
    assert.equal(badSubject.status, 400);
    assert.ok(badSubject.body['field-errors'].subject);
    const badBody = await t.call('POST', '/api/v1/email_template/', { body: { name: 'y', subject: 'ok', body: '{% if %}' } });
    assert.ok(badBody.body['field-errors'].body);
    const ok = await t.call('POST', '/api/v1/email_template/', { body: { name: 'z', subject: 'ok', body: 'ok' } });
    const badUpdate = await t.call('PUT', `/api/v1/email_template/${ok.body.id}/`, { body: { body: '{{ oops' } });
    assert.equal(badUpdate.status, 400);
    assert.equal((await t.call('GET', `/api/v1/email_template/${ok.body.id}/`)).body.body, 'ok');
    const names = (await t.db.selectFrom('email_templates').select('name').execute()).map((r) => r.name);
    assert.ok(!names.includes('x') && !names.includes('y'));
  });

  test('render for a lead/contact: Close tags, custom fields by name, HTML-escaped values, missing values empty', async () => {
    const cf = await t.db
      .insertInto('custom_fields')
      .values({ id: 'cf_industry_test_0000000000000000000000000000', organization_id: t.orgA.organization_id, object_type: 'lead', name: 'Industry', type: 'text', editable_with_roles: '[]' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const lead = await insertLead(t.db, t.orgA.organization_id, 'Acme <Corp>', [{ name: 'Jane Q Doe', emails: ['jane@acme.example'], title: 'CTO' }], { [cf.id]: 'Rockets' });
    const tmpl = await t.call('POST', '/api/v1/email_template/', {
      body: {
        name: 'r',
        subject: '{{ contact.first_name }} / {{ lead.display_name }} / {{ lead.custom.Industry }}',
        body: '<p>{{ contact.last_name }} {{ contact.title }} {{ lead.display_name }} {{ user.first_name }} {{ organization.name }} [{{ contact.nothing }}] {{ contact.nickname | default: "there" }}</p><a href="{{ unsubscribe_url }}">u</a>',
      },
    });
    const res = await t.call('GET', `/api/v1/email_template/${tmpl.body.id}/render/?lead_id=${lead.leadId}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.subject, 'Jane / Acme <Corp> / Rockets');
    assert.match(res.body.body, /<p>Q Doe CTO Acme &lt;Corp&gt; Alice Org A \[\] there<\/p>/);
    assert.match(res.body.body, /href="https:\/\/crm\.example\/unsubscribe\/[\w-]+\.[\w-]+"/);
    assert.equal(res.body.email, 'jane@acme.example');
    assert.equal(res.body.contact_id, lead.contactIds[0]);
    assert.equal(res.body.lead_id, lead.leadId);
    assert.equal(res.body.lead_display_name, 'Acme <Corp>');

    const fromB = await t.call('GET', `/api/v1/email_template/${tmpl.body.id}/render/?lead_id=${lead.leadId}`, { key: t.orgB.api_key });
    assert.equal(fromB.status, 404);
  });

  test('render the entry-th recipient of an s_query in lead and contact mode; past the end is {}', async () => {
    const tmpl = await t.call('POST', '/api/v1/email_template/', { body: { name: 'q', subject: '{{ contact.name }}', body: 'b' } });
    await insertLead(t.db, t.orgA.organization_id, 'Zeta First', [{ name: 'No Mail', emails: [] }, { name: 'Zed One', emails: ['z1@z.example'] }, { name: 'Zed Two', emails: ['z2@z.example'] }]);
    await insertLead(t.db, t.orgA.organization_id, 'Zeta Second', [{ name: 'Zoe', emails: ['zoe@z.example'] }]);
    await insertLead(t.db, t.orgB.organization_id, 'Zeta Theirs', [{ name: 'Theirs', emails: ['t@t.example'] }]);
    const query = encodeURIComponent(JSON.stringify({ type: 'and', queries: [{ type: 'object_type', object_type: 'lead' }, { type: 'field_condition', field: { type: 'regular_field', object_type: 'lead', field_name: 'name' }, condition: { type: 'text', mode: 'full_words', value: 'Zeta' } }] }));
    const sort = encodeURIComponent(JSON.stringify([{ direction: 'asc', field: { type: 'regular_field', object_type: 'lead', field_name: 'date_created' } }]));
    const render = async (entry: number, mode: string) =>
      (await t.call('GET', `/api/v1/email_template/${tmpl.body.id}/render/?s_query=${query}&sort=${sort}&entry=${entry}&mode=${mode}`)).body;
    assert.equal((await render(0, 'lead')).subject, 'Zed One');
    assert.equal((await render(1, 'lead')).subject, 'Zoe');
    assert.deepEqual(await render(2, 'lead'), {});
    assert.equal((await render(1, 'contact')).subject, 'Zed Two');
    assert.equal((await render(2, 'contact')).subject, 'Zoe');
    assert.deepEqual(await render(3, 'contact'), {});
  });

  test("another organization's template is a 404 everywhere", async () => {
    const theirs = await t.call('POST', '/api/v1/email_template/', { body: { name: 'B', subject: 's', body: 'b' }, key: t.orgB.api_key });
    assert.equal((await t.call('GET', `/api/v1/email_template/${theirs.body.id}/`)).status, 404);
    assert.equal((await t.call('PUT', `/api/v1/email_template/${theirs.body.id}/`, { body: { name: 'mine' } })).status, 404);
    assert.equal((await t.call('DELETE', `/api/v1/email_template/${theirs.body.id}/`)).status, 404);
    assert.ok(!(await t.call('GET', '/api/v1/email_template/')).body.data.some((x: any) => x.id === theirs.body.id));
    assert.equal((await t.call('GET', `/api/v1/email_template/${theirs.body.id}/`, { key: t.orgB.api_key })).body.name, 'B');
  });
});
