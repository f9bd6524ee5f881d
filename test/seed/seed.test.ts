import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { before, describe, test } from 'node:test';
import { from as copyFrom } from 'pg-copy-streams';
import { copyRow } from '../../src/seed/copy-text.ts';
import { SeedError, seedOrganization, DEFAULT_SEED_END, type SeedSummary } from '../../src/seed/seed-organization.ts';
import { createOrganization, type CreatedOrganization } from '../../src/orgs/create-organization.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

const N = 300;
const CHUNK = 64; // several chunks, the last one partial

type Row = Record<string, any>;

async function rows(t: TestDatabase, sql: string, params: unknown[]): Promise<Row[]> {
  return (await t.pool.query(sql, params)).rows;
}

/** Everything the seed wrote for an organization, ids included (bigserial row ids excepted). */
async function fullDump(t: TestDatabase, org: string): Promise<Record<string, Row[]>> {
  const q = (table: string, cols: string, order: string) =>
    rows(t, `SELECT ${cols} FROM ${table} WHERE organization_id = $1 ORDER BY ${order}`, [org]);
  return {
    custom_fields: await q('custom_fields', 'id, object_type, name, type, choices, accepts_multiple_values', 'id'),
    leads: await q('leads', 'id, name, description, url, status_id, custom, created_by, updated_by, date_created, date_updated', 'id'),
    contacts: await q('contacts', 'id, lead_id, name, title, custom, created_by, updated_by, date_created, date_updated', 'id'),
    contact_emails: await q('contact_emails', 'contact_id, lead_id, position, email, type', 'contact_id, position'),
    contact_phones: await q('contact_phones', 'contact_id, lead_id, position, phone, country, type', 'contact_id, position'),
    contact_urls: await q('contact_urls', 'contact_id, lead_id, position, url, type', 'contact_id, position'),
    addresses: await q('addresses', 'lead_id, position, label, address_1, address_2, city, state, zipcode, country', 'lead_id, position'),
  };
}

/**
 * The same data with every organization-specific id replaced by what it stands for (status label,
 * field name, the lead's creation time), so that two organizations' loads can be compared.
 */
async function shapeDump(t: TestDatabase, org: string): Promise<Record<string, string[]>> {
  const dump = await fullDump(t, org);
  const fieldName = new Map(dump.custom_fields!.map((f) => [f.id, f.name]));
  const statusLabel = new Map((await rows(t, 'SELECT id, label FROM lead_statuses WHERE organization_id = $1', [org])).map((s) => [s.id, s.label]));
  const userIds = (await rows(t, 'SELECT id FROM users WHERE organization_id = $1 ORDER BY date_created, id', [org])).map((u) => u.id);
  const leadKey = new Map(dump.leads!.map((l) => [l.id, (l.date_created as Date).toISOString()]));
  const contactKey = new Map(dump.contacts!.map((c) => [c.id, `${leadKey.get(c.lead_id)}|${c.name}|${(c.date_created as Date).toISOString()}`]));
  const byName = (custom: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(custom).map(([k, v]) => [fieldName.get(k), typeof v === 'string' && userIds.includes(v) ? `user#${userIds.indexOf(v)}` : v]).sort());
  const strip = (list: Row[], fn: (r: Row) => unknown) => list.map((r) => JSON.stringify(fn(r))).sort();
  return {
    custom_fields: strip(dump.custom_fields!, ({ id: _id, ...rest }) => rest),
    leads: strip(dump.leads!, ({ id: _id, status_id, custom, created_by, updated_by, ...rest }) => ({
      ...rest, status: statusLabel.get(status_id), custom: byName(custom), by: [userIds.indexOf(created_by), userIds.indexOf(updated_by)],
    })),
    contacts: strip(dump.contacts!, ({ id: _id, lead_id, custom, created_by: _c, updated_by: _u, ...rest }) => ({ ...rest, lead: leadKey.get(lead_id), custom: byName(custom) })),
    contact_emails: strip(dump.contact_emails!, ({ contact_id, lead_id: _l, ...rest }) => ({ ...rest, contact: contactKey.get(contact_id) })),
    contact_phones: strip(dump.contact_phones!, ({ contact_id, lead_id: _l, ...rest }) => ({ ...rest, contact: contactKey.get(contact_id) })),
    contact_urls: strip(dump.contact_urls!, ({ contact_id, lead_id: _l, ...rest }) => ({ ...rest, contact: contactKey.get(contact_id) })),
    addresses: strip(dump.addresses!, ({ lead_id, ...rest }) => ({ ...rest, lead: leadKey.get(lead_id) })),
  };
}

