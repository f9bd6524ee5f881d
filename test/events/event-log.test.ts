/**
 * `GET /event/` and `GET /event/{id}/`: Close's event log. A fixture of events with every filter
 * value in several combinations (written straight into the table, with microsecond timestamps and
 * ties) is read back through the API and compared with the same filter applied in JavaScript;
 * organization B holds a copy of every event, which must never show.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { ManualClock } from '../../src/time.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';

interface Fixture {
  id: string;
  object_type: string;
  object_id: string;
  lead_id: string | null;
  action: string;
  user_id: string | null;
  request_id: string | null;
  /** UTC, microseconds. */
  at: string;
}

const TYPES = ['lead', 'contact', 'activity.email', 'bulk_action.delete'];
const ACTIONS = ['created', 'updated', 'deleted', 'completed'];
const LEADS = ['lead_fixture1', 'lead_fixture2', null];
const USERS = ['user_fixture1', 'user_fixture2', null];
const REQUESTS = ['req_fixture1', 'req_fixture2', 'req_fixture3', null];

/** 120 events: every filter value in many combinations, timestamps with ties and microseconds. */
function fixtures(): Fixture[] {
  const out: Fixture[] = [];
  for (let i = 0; i < 120; i++) {
    // Pairs share a timestamp (ties broken by id); within the second, microseconds differ.
    const second = Math.floor(i / 2);
    const micros = String((second % 7) * 3).padStart(6, '0');
    const objectType = TYPES[i % TYPES.length]!;
    // A lead's own events have the lead as their object, as every writer records them (the lead_id
    // filter reads them by object_id: migration 0015).
    const leadId = LEADS[i % LEADS.length] ?? (objectType === 'lead' ? 'lead_fixture3' : null);
    out.push({
      id: `ev_fixture${String(i).padStart(4, '0')}`,
      object_type: objectType,
      object_id: objectType === 'lead' ? leadId! : `obj_fixture${i % 9}`,
      lead_id: leadId,
      action: ACTIONS[(i >> 1) % ACTIONS.length]!,
      user_id: USERS[(i >> 2) % USERS.length]!,
      request_id: REQUESTS[i % REQUESTS.length]!,
      at: `2026-02-01T10:${String(Math.floor(second / 60)).padStart(2, '0')}:${String(second % 60).padStart(2, '0')}.${micros}`,
    });
  }
  return out;
}

/** Newest first, ties by id descending (ids here are ASCII digits, ordered alike everywhere). */
const newestFirst = (a: Fixture, b: Fixture) => (a.at === b.at ? (a.id < b.id ? 1 : -1) : a.at < b.at ? 1 : -1);

