import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { before, describe, test } from 'node:test';
import { hashApiKey } from '../../src/auth/api-keys.ts';
import { DEFAULT_LEAD_STATUSES } from '../../src/orgs/create-organization.ts';
import { formatTimestamp, ManualClock } from '../../src/time.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';

const run = promisify(execFile);

describe('/organization/{id}/', () => {
  let t: TestApp;
  const clock = new ManualClock('2026-06-01T12:00:00Z');
  let url: string;

  before(async () => {
    t = await createTestApp({ clock });
    url = `/api/v1/organization/${t.orgA.organization_id}/`;
  });

  async function statusIds(key?: string): Promise<string[]> {
    const res = await t.call('GET', url.replace(t.orgA.organization_id, key ? t.orgB.organization_id : t.orgA.organization_id), key ? { key } : {});
    return res.body.lead_statuses.map((s: { id: string }) => s.id);
  }

  test('get answers Close’s organization object, with and without the trailing slash', async () => {
    for (const u of [url, url.replace(/\/$/, '')]) {
      const res = await t.call('GET', u);
      assert.equal(res.status, 200);
      const org = res.body;
      assert.equal(org.id, t.orgA.organization_id);
      assert.equal(org.name, 'Org A');
      assert.equal(org.currency, 'USD');
      assert.equal(org.currency_symbol, '$');
      assert.deepEqual(org.lead_statuses.map((s: { label: string }) => s.label), [...DEFAULT_LEAD_STATUSES]);
      for (const s of org.lead_statuses) assert.deepEqual(Object.keys(s).sort(), ['id', 'label']);
      assert.ok(org.lead_statuses.every((s: { id: string }) => s.id.startsWith('stat_')));
      assert.deepEqual(org.pipelines, []);
      assert.deepEqual(org.inactive_memberships, []);
      assert.equal(org.memberships.length, 1);
      const [m] = org.memberships;
      assert.match(m.id, /^memb_/);
      assert.equal(m.user_id, t.orgA.user_id);
      assert.equal(m.user_email, 'alice@a.example');
      assert.equal(m.user_full_name, 'Alice');
      assert.match(org.date_created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/);
      assert.match(org.date_updated, /\+00:00$/);
    }
    const picked = await t.call('GET', `${url}?_fields=id,lead_statuses`);
    assert.deepEqual(Object.keys(picked.body).sort(), ['id', 'lead_statuses']);
  });

  test('PUT renames and changes the currency, stamping updated_by and date_updated', async () => {
    clock.advance(5_000);
    const res = await t.call('PUT', url, { body: { name: 'Org A (renamed)', currency: 'EUR' } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.name, 'Org A (renamed)');
    assert.equal(res.body.currency, 'EUR');
    assert.equal(res.body.currency_symbol, '€');
    assert.equal(res.body.updated_by, t.orgA.user_id);
    assert.equal(res.body.date_updated, formatTimestamp(clock.now()));
    const again = await t.call('GET', url);
    assert.equal(again.body.name, 'Org A (renamed)');
    const b = await t.call('GET', `/api/v1/organization/${t.orgB.organization_id}/`, { key: t.orgB.api_key });
    assert.equal(b.body.name, 'Org B');
    assert.equal(b.body.currency, 'USD');
    await t.call('PUT', url, { body: { name: 'Org A', currency: 'USD' } });
  });

  test('PUT refuses a blank name, a bad or unknown currency and wrong types, changing nothing', async () => {
    for (const [body, field] of [
      [{ name: '' }, 'name'],
      [{ name: 7 }, 'name'],
      [{ currency: 'usd' }, 'currency'],
      [{ currency: 'XYZ' }, 'currency'],
      [{ currency: 'EUR', lead_statuses: 'nope' }, 'lead_statuses'],
      [{ lead_statuses: [{ label: 'no id' }] }, 'lead_statuses[0].id'],
    ] as const) {
      const res = await t.call('PUT', url, { body });
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.ok(res.body['field-errors'][field], `${JSON.stringify(body)} → ${res.text}`);
    }
    const org = (await t.call('GET', url)).body;
    assert.equal(org.name, 'Org A');
    assert.equal(org.currency, 'USD');
  });

  test('PUT lead_statuses reorders: the full list, or a partial one with the rest after in their order', async () => {
    const [potential, badFit, qualified, customer] = await statusIds();
    const full = await t.call('PUT', url, { body: { lead_statuses: [{ id: customer }, { id: qualified }, { id: badFit }, { id: potential }] } });
    assert.equal(full.status, 200, full.text);
    assert.deepEqual(full.body.lead_statuses.map((s: { id: string }) => s.id), [customer, qualified, badFit, potential]);
    const partial = await t.call('PUT', url, { body: { lead_statuses: [{ id: potential }, { id: badFit }] } });
    assert.deepEqual(partial.body.lead_statuses.map((s: { id: string }) => s.id), [potential, badFit, customer, qualified]);
    // /status/lead/ lists in the same order, and a lead created without a status takes the first.
    const list = await t.call('GET', '/api/v1/status/lead/');
    assert.deepEqual(list.body.data.map((s: { id: string }) => s.id), [potential, badFit, customer, qualified]);
    const lead = await t.call('POST', '/api/v1/lead/', { body: { name: 'Default status' } });
    assert.equal(lead.body.status_id, potential);
    const empty = await t.call('PUT', url, { body: { lead_statuses: [] } });
    assert.deepEqual(empty.body.lead_statuses.map((s: { id: string }) => s.id), [potential, badFit, customer, qualified]);
  });

  test('PUT lead_statuses with an unknown, another organization’s or a repeated id is a 400 and reorders nothing', async () => {
    const before = await statusIds();
    const [bFirst] = await statusIds(t.orgB.api_key);
    const bBefore = await statusIds(t.orgB.api_key);
    for (const list of [[{ id: 'stat_doesnotexist' }], [{ id: before[3]! }, { id: bFirst! }], [{ id: before[1]! }, { id: before[1]! }]]) {
      const res = await t.call('PUT', url, { body: { name: 'Should not stick', lead_statuses: list } });
      assert.equal(res.status, 400, JSON.stringify(list));
      assert.deepEqual(res.body.errors, []);
      assert.equal(typeof res.body['field-errors'].lead_statuses, 'string');
    }
    assert.deepEqual(await statusIds(), before);
    assert.equal((await t.call('GET', url)).body.name, 'Org A');
    assert.deepEqual(await statusIds(t.orgB.api_key), bBefore);
  });

  test('a reorder racing a status create leaves every status a distinct position', async () => {
    const ids = await statusIds();
    const results = await Promise.all([
      t.call('PUT', url, { body: { lead_statuses: [...ids].reverse().map((id) => ({ id })) } }),
      t.call('POST', '/api/v1/status/lead/', { body: { label: 'Concurrent' } }),
    ]);
    assert.ok(results.every((r) => r.status === 200), results.map((r) => r.text).join('\n'));
    const positions = await t.db
      .selectFrom('lead_statuses')
      .select('position')
      .where('organization_id', '=', t.orgA.organization_id)
      .execute();
    const values = positions.map((p) => p.position);
    assert.equal(new Set(values).size, values.length, `positions repeat: ${values.join(',')}`);
  });

  test('another organization’s id is a 404 on get and put, and its organization stays as it was', async () => {
    const theirs = `/api/v1/organization/${t.orgB.organization_id}/`;
    assert.equal((await t.call('GET', theirs)).status, 404);
    const put = await t.call('PUT', theirs, { body: { name: 'pwned', lead_statuses: [] } });
    assert.equal(put.status, 404);
    assert.equal(typeof put.body.error, 'string');
    assert.equal((await t.call('GET', '/api/v1/organization/orga_doesnotexist/')).status, 404);
    assert.equal((await t.call('GET', theirs, { key: t.orgB.api_key })).body.name, 'Org B');
  });
});

describe('sluice org create / apikey create', () => {
  let t: TestApp;

  before(async () => {
    t = await createTestApp();
  });

  async function cli(...args: string[]): Promise<Record<string, string>> {
    const env = { ...process.env, DATABASE_URL: t.connectionString, LOG_LEVEL: 'silent' };
    const { stdout } = await run(process.execPath, ['bin/sluice.js', ...args], { env });
    return JSON.parse(stdout) as Record<string, string>;
  }

  test('org create prints {organization_id, user_id, api_key}; the key works and is stored only hashed', async () => {
    const created = await cli('org', 'create', '--name', 'From CLI', '--user-email', 'gob.bluth@cli.example');
    assert.deepEqual(Object.keys(created).sort(), ['api_key', 'organization_id', 'user_id']);
    assert.match(created.organization_id!, /^orga_/);
    assert.match(created.user_id!, /^user_/);
    const me = await t.call('GET', '/api/v1/me/', { key: created.api_key! });
    assert.equal(me.status, 200);
    assert.equal(me.body.id, created.user_id);
    assert.equal(me.body.email, 'gob.bluth@cli.example');
    assert.equal(me.body.first_name, 'Gob');
    assert.equal(me.body.organizations[0].name, 'From CLI');
    assert.deepEqual(me.body.organizations[0].lead_statuses.map((s: { label: string }) => s.label), [...DEFAULT_LEAD_STATUSES]);
    const rows = await t.db.selectFrom('api_keys').selectAll().where('organization_id', '=', created.organization_id!).execute();
    assert.equal(rows.length, 1);
    assert.deepEqual(rows[0]!.key_hash, hashApiKey(created.api_key!));
    assert.ok(!JSON.stringify(rows).includes(created.api_key!), 'the plain key is stored nowhere');
  });

  test('org create --api-key uses the given key; apikey create adds another key for the first user', async () => {
    const created = await cli('org', 'create', '--name', 'Fixed key', '--user-email', 'ops@fixed.example', '--api-key', 'api_fixedkeyforautomation000000000');
    assert.equal(created.api_key, 'api_fixedkeyforautomation000000000');
    assert.equal((await t.call('GET', '/api/v1/me/', { key: 'api_fixedkeyforautomation000000000' })).status, 200);
    const second = await cli('apikey', 'create', '--org', created.organization_id!);
    assert.deepEqual(Object.keys(second).sort(), ['api_key', 'organization_id', 'user_id']);
    assert.equal(second.organization_id, created.organization_id);
    assert.equal(second.user_id, created.user_id);
    assert.notEqual(second.api_key, created.api_key);
    const me = await t.call('GET', '/api/v1/me/', { key: second.api_key! });
    assert.equal(me.body.organizations[0].id, created.organization_id);
    // The new organization sees none of A's data, and A none of its.
    const leads = await t.call('GET', '/api/v1/lead/', { key: second.api_key! });
    assert.deepEqual(leads.body, { data: [], has_more: false, total_results: 0 });
  });
});
