import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createTemplate } from './fixtures.ts';

const schedule = { ranges: [1, 2, 3, 4, 5].map((weekday) => ({ weekday, start: '09:00', end: '16:59' })) };

describe('/sequence/', () => {
  let t: TestApp;
  let tmpl: string;
  let tmplB: string;
  before(async () => {
    t = await createTestApp();
    tmpl = await createTemplate(t, t.orgA, 'Hello {{ contact.first_name }}', '<p>Hi</p>');
    tmplB = await createTemplate(t, t.orgB, 'B', 'B');
  });

  const create = (body: unknown, key?: string) => t.call('POST', '/api/v1/sequence/', { body, key });

  test('create returns Close’s shape with steps in order and zero counts', async () => {
    const res = await create({
      name: 'Onboarding',
      timezone: 'America/Los_Angeles',
      schedule,
      steps: [
        { step_type: 'call', delay: 0, required: true },
        { step_type: 'email', delay: 86400, email_template_id: tmpl, threading: 'old_thread' },
      ],
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.match(res.body.id, /^seq_/);
    assert.equal(res.body.status, 'active');
    assert.equal(res.body.timezone, 'America/Los_Angeles');
    assert.deepEqual(res.body.schedule, schedule);
    assert.equal(res.body.organization_id, t.orgA.organization_id);
    assert.equal(res.body.created_by_id, t.orgA.user_id);
    assert.deepEqual(res.body.subscription_counts_by_status, { active: 0, paused: 0, finished: 0, goal: 0, error: 0 });
    assert.deepEqual(res.body.steps.map((s: any) => [s.step_type, s.delay, s.email_template_id, s.threading, s.required]), [
      ['call', 0, null, null, true],
      ['email', 86400, tmpl, 'old_thread', false],
    ]);
    assert.match(res.body.steps[0].id, /^seqstep_/);
    assert.match(res.body.date_created, /\+00:00$/);
    const got = await t.call('GET', `/api/v1/sequence/${res.body.id}/`);
    assert.deepEqual(got.body, res.body);
  });

  test('bad timezone, schedule, step type and template are 400s naming the field, and create nothing', async () => {
    const before = await t.call('GET', '/api/v1/sequence/?_limit=200');
    const cases: [unknown, string][] = [
      [{ name: 'x', timezone: 'Mars/Base' }, 'timezone'],
      [{ name: 'x', schedule: { ranges: [{ weekday: 8, start: '09:00', end: '10:00' }] } }, 'schedule.ranges[0].weekday'],
      [{ name: 'x', schedule: { ranges: [{ weekday: 1, start: '9am', end: '10:00' }] } }, 'schedule.ranges[0].start'],
      [{ name: 'x', steps: [{ step_type: 'sms' }] }, 'steps[0].step_type'],
      [{ name: 'x', steps: [{ delay: 5 }] }, 'steps[0].step_type'],
      [{ name: 'x', steps: [{ step_type: 'email' }] }, 'steps[0].email_template_id'],
      [{ name: 'x', steps: [{ step_type: 'email', email_template_id: 'tmpl_nope' }] }, 'steps[0].email_template_id'],
      [{ name: 'x', steps: [{ step_type: 'email', email_template_id: tmplB }] }, 'steps[0].email_template_id'],
      [{ name: 'x', steps: [{ step_type: 'call', delay: -1 }] }, 'steps[0].delay'],
      [{ name: 'x', status: 'running' }, 'status'],
      [{}, 'name'],
    ];
    for (const [body, field] of cases) {
      const res = await create(body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.ok(res.body['field-errors'][field], `${field}: ${JSON.stringify(res.body)}`);
    }
    const after = await t.call('GET', '/api/v1/sequence/?_limit=200');
    assert.equal(after.body.data.length, before.body.data.length);
  });

  test('update changes fields, updates steps with an id, creates those without, deletes those left out', async () => {
    const made = await create({
      name: 'Three steps',
      steps: [
        { step_type: 'email', delay: 0, email_template_id: tmpl },
        { step_type: 'call', delay: 60 },
        { step_type: 'email', delay: 120, email_template_id: tmpl },
      ],
    });
    const [first, , third] = made.body.steps;
    const res = await t.call('PUT', `/api/v1/sequence/${made.body.id}/`, {
      body: {
        name: 'Renamed',
        status: 'paused',
        timezone: 'Europe/Berlin',
        steps: [{ id: third.id, delay: 7200 }, { step_type: 'call', delay: 30 }, { id: first.id, threading: 'new_thread' }],
      },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.name, 'Renamed');
    assert.equal(res.body.status, 'paused');
    assert.equal(res.body.timezone, 'Europe/Berlin');
    assert.deepEqual(res.body.steps.map((s: any) => s.id).filter((id: string) => id !== res.body.steps[1].id), [third.id, first.id]);
    assert.equal(res.body.steps[0].delay, 7200);
    assert.equal(res.body.steps[0].email_template_id, tmpl);
    assert.equal(res.body.steps[1].step_type, 'call');
    assert.match(res.body.steps[1].id, /^seqstep_/);
    assert.equal(res.body.steps[2].threading, 'new_thread');
    assert.equal(res.body.steps[2].delay, 0);
    assert.equal(res.body.steps.length, 3);
    assert.ok(!res.body.steps.some((s: any) => s.id === made.body.steps[1].id), 'the omitted call step is deleted');
    assert.ok('subscription_counts_by_status' in res.body);
    const rows = await t.db.selectFrom('sequence_steps').select('id').where('sequence_id', '=', made.body.id).execute();
    assert.equal(rows.length, 3);
  });

  test('an update naming a step of another sequence is a 400 and changes nothing', async () => {
    const a = await create({ name: 'A', steps: [{ step_type: 'call' }] });
    const b = await create({ name: 'B', steps: [{ step_type: 'call' }] });
    const res = await t.call('PUT', `/api/v1/sequence/${a.body.id}/`, { body: { name: 'A2', steps: [{ id: b.body.steps[0].id }] } });
    assert.equal(res.status, 400);
    assert.ok(res.body['field-errors']['steps[0].id']);
    const again = await t.call('GET', `/api/v1/sequence/${a.body.id}/`);
    assert.equal(again.body.name, 'A');
    assert.deepEqual(again.body.steps, a.body.steps);
  });

  test('list pages, omits counts, and shows only the caller’s organization', async () => {
    await create({ name: 'B only' }, t.orgB.api_key);
    const page = await t.call('GET', '/api/v1/sequence/?_limit=2');
    assert.equal(page.status, 200);
    assert.equal(page.body.data.length, 2);
    assert.equal(page.body.has_more, true);
    const all = await t.call('GET', '/api/v1/sequence/?_limit=200');
    assert.ok(all.body.data.every((s: any) => s.organization_id === t.orgA.organization_id));
    assert.ok(all.body.data.every((s: any) => !('subscription_counts_by_status' in s)));
    const names = await t.call('GET', '/api/v1/sequence/?_limit=200&_fields=id,name');
    assert.deepEqual(Object.keys(names.body.data[0]).sort(), ['id', 'name']);
  });

  test('another organization’s sequence is a 404 for get, update and delete', async () => {
    const mine = await create({ name: 'Private' });
    for (const [method, body] of [['GET', undefined], ['PUT', { name: 'hijacked' }], ['DELETE', undefined]] as const) {
      const res = await t.call(method, `/api/v1/sequence/${mine.body.id}/`, { key: t.orgB.api_key, body });
      assert.equal(res.status, 404, method);
    }
    const still = await t.call('GET', `/api/v1/sequence/${mine.body.id}`);
    assert.equal(still.body.name, 'Private');
  });

  test('delete removes the sequence and its steps; a second delete is a 404', async () => {
    const made = await create({ name: 'Doomed', steps: [{ step_type: 'call' }] });
    const del = await t.call('DELETE', `/api/v1/sequence/${made.body.id}/`);
    assert.equal(del.status, 200);
    assert.deepEqual(del.body, {});
    assert.equal((await t.call('GET', `/api/v1/sequence/${made.body.id}/`)).status, 404);
    assert.equal((await t.call('DELETE', `/api/v1/sequence/${made.body.id}/`)).status, 404);
    const steps = await t.db.selectFrom('sequence_steps').select('id').where('sequence_id', '=', made.body.id).execute();
    assert.equal(steps.length, 0);
  });

  test('changes are recorded as sequence events', async () => {
    const made = await create({ name: 'Evented' });
    await t.call('PUT', `/api/v1/sequence/${made.body.id}/`, { body: { name: 'Evented 2' } });
    await t.call('DELETE', `/api/v1/sequence/${made.body.id}/`);
    const events = await t.db.selectFrom('events').select(['action', 'changed_fields']).where('object_id', '=', made.body.id).orderBy('date_created').orderBy('id').execute();
    assert.deepEqual(events.map((e) => e.action).sort(), ['created', 'deleted', 'updated']);
  });
});
