/**
 * Events are stored without a compression attempt up to 8,160 bytes a row (migration 0027): a
 * deleted lead's event, about 2.4 kB, sat just over PostgreSQL's default threshold of 2,032 bytes,
 * and pglz was tried on nearly every one for nothing. Observable from SQL only where compression
 * would have succeeded: a 3 kB description of repeated words is compressed under the default
 * setting and stored whole under the new one; a row over 8,160 bytes is still compressed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { deleteLeads } from '../../src/leads/delete-leads.ts';
import { createTestApp } from '../helpers/app.ts';

test('a lead delete event of a few kB is stored uncompressed; a larger one is still compressed', async () => {
  const t = await createTestApp();
  const org = t.orgA.organization_id;
  // Set on every partition of the log (migration 0029): legacy, the days made ahead, overflow.
  const { rows: options } = await sql<{ relname: string; reloptions: string[] | null }>`
    SELECT c.relname, c.reloptions FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'events'::regclass`.execute(t.db);
  assert.ok(options.length >= 5, options.map((o) => o.relname).join());
  for (const o of options) assert.deepEqual(o.reloptions, ['toast_tuple_target=8160'], o.relname);

  const make = async (description: string) => {
    const res = await t.call('POST', '/api/v1/lead/', { body: { name: 'Acme', description, contacts: [{ name: 'Ann' }] } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.id as string;
  };
  const medium = await make('harbor logistics '.repeat(180)); // about 3 kB, compresses to a fraction
  const large = await make('harbor logistics '.repeat(600)); // about 10 kB
  await t.db.transaction().execute((trx) => deleteLeads(trx, org, [medium, large], { userId: null, bulkActionId: 'bulkdelete_test' }));

  const { rows } = await sql<{ object_id: string; compression: string | null; row_bytes: number; description: string }>`
    SELECT object_id, pg_column_compression(previous_data) AS compression, pg_column_size(e.*) AS row_bytes,
           previous_data ->> 'description' AS description
    FROM events e WHERE organization_id = ${org} AND action = 'deleted' AND object_type = 'lead'`.execute(t.db);
  const byLead = new Map(rows.map((r) => [r.object_id, r]));
  const m = byLead.get(medium)!;
  const l = byLead.get(large)!;
  assert.equal(m.description, 'harbor logistics '.repeat(180), 'the object is whole');
  assert.equal(m.compression, null, 'a 3 kB event is stored as it came');
  assert.ok(m.row_bytes > 3000, `${m.row_bytes} bytes`);
  assert.equal(l.description, 'harbor logistics '.repeat(600));
  assert.equal(l.compression, 'pglz', 'a row over 8,160 bytes is compressed as before');

  // The same 3 kB event under PostgreSQL's default threshold would have been compressed: what the
  // setting changes, shown on a table without it.
  const def = await t.db.transaction().execute(async (trx) => {
    await sql`CREATE TEMP TABLE events_default (LIKE events) ON COMMIT DROP`.execute(trx);
    await sql`INSERT INTO events_default SELECT * FROM events WHERE object_id = ${medium} AND action = 'deleted'`.execute(trx);
    return (await sql<{ compression: string | null }>`SELECT pg_column_compression(previous_data) AS compression FROM events_default`.execute(trx)).rows;
  });
  assert.equal(def[0]!.compression, 'pglz');
});