async function counts(t: TestDatabase, org: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of ['leads', 'contacts', 'contact_emails', 'contact_phones', 'contact_urls', 'addresses', 'custom_fields', 'users', 'lead_statuses']) {
    out[table] = Number((await rows(t, `SELECT count(*) AS n FROM ${table} WHERE organization_id = $1`, [org]))[0]!.n);
  }
  return out;
}

/** Copies organization `org` (row, users, statuses, same ids) into another database. */
async function cloneOrganization(from: TestDatabase, to: TestDatabase, org: string): Promise<void> {
  for (const [table, cols] of [['organizations', 'id, name'], ['users', 'id, organization_id, email, date_created'], ['lead_statuses', 'id, organization_id, label, position']] as const) {
    for (const row of await rows(from, `SELECT ${cols} FROM ${table} WHERE ${table === 'organizations' ? 'id' : 'organization_id'} = $1`, [org])) {
      const keys = Object.keys(row);
      await to.pool.query(`INSERT INTO ${table} (${keys.join(', ')}) VALUES (${keys.map((_, i) => `$${i + 1}`).join(', ')})`, Object.values(row));
    }
  }
}

describe('sluice seed', () => {
  let t: TestDatabase;
  let orgA: CreatedOrganization;
  let orgB: CreatedOrganization;
  let summary: SeedSummary;
  let before_B: Record<string, number>;
  const progress: number[] = [];

  before(async () => {
    t = await createTestDatabase();
    orgA = await createOrganization(t.db, { name: 'Org A', userEmail: 'alice@a.example' });
    orgB = await createOrganization(t.db, { name: 'Org B', userEmail: 'bob@b.example' });
    // Org B already has data of its own, which seeding A must leave exactly as it is.
    const bStatus = (await rows(t, 'SELECT id FROM lead_statuses WHERE organization_id = $1 LIMIT 1', [orgB.organization_id]))[0]!.id;
    await t.pool.query(
      `INSERT INTO leads (id, organization_id, name, status_id) VALUES ('lead_b1', $1, 'B Lead', $2)`,
      [orgB.organization_id, bStatus],
    );
    await t.pool.query(
      `INSERT INTO custom_fields (id, organization_id, object_type, name, type) VALUES ('cf_b1', $1, 'lead', 'Industry', 'text')`,
      [orgB.organization_id],
    );
    before_B = await counts(t, orgB.organization_id);
    summary = await seedOrganization(t, { organizationId: orgA.organization_id, leads: N, seed: 'alpha', chunkSize: CHUNK, onProgress: (n) => progress.push(n) });
  });

  test('loads N leads with about 1.5 contacts each and reports what it loaded', async () => {
    const c = await counts(t, orgA.organization_id);
    assert.equal(summary.organization_id, orgA.organization_id);
    assert.equal(summary.leads, N);
    assert.equal(c.leads, N);
    assert.equal(summary.contacts, c.contacts);
    assert.ok(c.contacts! / N > 1.3 && c.contacts! / N < 1.8, `contacts per lead ${c.contacts! / N}`);
    assert.ok(c.contact_emails! > c.contacts! * 0.8, 'most contacts have an email');
    assert.ok(c.contact_phones! > 0 && c.contact_urls! > 0 && c.addresses! > 0);
    assert.deepEqual(progress, [64, 128, 192, 256, 300]);
    assert.equal(typeof summary.seconds, 'number');
  });

  test('leaves the tables analysed and vacuumed, so plans and index-only scans fit the new rows', async () => {
    for (const table of ['leads', 'contacts', 'contact_emails']) {
      const [stat] = await rows(t, 'SELECT reltuples, relallvisible FROM pg_class WHERE relname = $1', [table]);
      const [count] = await rows(t, `SELECT count(*) AS n FROM ${table}`, []);
      assert.equal(Number(stat!.reltuples), Number(count!.n), `${table} statistics count the rows`);
      assert.ok(Number(stat!.relallvisible) > 0, `${table} pages are marked all-visible`);
    }
  });

  test('per-lead and per-contact counts stay in their ranges; phones are E.164', async () => {
    const perLead = await rows(t, 'SELECT count(c.id) AS n FROM leads l LEFT JOIN contacts c ON c.lead_id = l.id WHERE l.organization_id = $1 GROUP BY l.id', [orgA.organization_id]);
    const contactCounts = new Set(perLead.map((r) => Number(r.n)));
    assert.ok([...contactCounts].every((n) => n >= 0 && n <= 4));
    assert.ok(contactCounts.has(0) && contactCounts.has(1) && contactCounts.has(2), 'leads with 0, 1 and 2 contacts');
    const perContact = await rows(t, 'SELECT count(e.id) AS n FROM contacts c LEFT JOIN contact_emails e ON e.contact_id = c.id WHERE c.organization_id = $1 GROUP BY c.id', [orgA.organization_id]);
    assert.ok(perContact.every((r) => Number(r.n) <= 3));
    const addr = await rows(t, 'SELECT max(position) AS m FROM addresses WHERE organization_id = $1', [orgA.organization_id]);
    assert.ok(Number(addr[0]!.m) <= 1);
    const phones = await rows(t, 'SELECT phone FROM contact_phones WHERE organization_id = $1', [orgA.organization_id]);
    for (const { phone } of phones) assert.match(phone, /^\+[1-9]\d{7,14}$/);
    // Emails and phones belong to contacts of the lead they name.
    const mismatched = await rows(t, 'SELECT count(*) AS n FROM contact_emails e JOIN contacts c ON c.id = e.contact_id WHERE e.organization_id = $1 AND e.lead_id <> c.lead_id', [orgA.organization_id]);
    assert.equal(Number(mismatched[0]!.n), 0);
    // Personal-mail domains are shared by many leads, as in real data.
    const shared = await rows(t, `SELECT split_part(email, '@', 2) AS d, count(DISTINCT lead_id) AS n FROM contact_emails WHERE organization_id = $1 GROUP BY 1 ORDER BY 2 DESC LIMIT 1`, [orgA.organization_id]);
    assert.ok(Number(shared[0]!.n) > 10);
  });

  test('uses every lead status and spreads date_created over about three years', async () => {
    const statuses = await rows(t, 'SELECT s.id, count(l.id) AS n FROM lead_statuses s LEFT JOIN leads l ON l.status_id = s.id WHERE s.organization_id = $1 GROUP BY s.id', [orgA.organization_id]);
    assert.equal(statuses.length, 4);
    assert.ok(statuses.every((s) => Number(s.n) > 0));
    const span = (await rows(t, 'SELECT min(date_created) AS lo, max(date_created) AS hi FROM leads WHERE organization_id = $1', [orgA.organization_id]))[0]!;
    const years = (span.hi.getTime() - span.lo.getTime()) / (365.25 * 86_400_000);
    assert.ok(years > 2.9 && years <= 3, `span ${years} years`);
    assert.ok(span.hi.getTime() < DEFAULT_SEED_END.getTime());
  });

  test('creates lead fields of every type and contact text and choices fields, and fills them in stored form', async () => {
    const fields = await rows(t, 'SELECT id, object_type, type, choices, accepts_multiple_values AS multi FROM custom_fields WHERE organization_id = $1', [orgA.organization_id]);
    const lead = fields.filter((f) => f.object_type === 'lead');
    const kinds = new Set(lead.map((f) => `${f.type}${f.multi ? '+multi' : ''}`));
    for (const kind of ['text', 'number', 'date', 'datetime', 'choices', 'choices+multi', 'user', 'hidden']) assert.ok(kinds.has(kind), kind);
    const contactKinds = new Set(fields.filter((f) => f.object_type === 'contact').map((f) => f.type));
    assert.ok(contactKinds.has('text') && contactKinds.has('choices'));

    const leads = await rows(t, 'SELECT custom FROM leads WHERE organization_id = $1', [orgA.organization_id]);
    const contacts = await rows(t, 'SELECT custom FROM contacts WHERE organization_id = $1', [orgA.organization_id]);
    const users = new Set((await rows(t, 'SELECT id FROM users WHERE organization_id = $1', [orgA.organization_id])).map((u) => u.id));
    const valid: Record<string, (v: any, f: Row) => boolean> = {
      text: (v) => typeof v === 'string' && v.length > 0,
      hidden: (v) => typeof v === 'string',
      number: (v) => typeof v === 'number' && Number.isFinite(v),
      date: (v) => /^\d{4}-\d{2}-\d{2}$/.test(v),
      datetime: (v) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$/.test(v),
      user: (v) => users.has(v),
      choices: (v, f) => (f.multi ? Array.isArray(v) && v.length > 0 && v.every((x: string) => f.choices.includes(x)) : f.choices.includes(v)),
    };
    for (const field of fields) {
      const values = (field.object_type === 'lead' ? leads : contacts).map((r) => r.custom[field.id]).filter((v) => v !== undefined);
      assert.ok(values.length > 0 && values.length < (field.object_type === 'lead' ? N : contacts.length), `${field.type} is filled on some objects, not all`);
      for (const value of values) assert.ok(valid[field.type]!(value, field), `${field.type}: ${JSON.stringify(value)}`);
    }
    const allKeys = new Set([...leads, ...contacts].flatMap((r) => Object.keys(r.custom)));
    assert.deepEqual([...allKeys].sort(), fields.map((f) => f.id).sort(), 'custom maps hold only field ids of the organization');
  });

  test('leaves another organization exactly as it was', async () => {
    assert.deepEqual(await counts(t, orgB.organization_id), before_B);
    const b = await rows(t, 'SELECT id, name, custom FROM leads WHERE organization_id = $1', [orgB.organization_id]);
    assert.deepEqual(b, [{ id: 'lead_b1', name: 'B Lead', custom: {} }]);
  });

  test('the same seed gives the same data in another organization, and a different seed does not', async () => {
    const orgC = await createOrganization(t.db, { name: 'Org C', userEmail: 'carol@c.example' });
    await seedOrganization(t, { organizationId: orgC.organization_id, leads: N, seed: 'alpha', chunkSize: 100 });
    const [a, c] = [await shapeDump(t, orgA.organization_id), await shapeDump(t, orgC.organization_id)];
    for (const table of Object.keys(a)) assert.deepEqual(c[table], a[table], table);
    // ids are per organization (they are primary keys), so none is shared.
    const shared = await rows(t, 'SELECT count(*) AS n FROM leads a JOIN leads c ON a.id = c.id WHERE a.organization_id = $1 AND c.organization_id = $2', [orgA.organization_id, orgC.organization_id]);
    assert.equal(Number(shared[0]!.n), 0);

    const orgD = await createOrganization(t.db, { name: 'Org D', userEmail: 'dan@d.example' });
    await seedOrganization(t, { organizationId: orgD.organization_id, leads: N, seed: 'beta' });
    assert.notDeepEqual((await shapeDump(t, orgD.organization_id)).leads, a.leads);
  });

  test('the same seed into the same organization id gives identical rows, ids included', async () => {
    const other = await createTestDatabase();
    await cloneOrganization(t, other, orgA.organization_id);
    await seedOrganization(other, { organizationId: orgA.organization_id, leads: N, seed: 'alpha', chunkSize: 7 });
    const [here, there] = [await fullDump(t, orgA.organization_id), await fullDump(other, orgA.organization_id)];
    for (const table of Object.keys(here)) assert.deepEqual(there[table], here[table], table);
  });

  test('seeding an organization again with the same seed is refused and adds nothing; another seed adds', async () => {
    const beforeA = await counts(t, orgA.organization_id);
    await assert.rejects(seedOrganization(t, { organizationId: orgA.organization_id, leads: 10, seed: 'alpha' }), SeedError);
    assert.deepEqual(await counts(t, orgA.organization_id), beforeA);
    await seedOrganization(t, { organizationId: orgA.organization_id, leads: 10, seed: 'gamma' });
    const after = await counts(t, orgA.organization_id);
    assert.equal(after.leads, beforeA.leads! + 10);
    assert.equal(after.custom_fields, beforeA.custom_fields, 'existing seed fields are reused');
  });

  test('a same-named field of another type is left alone; the seed field takes a suffixed name', async () => {
    const orgE = await createOrganization(t.db, { name: 'Org E', userEmail: 'eve@e.example' });
    await t.pool.query(`INSERT INTO custom_fields (id, organization_id, object_type, name, type) VALUES ('cf_e1', $1, 'lead', 'industry', 'text')`, [orgE.organization_id]);
    await seedOrganization(t, { organizationId: orgE.organization_id, leads: 40 });
    const fields = await rows(t, `SELECT id, name, type FROM custom_fields WHERE organization_id = $1 AND lower(name) LIKE 'industry%' ORDER BY type DESC`, [orgE.organization_id]);
    assert.deepEqual(fields.map((f) => [f.name, f.type]), [['industry', 'text'], ['Industry (seed)', 'choices']]);
    const filled = await rows(t, `SELECT count(*) FILTER (WHERE custom ? 'cf_e1') AS own, count(*) FILTER (WHERE custom ? $2) AS seed FROM leads WHERE organization_id = $1`, [orgE.organization_id, fields[1]!.id]);
    assert.equal(Number(filled[0]!.own), 0);
    assert.ok(Number(filled[0]!.seed) > 0);
  });

  test('an unknown organization is refused', async () => {
    await assert.rejects(seedOrganization(t, { organizationId: 'orga_nope', leads: 5 }), /no such organization/);
  });

  test('COPY text encoding survives tabs, newlines, backslashes and NULL', async () => {
    const client = await t.pool.connect();
    try {
      await client.query('CREATE TEMP TABLE copy_check (a text, b text, c jsonb)');
      const hostile = 'tab\there\nnew\\line\r end \\N';
      const json = JSON.stringify({ k: 'quote " and \\ and \n' });
      const stream: Writable = client.query(copyFrom('COPY copy_check (a, b, c) FROM STDIN'));
      stream.end(copyRow([hostile, null, json]));
      await finished(stream);
      const { rows: out } = await client.query('SELECT a, b, c FROM copy_check');
      assert.deepEqual(out, [{ a: hostile, b: null, c: JSON.parse(json) }]);
    } finally {
      client.release();
    }
  });
});
