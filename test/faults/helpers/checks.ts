/**
 * Exactness checks after a fault, against the database and the SMTP sink: every effect of a bulk
 * action happened exactly once (edits, deletes, subscriptions) or at most once (email), and the
 * action's counters equal its item rows. Each returns figures for the line the test prints.
 */
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { Db } from '../../../src/db/database.ts';
import { eventsOf } from '../../bulk-actions/fixtures.ts';
import type { SmtpSink } from '../../email/helpers/smtp-sink.ts';

/** The action is done and n_leads, n_leads_processed, n_objects(_processed) equal its items. */
export async function assertCountersExact(db: Db, actionId: string, expectedLeads: number): Promise<void> {
  const action = await db.selectFrom('bulk_actions').selectAll().where('id', '=', actionId).executeTakeFirstOrThrow();
  assert.equal(action.status, 'done', `${actionId} is ${action.status}: ${action.error_message}`);
  const items = await db
    .selectFrom('bulk_action_items')
    .select([sql<number>`count(*)::int`.as('n'), sql<number>`count(*) filter (where status = 'pending')::int`.as('pending'), sql<number>`coalesce(sum(n_objects), 0)::int`.as('objects')])
    .where('action_id', '=', actionId)
    .executeTakeFirstOrThrow();
  assert.equal(items.n, expectedLeads, `${actionId}: one item per matched lead`);
  assert.equal(items.pending, 0, `${actionId}: no item left pending`);
  assert.equal(action.n_leads, expectedLeads, `${actionId}: n_leads`);
  assert.equal(action.n_leads_processed, expectedLeads, `${actionId}: n_leads_processed`);
  assert.equal(action.n_objects_processed, items.objects, `${actionId}: n_objects_processed = the items' objects`);
  assert.equal(action.n_objects, action.n_objects_processed, `${actionId}: n_objects = n_objects_processed`);
}

/** Every lead of `leadIds` has exactly one lead.updated event of the action and the status `statusId`. */
export async function assertEditedOnce(db: Db, organizationId: string, actionId: string, leadIds: string[], statusId: string): Promise<void> {
  const events = await eventsOf(db, organizationId, actionId, 'lead', 'updated');
  assert.equal(events.size, leadIds.length, 'an event for every edited lead');
  for (const id of leadIds) assert.equal(events.get(id), 1, `${id}: exactly one lead.updated event`);
  const wrong = await db.selectFrom('leads').select('id').where('id', 'in', leadIds).where('status_id', '!=', statusId).execute();
  assert.equal(wrong.length, 0, 'every lead has the new status');
  await assertCountersExact(db, actionId, leadIds.length);
}

/** Every lead of `leadIds` is gone with its contacts, with exactly one lead.deleted event of the action. */
export async function assertDeletedOnce(db: Db, organizationId: string, actionId: string, leadIds: string[]): Promise<void> {
  const events = await eventsOf(db, organizationId, actionId, 'lead', 'deleted');
  assert.equal(events.size, leadIds.length, 'an event for every deleted lead');
  for (const id of leadIds) assert.equal(events.get(id), 1, `${id}: exactly one lead.deleted event`);
  assert.equal((await db.selectFrom('leads').select('id').where('id', 'in', leadIds).execute()).length, 0, 'every lead deleted');
  assert.equal((await db.selectFrom('contacts').select('id').where('lead_id', 'in', leadIds).execute()).length, 0, 'and its contacts');
  await assertCountersExact(db, actionId, leadIds.length);
}

/** Each contact of `contactIds` has exactly one subscription to `sequenceId`. */
export async function assertSubscribedOnce(db: Db, sequenceId: string, contactIds: string[]): Promise<void> {
  const subs = await db.selectFrom('sequence_subscriptions').select(['contact_id']).where('sequence_id', '=', sequenceId).execute();
  const per = new Map<string, number>();
  for (const s of subs) per.set(s.contact_id, (per.get(s.contact_id) ?? 0) + 1);
  assert.equal(per.size, contactIds.length, 'a subscription for every contact');
  for (const id of contactIds) assert.equal(per.get(id), 1, `${id}: exactly one subscription`);
}

export interface MailFigures {
  readonly messages: number;
  readonly sent: number;
  /** Sends interrupted by a kill (in flight): never sent again. */
  readonly unknown: number;
  /** Of those, how many the server had received before the kill. */
  readonly unknownReceived: number;
}

/**
 * The activities matched by `where` all settled: `sent` ones reached the SMTP server exactly once,
 * `unknown` ones (in flight at a kill) at most once, and no recipient got two messages.
 */
export async function assertMailAtMostOnce(db: Db, sink: SmtpSink, activityIds: string[], recipients: string[]): Promise<MailFigures> {
  const rows = await db.selectFrom('email_activities').select(['id', 'status', 'message_id', 'recipient_email']).where('id', 'in', activityIds).execute();
  assert.equal(rows.length, activityIds.length);
  const byMessage = new Map<string, number>();
  const byRecipient = new Map<string, number>();
  for (const m of sink.received) {
    byMessage.set(m.messageId, (byMessage.get(m.messageId) ?? 0) + 1);
    for (const to of m.envelopeTo) byRecipient.set(to.toLowerCase(), (byRecipient.get(to.toLowerCase()) ?? 0) + 1);
  }
  let sent = 0;
  let unknown = 0;
  let unknownReceived = 0;
  for (const row of rows) {
    const got = byMessage.get(row.message_id) ?? 0;
    if (row.status === 'sent') {
      sent++;
      assert.equal(got, 1, `${row.id} is sent: the server got it once (got ${got})`);
    } else {
      assert.equal(row.status, 'unknown', `${row.id} settled as sent or unknown, found ${row.status}`);
      unknown++;
      assert.ok(got <= 1, `${row.id} (unknown) reached the server ${got} times`);
      unknownReceived += got;
    }
  }
  for (const to of recipients) assert.ok((byRecipient.get(to) ?? 0) <= 1, `${to} got ${byRecipient.get(to)} messages`);
  return { messages: rows.length, sent, unknown, unknownReceived };
}

/** True once none of the activities is still queued or being sent. */
export async function mailSettled(db: Db, activityIds: string[]): Promise<boolean> {
  if (activityIds.length === 0) return true;
  const open = await db.selectFrom('email_activities').select('id').where('id', 'in', activityIds).where('status', 'not in', ['sent', 'unknown', 'error']).execute();
  return open.length === 0;
}
