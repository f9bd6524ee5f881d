// Migration 0018 stores each phone's display form; the phones already stored get theirs from its
// JavaScript step (src/db/migration-data-steps.ts), in the migration's transaction.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { migrate } from '../../src/db/migrate.ts';
import { createTestApp } from '../helpers/app.ts';

test('migration 0018 formats the phones stored before it, and the column is NOT NULL after it', async () => {
  const t = await createTestApp();
  const lead = (await t.call('POST', '/api/v1/lead/', {
    body: { name: 'Acme', contacts: [{ name: 'Ann', phones: [{ phone: '+14155550100' }, { phone: '+442071838750', type: 'mobile' }] }, { name: 'Bob', phones: [{ phone: '+14155550100' }] }] },
  })).body;
  const expected = (await t.call('GET', `/api/v1/lead/${lead.id}/`)).body;
  assert.equal(expected.contacts[0].phones[1].phone_formatted, '+44 20 7183 8750');

  // The database as it was before 0018: no column, the migration not applied.
  await t.pool.query('ALTER TABLE contact_phones DROP COLUMN phone_formatted');
  await t.pool.query('DELETE FROM schema_migrations WHERE version = 18');
  assert.deepEqual(await migrate(t.pool), ['0018_phone_formatted']);

  const { rows } = await t.pool.query('SELECT phone, phone_formatted FROM contact_phones WHERE lead_id = $1 ORDER BY phone', [lead.id]);
  assert.deepEqual(rows, [
    { phone: '+14155550100', phone_formatted: '+1 415 555 0100' },
    { phone: '+14155550100', phone_formatted: '+1 415 555 0100' },
    { phone: '+442071838750', phone_formatted: '+44 20 7183 8750' },
  ]);
  assert.deepEqual((await t.call('GET', `/api/v1/lead/${lead.id}/`)).body, expected);
  await assert.rejects(
    t.pool.query(`INSERT INTO contact_phones (organization_id, contact_id, lead_id, position, phone) VALUES ($1, $2, $3, 9, '+15550199')`, [
      t.orgA.organization_id,
      lead.contacts[0].id,
      lead.id,
    ]),
    /phone_formatted/,
  );
});