describe('/event/', () => {
  let t: TestApp;
  const clock = new ManualClock('2026-03-01T10:00:00Z');
  const all = fixtures();

  async function insert(organizationId: string, suffix: string) {
    await t.db
      .insertInto('events')
      .values(
        all.map((f) => ({
          id: f.id + suffix,
          organization_id: organizationId,
          object_type: f.object_type,
          object_id: f.object_id,
          lead_id: f.lead_id,
          action: f.action,
          user_id: f.user_id,
          request_id: f.request_id,
          changed_fields: JSON.stringify(f.action === 'updated' ? ['name'] : []),
          data: f.action === 'deleted' ? null : JSON.stringify({ id: f.object_id, n: f.id }),
          previous_data: f.action === 'deleted' ? JSON.stringify({ id: f.object_id, name: 'before' }) : null,
          meta: JSON.stringify({}),
          date_created: `${f.at}+00:00`,
          date_updated: `${f.at}+00:00`,
        })),
      )
      .execute();
  }

  /** Pages through `query` with cursor_next; returns ids in order and the number of pages. */
  async function walk(query: string, limit = 7, key?: string): Promise<{ ids: string[]; pages: number; last: any }> {
    const ids: string[] = [];
    let cursor = '';
    let pages = 0;
    let last: any;
    for (;;) {
      const res = await t.call('GET', `/api/v1/event/?${query}&_limit=${limit}&_cursor=${cursor}`, key ? { key } : {});
      assert.equal(res.status, 200, JSON.stringify(res.body));
      pages++;
      last = res.body;
      ids.push(...res.body.data.map((e: { id: string }) => e.id));
      if (!res.body.cursor_next) break;
      cursor = res.body.cursor_next;
      assert.ok(pages < 200, 'the walk ends');
    }
    return { ids, pages, last };
  }

  before(async () => {
    t = await createTestApp({ clock });
    // A clean log (the organizations' default statuses were recorded when they were created).
    await t.db.deleteFrom('events').execute();
    await insert(t.orgA.organization_id, '');
    // Organization B: the same events under other ids, same filter values, same times.
    await insert(t.orgB.organization_id, 'b');
  });

  const filters: [string, (f: Fixture) => boolean][] = [
    ['', () => true],
    ['object_type=lead', (f) => f.object_type === 'lead'],
    ['object_type=contact&object_id=obj_fixture4', (f) => f.object_type === 'contact' && f.object_id === 'obj_fixture4'],
    ['object_type=lead&action=deleted', (f) => f.object_type === 'lead' && f.action === 'deleted'],
    ['object_id=obj_fixture3&action=created', (f) => f.object_id === 'obj_fixture3' && f.action === 'created'],
    ['object_id=obj_fixture5', (f) => f.object_id === 'obj_fixture5'],
    ['lead_id=lead_fixture1', (f) => f.lead_id === 'lead_fixture1'],
    ['lead_id=lead_fixture2&object_type=contact', (f) => f.lead_id === 'lead_fixture2' && f.object_type === 'contact'],
    ['lead_id=lead_fixture1&object_type=lead&action=updated', (f) => f.lead_id === 'lead_fixture1' && f.object_type === 'lead' && f.action === 'updated'],
    ['lead_id=lead_fixture2&user_id=user_fixture1&object_type=activity.email', (f) => f.lead_id === 'lead_fixture2' && f.user_id === 'user_fixture1' && f.object_type === 'activity.email'],
    ['lead_id=lead_fixture1&user_id=user_fixture2', (f) => f.lead_id === 'lead_fixture1' && f.user_id === 'user_fixture2'],
    ['user_id=user_fixture1&object_id=obj_fixture2', (f) => f.user_id === 'user_fixture1' && f.object_id === 'obj_fixture2'],
    ['user_id=user_fixture2&object_type=lead&action=created', (f) => f.user_id === 'user_fixture2' && f.object_type === 'lead' && f.action === 'created'],
    ['user_id=user_fixture1&object_type=contact', (f) => f.user_id === 'user_fixture1' && f.object_type === 'contact'],
    ['user_id=user_fixture1', (f) => f.user_id === 'user_fixture1'],
    ['request_id=req_fixture2', (f) => f.request_id === 'req_fixture2'],
    ['action=deleted', (f) => f.action === 'deleted'],
    ['date_updated__gte=2026-02-01T10:00:10Z&date_updated__lt=2026-02-01T10:00:40Z', (f) => f.at >= '2026-02-01T10:00:10' && f.at < '2026-02-01T10:00:40'],
    ['date_updated__gt=2026-02-01T10:00:20.000006Z&object_type=lead', (f) => f.at > '2026-02-01T10:00:20.000006' && f.object_type === 'lead'],
    ['date_updated__lte=2026-02-01T10:00:30.000009%2B00:00&lead_id=lead_fixture2', (f) => f.at <= '2026-02-01T10:00:30.000009' && f.lead_id === 'lead_fixture2'],
    ['object_type=nothing', () => false],
  ];

  for (const [query, keep] of filters) {
    test(`filter ${query || '(none)'}: exactly the matching events of the organization, newest first, across pages`, async () => {
      const expected = all.filter(keep).sort(newestFirst).map((f) => f.id);
      const { ids } = await walk(query);
      assert.deepEqual(ids, expected);
      // Organization B sees its own copies, never A's.
      const b = await walk(query, 50, t.orgB.api_key);
      assert.deepEqual(b.ids, expected.map((id) => `${id}b`));
    });
  }

  test('events show every field of Close’s event object, timestamps to the microsecond', async () => {
    const res = await t.call('GET', '/api/v1/event/?object_id=obj_fixture0&action=deleted&_limit=1');
    assert.equal(res.status, 200);
    assert.deepEqual(Object.keys(res.body).sort(), ['cursor_next', 'cursor_previous', 'data', 'has_more']);
    const [event] = res.body.data;
    const f = all.filter((x) => x.object_id === 'obj_fixture0' && x.action === 'deleted').sort(newestFirst)[0]!;
    assert.deepEqual(event, {
      id: f.id,
      date_created: `${f.at}+00:00`,
      date_updated: `${f.at}+00:00`,
      organization_id: t.orgA.organization_id,
      user_id: f.user_id,
      api_key_id: null,
      request_id: f.request_id,
      object_type: f.object_type,
      object_id: 'obj_fixture0',
      lead_id: f.lead_id,
      action: 'deleted',
      changed_fields: [],
      data: null,
      previous_data: { id: 'obj_fixture0', name: 'before' },
      meta: {},
    });
  });

  test('cursor_previous pages back up to the newest event: the walk both ways sees every event once', async () => {
    const expected = all.slice().sort(newestFirst).map((f) => f.id);
    const down = await walk('object_type=lead', 6);
    const leadIds = all.filter((f) => f.object_type === 'lead').sort(newestFirst).map((f) => f.id);
    assert.deepEqual(down.ids, leadIds);
    assert.equal(down.last.cursor_next, null, 'the oldest page has no cursor_next');
    assert.equal(down.last.has_more, false, 'has_more follows cursor_next');
    // Back up from the oldest page.
    const up: string[] = [...down.last.data.map((e: { id: string }) => e.id)];
    let cursor: string | null = down.last.cursor_previous;
    assert.ok(cursor, 'the oldest page has a cursor_previous');
    let pages = 0;
    while (cursor) {
      const res: { status: number; body: any } = await t.call('GET', `/api/v1/event/?object_type=lead&_limit=6&_cursor=${cursor}`);
      assert.equal(res.status, 200);
      const ids = res.body.data.map((e: { id: string }) => e.id);
      if (ids.length === 0) {
        // Above the newest event: nothing (yet), and no cursor to follow.
        assert.deepEqual([res.body.cursor_next, res.body.cursor_previous, res.body.has_more], [null, null, false]);
        break;
      }
      assert.deepEqual(ids, [...ids].sort((a: string, b: string) => leadIds.indexOf(a) - leadIds.indexOf(b)), 'each page is newest first');
      assert.ok(res.body.cursor_next, 'a page reached backwards has older events');
      assert.equal(res.body.has_more, true, 'has_more follows cursor_next');
      up.unshift(...ids);
      cursor = res.body.cursor_previous;
      assert.ok(++pages < 50);
    }
    assert.deepEqual(up, leadIds);
    // The unfiltered log, first page: newest events, nothing newer.
    const first = await t.call('GET', '/api/v1/event/');
    assert.equal(first.body.data.length, 50, '_limit defaults to 50');
    assert.deepEqual(first.body.data.map((e: { id: string }) => e.id), expected.slice(0, 50));
    // The first page also has a cursor_previous: what is newer than it, later (nothing now).
    const newer = await t.call('GET', `/api/v1/event/?_cursor=${first.body.cursor_previous}`);
    assert.deepEqual(newer.body, { data: [], cursor_next: null, cursor_previous: null, has_more: false });
  });

  test('a previous page is the events just newer than the cursor, and a next cursor from it goes back down', async () => {
    const ordered = all.slice().sort(newestFirst).map((f) => f.id);
    const p1 = await t.call('GET', '/api/v1/event/?_limit=10');
    const p2 = await t.call('GET', `/api/v1/event/?_limit=10&_cursor=${p1.body.cursor_next}`);
    const p3 = await t.call('GET', `/api/v1/event/?_limit=10&_cursor=${p2.body.cursor_next}`);
    assert.deepEqual(p3.body.data.map((e: { id: string }) => e.id), ordered.slice(20, 30));
    const back = await t.call('GET', `/api/v1/event/?_limit=10&_cursor=${p3.body.cursor_previous}`);
    assert.deepEqual(back.body.data.map((e: { id: string }) => e.id), ordered.slice(10, 20));
    const back2 = await t.call('GET', `/api/v1/event/?_limit=4&_cursor=${back.body.cursor_previous}`);
    assert.deepEqual(back2.body.data.map((e: { id: string }) => e.id), ordered.slice(6, 10), 'the events just newer, not the newest');
    const down = await t.call('GET', `/api/v1/event/?_limit=3&_cursor=${back2.body.cursor_next}`);
    assert.deepEqual(down.body.data.map((e: { id: string }) => e.id), ordered.slice(10, 13));
  });

  test('the cursor keeps the date_updated bounds; filters sent again with it replace them', async () => {
    const q = 'date_updated__gte=2026-02-01T10:00:05Z&date_updated__lte=2026-02-01T10:00:25Z';
    const inRange = all.filter((f) => f.at >= '2026-02-01T10:00:05' && f.at <= '2026-02-01T10:00:25').sort(newestFirst).map((f) => f.id);
    const first = await t.call('GET', `/api/v1/event/?${q}&_limit=5`);
    const ids: string[] = first.body.data.map((e: { id: string }) => e.id);
    let cursor = first.body.cursor_next;
    while (cursor) {
      // Without the date filters: the cursor's bounds apply.
      const res = await t.call('GET', `/api/v1/event/?_limit=5&_cursor=${cursor}`);
      ids.push(...res.body.data.map((e: { id: string }) => e.id));
      cursor = res.body.cursor_next;
    }
    assert.deepEqual(ids, inRange);
    const again = await t.call('GET', `/api/v1/event/?_limit=50&_cursor=${first.body.cursor_next}&date_updated__gte=2026-02-01T10:00:20Z`);
    assert.deepEqual(
      again.body.data.map((e: { id: string }) => e.id),
      inRange.slice(5).filter((id) => all.find((f) => f.id === id)!.at >= '2026-02-01T10:00:20'),
    );
  });

  test('date filters: dates alone, offsets, X-TZ-Offset for values without one; anything else is a 400 on the field', async () => {
    const count = async (query: string, headers: Record<string, string> = {}) => {
      const { status, body } = await t.call('GET', `/api/v1/event/?${query}&_limit=50`, { headers });
      assert.equal(status, 200, JSON.stringify(body));
      return body.data.length as number;
    };
    assert.equal(await count('date_updated__gte=2026-02-02'), 0);
    assert.equal(await count('date_updated__lt=2026-02-01'), 0);
    assert.equal(await count('date_updated__gte=2026-02-01'), 50);
    // 10:00:59 UTC is 12:00:59 at +02:00: the events from second 59 on.
    const from59 = all.filter((f) => f.at >= '2026-02-01T10:00:59').length;
    assert.equal(await count('date_updated__gte=2026-02-01T12:00:59%2B02:00'), from59);
    assert.equal(await count('date_updated__gte=2026-02-01T12:00:59', { 'x-tz-offset': '2' }), from59);
    assert.equal(await count('date_updated__gte=2026-02-01T12:00:59+02:00'), from59, 'an unencoded + arrives as a space');
    for (const bad of ['yesterday', '2026-02-30', '2026-13-01', '2026-02-01T25:00', '2026-02-01T10:00:00%2B99:00', '0000-01-01', '2026-02-01T10']) {
      const res = await t.call('GET', `/api/v1/event/?date_updated__lt=${bad}`);
      assert.equal(res.status, 400, bad);
      assert.ok(res.body['field-errors']['date_updated__lt'], bad);
    }
  });

  test('_limit above 50 (or below 1) is a 400 on _limit; _skip is not a thing', async () => {
    for (const limit of ['51', '1000', '0', '-1', 'x']) {
      const res = await t.call('GET', `/api/v1/event/?_limit=${limit}`);
      assert.equal(res.status, 400, limit);
      assert.ok(res.body['field-errors']._limit, limit);
    }
    const res = await t.call('GET', '/api/v1/event/?_limit=50&_skip=10');
    assert.equal(res.status, 200);
    assert.equal(res.body.data[0].id, all.slice().sort(newestFirst)[0]!.id, '_skip is ignored, as Close has none');
  });

  test('a malformed cursor is a 400 on _cursor; an empty one is the first page', async () => {
    const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
    const good = { d: 'n', t: '2026-02-01T10:00:30.000000', i: 'ev_fixture0060' };
    const bad = [
      'nope!',
      'abc',
      b64('not json'),
      b64([1, 2]),
      b64(null),
      b64({ ...good, d: 'x' }),
      b64({ ...good, t: '2026-02-01 10:00:30' }),
      b64({ ...good, t: '2026-02-30T10:00:30.000000' }),
      b64({ ...good, t: 12 }),
      b64({ ...good, i: '' }),
      b64({ ...good, i: 'x'.repeat(300) }),
      b64({ ...good, i: 'ev\u0000' }),
      b64({ ...good, r: { gte: 'yesterday' } }),
      b64({ ...good, r: { before: '2026-02-01T10:00:30.000000+00:00' } }),
      b64({ ...good, r: [] }),
      'A'.repeat(3000),
    ];
    for (const cursor of bad) {
      const res = await t.call('GET', `/api/v1/event/?_cursor=${encodeURIComponent(cursor)}`);
      assert.equal(res.status, 400, cursor);
      assert.ok(res.body['field-errors']._cursor, cursor);
    }
    const ok = await t.call('GET', `/api/v1/event/?_limit=2&_cursor=${b64(good)}`);
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.body.data.map((e: { id: string }) => e.id), all.slice().sort(newestFirst).map((f) => f.id).filter((id) => {
      const f = all.find((x) => x.id === id)!;
      return f.at < good.t || (f.at === good.t && id < good.i);
    }).slice(0, 2));
    const empty = await t.call('GET', '/api/v1/event/?_limit=3&_cursor=');
    assert.equal(empty.status, 200);
    assert.equal(empty.body.data.length, 3);
  });

  test('GET /event/{id}/: one event of the organization; another organization’s or an unknown id is a 404', async () => {
    const own = await t.call('GET', '/api/v1/event/ev_fixture0007/');
    assert.equal(own.status, 200);
    assert.equal(own.body.id, 'ev_fixture0007');
    assert.equal(own.body.organization_id, t.orgA.organization_id);
    assert.equal((await t.call('GET', '/api/v1/event/ev_fixture0007b/')).status, 404, 'organization B’s event');
    assert.equal((await t.call('GET', '/api/v1/event/ev_nothing/')).status, 404);
    const b = await t.call('GET', '/api/v1/event/ev_fixture0007b/', { key: t.orgB.api_key });
    assert.equal(b.status, 200);
    const fields = await t.call('GET', '/api/v1/event/ev_fixture0007/?_fields=id,action');
    assert.deepEqual(fields.body, { id: 'ev_fixture0007', action: all[7]!.action });
    // On the list, _fields narrows each event and keeps the cursors.
    const list = await t.call('GET', '/api/v1/event/?_fields=id,object_type&_limit=2');
    assert.deepEqual(Object.keys(list.body).sort(), ['cursor_next', 'cursor_previous', 'data', 'has_more']);
    assert.deepEqual(list.body.data.map((e: object) => Object.keys(e).sort()), [['id', 'object_type'], ['id', 'object_type']]);
    assert.ok(list.body.cursor_next);
  });

  test('a client’s X-Request-Id of up to 200 characters names the request’s events; a longer one is replaced', async () => {
    const long = `req_${'x'.repeat(5000)}`;
    const res = await t.call('POST', '/api/v1/lead/', { body: { name: 'Long request id' }, headers: { 'x-request-id': long } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const replaced = res.headers['x-request-id'] as string;
    assert.match(replaced, /^req_[0-9A-Za-z]{43}$/);
    const [event] = (await t.call('GET', `/api/v1/event/?request_id=${replaced}`)).body.data;
    assert.equal(event.object_id, res.body.id);
    const kept = `req_${'y'.repeat(196)}`;
    const ok = await t.call('POST', '/api/v1/lead/', { body: { name: 'Own request id' }, headers: { 'x-request-id': kept } });
    assert.equal(ok.headers['x-request-id'], kept);
    assert.equal((await t.call('GET', `/api/v1/event/?request_id=${kept}`)).body.data[0].object_id, ok.body.id);
  });

  test('events recorded by API writes: lead_id takes in the lead’s contacts, request_id groups a request', async () => {
    clock.set('2026-03-01T11:00:00Z');
    const created = await t.call('POST', '/api/v1/lead/', {
      body: { name: 'Evented', contacts: [{ name: 'One' }, { name: 'Two' }] },
      headers: { 'x-request-id': 'req_eventlogcreate' },
    });
    assert.equal(created.status, 200);
    const leadId = created.body.id as string;
    clock.advance(1000);
    const contact = await t.call('POST', '/api/v1/contact/', { body: { lead_id: leadId, name: 'Three' } });
    clock.advance(1000);
    assert.equal((await t.call('PUT', `/api/v1/lead/${leadId}/`, { body: { name: 'Evented again' } })).status, 200);

    const byLead = await t.call('GET', `/api/v1/event/?lead_id=${leadId}`);
    const seen = byLead.body.data.map((e: { object_type: string; action: string }) => `${e.object_type}.${e.action}`);
    assert.equal(seen[0], 'lead.updated', 'newest first');
    assert.deepEqual([...seen].sort(), ['contact.created', 'contact.created', 'contact.created', 'lead.created', 'lead.updated', 'lead.updated'].sort());
    assert.ok(byLead.body.data.every((e: { lead_id: string }) => e.lead_id === leadId));

    const byRequest = await t.call('GET', '/api/v1/event/?request_id=req_eventlogcreate');
    assert.deepEqual(byRequest.body.data.map((e: { object_type: string }) => e.object_type).sort(), ['contact', 'contact', 'lead']);
    const lead = byRequest.body.data.find((e: { object_type: string }) => e.object_type === 'lead');
    assert.equal(lead.user_id, t.orgA.user_id);
    assert.match(lead.api_key_id, /^apikey_/);
    assert.equal(lead.date_created, '2026-03-01T11:00:00.000000+00:00');
    assert.equal(lead.data.name, 'Evented');

    const update = await t.call('GET', `/api/v1/event/?object_id=${leadId}&action=updated&object_type=lead`);
    const names = update.body.data.find((e: { changed_fields: string[] }) => e.changed_fields.includes('name'));
    assert.equal(names.previous_data.name, 'Evented');
    assert.equal(names.data.name, 'Evented again');
    assert.equal((await t.call('GET', `/api/v1/event/?object_id=${contact.body.id}`)).body.data.length, 1);
    // Organization B sees none of it.
    assert.equal((await t.call('GET', `/api/v1/event/?lead_id=${leadId}`, { key: t.orgB.api_key })).body.data.length, 0);
  });
});
