/**
 * The delivery worker's account poll (dueAccountQuery) during a bulk email: messages claimed moments
 * ago sit at the left of the claim index, their dead `outbox` versions kept unskippable by an older
 * transaction still open (a bulk email's enqueue batch). The poll must find the account without
 * reading them, whatever their number.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import { claimBatch, dueAccountQuery } from '../../src/email/claim.ts';
import { enqueueEmails, type EnqueueEmailInput } from '../../src/email/enqueue.ts';
import { createOrganization, type CreatedOrganization } from '../../src/orgs/create-organization.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { insertAccount, insertLead } from './helpers/fixtures.ts';

const QUEUED = 2500;
const CLAIMED = 2000;

describe('the account poll with many messages just claimed', () => {
  let d: TestDatabase;
  let org: CreatedOrganization;
  let account: string;

  before(async () => {
    d = await createTestDatabase();
    org = await createOrganization(d.db, { name: 'A', userEmail: 'a@a.example' });
    const lead = await insertLead(d.db, org.organization_id, 'Target', [{ name: 'C', emails: ['c@c.example'] }]);
    account = await insertAccount(d.db, org.organization_id, org.user_id, { email: 'bulk@a.example' });
    const inputs: EnqueueEmailInput[] = Array.from({ length: QUEUED }, (_, i) => ({
      organizationId: org.organization_id,
      userId: org.user_id,
      leadId: lead.leadId,
      contactId: lead.contactIds[0]!,
      emailAccountId: account,
      senderName: null,
      senderEmail: 'bulk@a.example',
      to: [`r${i}@c.example`],
      subject: `Message ${i}`,
      bodyHtml: `<p>Hello ${i}</p>`,
    }));
    await d.db.transaction().execute((trx) => enqueueEmails(trx, inputs));
    // A table in use has statistics (autovacuum); without them the planner may not use the index.
    await sql`ANALYZE email_activities`.execute(d.db);
  });

  test(`finds the account reading a handful of buffers, not the ${CLAIMED} claimed messages before the queued ones`, async (t) => {
    const older = new pg.Client({ connectionString: d.connectionString });
    await older.connect();
    const client = await d.pool.connect();
    try {
      await older.query('BEGIN');
      await older.query('SELECT txid_current()');
      const claim = await claimBatch(d.db, 'worker-a', CLAIMED, 60);
      assert.equal(claim?.messages.length, CLAIMED);

      const { sql: text, parameters } = dueAccountQuery(d.db).compile();
      await client.query('BEGIN');
      const found = await client.query(text, [...parameters]);
      assert.deepEqual(found.rows.map((row) => row.id), [account], 'the account still has due mail');
      await client.query('ROLLBACK');

      await client.query('BEGIN');
      const explained = await client.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${text}`, [...parameters]);
      await client.query('ROLLBACK');
      const plan = (explained.rows[0]['QUERY PLAN'] as { Plan: Record<string, number> }[])[0]!.Plan;
      const buffers = plan['Shared Hit Blocks']! + plan['Shared Read Blocks']!;
      // The EXISTS it replaced read 2,044 buffers here (about one per claimed message's dead
      // version) and 2,829 a poll in the 100,000-message benchmark.
      t.diagnostic(`the poll read ${buffers} buffers`);
      assert.ok(buffers < 30, `the poll read ${buffers} buffers`);
    } finally {
      await older.query('ROLLBACK').catch(() => {});
      await older.end();
      client.release();
    }
  });
});
