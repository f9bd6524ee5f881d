import type { Insertable } from 'kysely';
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import {
  findCustomField,
  loadCustomFields,
  normalizeCustomValue,
  type CustomFieldDef,
  type CustomFieldType,
} from '../../src/custom-fields/values.ts';
import type { CustomFieldsTable } from '../../src/db/schema.ts';
import { SluiceError } from '../../src/errors.ts';
import { newId } from '../../src/ids.ts';
import { createOrganization, type CreatedOrganization } from '../../src/orgs/create-organization.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

describe('custom field values', () => {
  let t: TestDatabase;
  let orgA: CreatedOrganization;
  let orgB: CreatedOrganization;
  let leadA1: string;
  let leadA2: string;
  let contactA1: string;
  let contactA2: string;
  let contactB: string;
  let userA2: string;
  let userB: string;

  function def(type: CustomFieldType, extra: Partial<CustomFieldDef> = {}): CustomFieldDef {
    return {
      id: newId('cf'),
      organization_id: orgA.organization_id,
      object_type: 'lead',
      name: `F ${type}`,
      type,
      choices: null,
      accepts_multiple_values: false,
      ...extra,
    };
  }

  const norm = (field: CustomFieldDef, value: unknown, opts?: { leadId?: string }) =>
    normalizeCustomValue(t.db, orgA.organization_id, field, value, `custom.${field.id}`, opts);

  async function rejects(field: CustomFieldDef, value: unknown, opts?: { leadId?: string }): Promise<string> {
    try {
      await norm(field, value, opts);
    } catch (error) {
      assert.ok(error instanceof SluiceError, String(error));
      assert.equal(error.status, 400);
      const message = error.fieldErrors[`custom.${field.id}`];
      assert.ok(message, `field error on custom.${field.id}: ${JSON.stringify(error.fieldErrors)}`);
      return message;
    }
    assert.fail(`${field.type} accepted ${JSON.stringify(value)}`);
  }

  async function lead(orgId: string): Promise<string> {
    const status = await t.db.selectFrom('lead_statuses').select('id').where('organization_id', '=', orgId).executeTakeFirstOrThrow();
    const id = newId('lead');
    await t.db.insertInto('leads').values({ id, organization_id: orgId, name: id, status_id: status.id, custom: '{}' }).execute();
    return id;
  }

  async function contact(orgId: string, leadId: string): Promise<string> {
    const id = newId('cont');
    await t.db.insertInto('contacts').values({ id, organization_id: orgId, lead_id: leadId, name: id, custom: '{}' }).execute();
    return id;
  }

  before(async () => {
    t = await createTestDatabase();
    orgA = await createOrganization(t.db, { name: 'A', userEmail: 'alice.smith@a.example' });
    orgB = await createOrganization(t.db, { name: 'B', userEmail: 'bob.jones@b.example' });
    userA2 = newId('user');
    await t.db.insertInto('users').values({ id: userA2, organization_id: orgA.organization_id, email: 'Carol@A.example', first_name: 'Carol', last_name: 'King' }).execute();
    userB = orgB.user_id;
    leadA1 = await lead(orgA.organization_id);
    leadA2 = await lead(orgA.organization_id);
    contactA1 = await contact(orgA.organization_id, leadA1);
    contactA2 = await contact(orgA.organization_id, leadA2);
    contactB = await contact(orgB.organization_id, await lead(orgB.organization_id));
  });

  test('loadCustomFields returns one organization’s fields of one object type, oldest first', async () => {
    const rows: Omit<Insertable<CustomFieldsTable>, 'editable_with_roles'>[] = [
      { id: newId('cf'), organization_id: orgA.organization_id, object_type: 'lead' as const, name: 'Plan', type: 'choices', choices: JSON.stringify(['a', 'b']), accepts_multiple_values: true, date_created: '2026-01-01T00:00:00Z' },
      { id: newId('cf'), organization_id: orgA.organization_id, object_type: 'lead' as const, name: 'Seats', type: 'number', choices: null, date_created: '2026-01-02T00:00:00Z' },
      { id: newId('cf'), organization_id: orgA.organization_id, object_type: 'contact' as const, name: 'Role', type: 'text', choices: null },
      { id: newId('cf'), organization_id: orgB.organization_id, object_type: 'lead' as const, name: 'Other', type: 'text', choices: null },
    ];
    await t.db.insertInto('custom_fields').values(rows.map((row) => ({ ...row, editable_with_roles: '[]' }))).execute();
    const fields = await loadCustomFields(t.db, orgA.organization_id, 'lead');
    assert.deepEqual(fields, [
      { id: rows[0]!.id, organization_id: orgA.organization_id, object_type: 'lead', name: 'Plan', type: 'choices', choices: ['a', 'b'], accepts_multiple_values: true },
      { id: rows[1]!.id, organization_id: orgA.organization_id, object_type: 'lead', name: 'Seats', type: 'number', choices: null, accepts_multiple_values: false },
    ]);
    const contactFields = await loadCustomFields(t.db, orgA.organization_id, 'contact');
    assert.deepEqual(contactFields.map((f) => f.name), ['Role']);
  });

  test('findCustomField finds by id or exact name, id first', () => {
    const a = def('text', { name: 'Alpha' });
    const b = def('text', { name: a.id });
    const fields = [b, a];
    assert.equal(findCustomField(fields, a.id), a);
    assert.equal(findCustomField(fields, 'Alpha'), a);
    assert.equal(findCustomField(fields, 'alpha'), undefined);
    assert.equal(findCustomField(fields, 'cf_missing'), undefined);
  });

  test('null and undefined clear every type', async () => {
    for (const type of ['text', 'number', 'date', 'datetime', 'choices', 'user', 'contact', 'hidden'] as const) {
      assert.equal(await norm(def(type, { choices: ['x'] }), null), null, type);
      assert.equal(await norm(def(type, { choices: ['x'] }), undefined), null, type);
    }
  });

  test('text and hidden keep strings as given and refuse other types', async () => {
    for (const type of ['text', 'hidden'] as const) {
      const field = def(type);
      assert.equal(await norm(field, '  hello  '), '  hello  ');
      assert.equal(await norm(field, ''), '');
      for (const bad of [12, true, { a: 1 }, ['a']]) await rejects(field, bad);
    }
  });

  test('number takes JSON numbers and numeric strings, refuses the rest', async () => {
    const field = def('number');
    assert.equal(await norm(field, 42), 42);
    assert.equal(await norm(field, -1.5), -1.5);
    assert.equal(await norm(field, ' 17 '), 17);
    assert.equal(await norm(field, '3.25'), 3.25);
    assert.equal(await norm(field, '1e3'), 1000);
    assert.equal(await norm(field, ''), null);
    for (const bad of ['abc', '12abc', '0x10', true, {}, 'Infinity', 'NaN']) {
      assert.equal(await rejects(field, bad), 'Enter a number.');
    }
    assert.match(await rejects(field, [1]), /single value/);
  });

  test('date takes real calendar dates as YYYY-MM-DD', async () => {
    const field = def('date');
    assert.equal(await norm(field, '2014-06-12'), '2014-06-12');
    assert.equal(await norm(field, '2024-02-29'), '2024-02-29');
    for (const bad of ['2023-02-29', '2014-13-01', '2014-6-12', '12/06/2014', '2014-06-12T10:00:00Z', 20140612, true]) {
      await rejects(field, bad);
    }
  });

  test('datetime is normalised to UTC with +00:00, keeping microseconds', async () => {
    const field = def('datetime');
    assert.equal(await norm(field, '2014-06-27T22:00:00-08:00'), '2014-06-28T06:00:00+00:00');
    assert.equal(await norm(field, '2014-06-27T22:00:00Z'), '2014-06-27T22:00:00+00:00');
    assert.equal(await norm(field, '2014-06-27T22:00:00.123456+02:00'), '2014-06-27T20:00:00.123456+00:00');
    assert.equal(await norm(field, '2014-06-27T22:00:00.5Z'), '2014-06-27T22:00:00.500000+00:00');
    assert.equal(await norm(field, '2014-06-27T22:00'), '2014-06-27T22:00:00+00:00');
    assert.equal(await norm(field, '2014-12-31 23:30:00-0100'), '2015-01-01T00:30:00+00:00');
    assert.equal(await norm(field, '2014-01-01T00:15:00+05:30'), '2013-12-31T18:45:00+00:00');
    for (const bad of ['2014-06-27', '2014-02-30T10:00:00Z', '2014-06-27T24:00:00Z', '2014-06-27T10:61:00Z', 'yesterday', 1403906400, '2014-06-27T10:00:00+25:00']) {
      await rejects(field, bad);
    }
  });

  test('choices takes only listed values, exactly', async () => {
    const field = def('choices', { choices: ['Gold', 'Silver'] });
    assert.equal(await norm(field, 'Gold'), 'Gold');
    assert.match(await rejects(field, 'gold'), /not one of the choices/);
    await rejects(field, 'Bronze');
    await rejects(field, 1);
    await rejects(field, ['Gold']);
  });

  test('multi-value choices take a list (or a wrapped single value), dropping duplicates', async () => {
    const field = def('choices', { choices: ['Gold', 'Silver', 'Bronze'], accepts_multiple_values: true });
    assert.deepEqual(await norm(field, ['Silver', 'Gold', 'Silver']), ['Silver', 'Gold']);
    assert.deepEqual(await norm(field, 'Bronze'), ['Bronze']);
    assert.equal(await norm(field, []), null);
    await rejects(field, ['Gold', 'Tin']);
    await rejects(field, ['Gold', null]);
    await rejects(field, [['Gold']]);
  });

  test('user takes an id, an exact full name or an email of the organization, stored as the id', async () => {
    const field = def('user');
    assert.equal(await norm(field, orgA.user_id), orgA.user_id);
    assert.equal(await norm(field, 'Carol King'), userA2);
    assert.equal(await norm(field, 'carol@a.example'), userA2);
    assert.equal(await norm(field, 'Alice Smith'), orgA.user_id);
    await rejects(field, 'carol king');
    await rejects(field, 'Carol');
    await rejects(field, userB);
    await rejects(field, 'bob.jones@b.example');
    await rejects(field, 5);
    const multi = def('user', { accepts_multiple_values: true });
    assert.deepEqual(await norm(multi, ['Carol King', orgA.user_id, userA2]), [userA2, orgA.user_id]);
    await rejects(multi, [orgA.user_id, userB]);
  });

  test('user names shared by two users are refused as ambiguous', async () => {
    const twinOrg = await createOrganization(t.db, { name: 'Twins', userEmail: 'sam.lee@t.example' });
    await t.db.insertInto('users').values({ id: newId('user'), organization_id: twinOrg.organization_id, email: 'sam2@t.example', first_name: 'Sam', last_name: 'Lee' }).execute();
    const field = { ...def('user'), organization_id: twinOrg.organization_id };
    await assert.rejects(
      normalizeCustomValue(t.db, twinOrg.organization_id, field, 'Sam Lee', 'custom.x'),
      (error: SluiceError) => /More than one user/.test(error.fieldErrors['custom.x'] ?? ''),
    );
  });

  test('contact takes contact ids of the same lead, or of the organization without a lead', async () => {
    const field = def('contact');
    assert.equal(await norm(field, contactA1, { leadId: leadA1 }), contactA1);
    assert.match(await rejects(field, contactA2, { leadId: leadA1 }), /not a contact of this lead/);
    assert.equal(await norm(field, contactA2), contactA2);
    await rejects(field, contactB);
    await rejects(field, contactB, { leadId: leadA1 });
    await rejects(field, 'cont_missing');
    await rejects(field, 7);
    const multi = def('contact', { accepts_multiple_values: true });
    assert.deepEqual(await norm(multi, [contactA1, contactA2]), [contactA1, contactA2]);
    await rejects(multi, [contactA1, contactA2], { leadId: leadA1 });
  });

  test('single-value fields refuse lists; empty strings clear non-text types', async () => {
    for (const type of ['number', 'date', 'datetime', 'user', 'contact'] as const) {
      const field = def(type);
      assert.match(await rejects(field, ['x']), /single value/, type);
      assert.equal(await norm(field, '  '), null, type);
    }
  });
});
