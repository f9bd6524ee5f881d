/**
 * The set-based work of bulk sequence subscription on one batch of leads: choosing each lead's
 * recipients (`contact_preference`), subscribing those never subscribed to the sequence, and
 * counting candidates for `n_objects`. "Never subscribed" is the unique (organization, sequence,
 * contact) index, deleted subscriptions included: the insert is `ON CONFLICT DO NOTHING`, so a
 * re-run, or a single subscribe racing the batch, can never subscribe a contact twice.
 */
import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../db/database.ts';
import { recordEvents } from '../events/record-event.ts';
import { newId } from '../ids.ts';
import { planNextSteps } from './next-step.ts';
import { subscriptionResponse, type SubscriptionRow } from './subscription-repository.ts';

export interface SubscribeSpec {
  readonly organizationId: string;
  readonly sequenceId: string;
  readonly senderAccountId: string;
  readonly senderName: string;
  readonly senderEmail: string;
  readonly contactPreference: 'lead' | 'contact';
  readonly callsAssignedTo: readonly string[] | null;
  readonly userId: string | null;
  readonly bulkActionId: string;
}

interface Candidate {
  readonly contact_id: string;
  readonly lead_id: string;
  readonly email: string;
  readonly subscribed: boolean;
}

/**
 * Recipients of the leads in `leadSource` (a SQL query yielding `lead_id`): the first email of each
 * contact that has one (`contact`), or of the lead's first such contact (`lead`), flagged when the
 * contact was ever subscribed to the sequence.
 */
function candidatesQuery(organizationId: string, sequenceId: string, preference: 'lead' | 'contact', leadSource: RawBuilder<unknown>) {
  const chosen =
    preference === 'lead'
      ? sql`SELECT DISTINCT ON (lead_id) * FROM firsts ORDER BY lead_id, date_created, contact_id`
      : sql`SELECT * FROM firsts`;
  return sql<Candidate>`
    WITH leads_in AS (${leadSource}),
    firsts AS (
      SELECT DISTINCT ON (c.id) c.id AS contact_id, c.lead_id, c.date_created, e.email
        FROM contacts c
        JOIN leads_in l ON l.lead_id = c.lead_id
        JOIN contact_emails e ON e.organization_id = c.organization_id AND e.contact_id = c.id
       WHERE c.organization_id = ${organizationId}
       ORDER BY c.id, e.position
    ),
    chosen AS (${chosen})
    SELECT ch.contact_id, ch.lead_id, ch.email,
           EXISTS (SELECT 1 FROM sequence_subscriptions s
                    WHERE s.organization_id = ${organizationId} AND s.sequence_id = ${sequenceId}
                      AND s.contact_id = ch.contact_id) AS subscribed
      FROM chosen ch`;
}

/** How many contacts of the action's loaded leads a subscribe would subscribe now (`n_objects`). */
export async function countSubscribeCandidates(trx: Db, spec: Pick<SubscribeSpec, 'organizationId' | 'sequenceId' | 'contactPreference' | 'bulkActionId'>): Promise<number> {
  const source = sql`SELECT lead_id FROM bulk_action_items WHERE organization_id = ${spec.organizationId} AND action_id = ${spec.bulkActionId}`;
  const inner = candidatesQuery(spec.organizationId, spec.sequenceId, spec.contactPreference, source);
  const result = await sql<{ n: number }>`SELECT count(*)::int AS n FROM (${inner}) x WHERE NOT x.subscribed`.execute(trx);
  return result.rows[0]?.n ?? 0;
}

export interface LeadResult {
  readonly subscribed: number;
  /** Why nothing was subscribed for the lead: `no_email` or `already_subscribed`. */
  readonly reason: string | null;
}

/** Subscribes the recipients of `leadIds` never subscribed to the sequence; one result per lead. */
export async function subscribeLeads(trx: Db, spec: SubscribeSpec, leadIds: readonly string[], now: Date): Promise<Map<string, LeadResult>> {
  const source = sql`SELECT unnest(${[...leadIds]}::text[]) AS lead_id`;
  const candidates = (await candidatesQuery(spec.organizationId, spec.sequenceId, spec.contactPreference, source).execute(trx)).rows;
  const fresh = candidates.filter((c) => !c.subscribed);
  let inserted: SubscriptionRow[] = [];
  if (fresh.length > 0) {
    // Every new subscription of the batch starts now with no step run, so one plan fits them all.
    const probe = { id: 'sub_probe', sequence_id: spec.sequenceId, start_date: now, date_last_step: null };
    const plan = (await planNextSteps(trx, spec.organizationId, [probe], now)).get(probe.id) ?? null;
    const ids = fresh.map(() => newId('sub'));
    const result = await sql<SubscriptionRow>`
      INSERT INTO sequence_subscriptions (id, organization_id, sequence_id, contact_id, lead_id, contact_email,
             sender_account_id, sender_name, sender_email, calls_assigned_to, status, start_date, next_step_at,
             created_by_id, updated_by_id, date_created, date_updated)
      SELECT v.id, ${spec.organizationId}, ${spec.sequenceId}, v.contact_id, v.lead_id, v.email,
             ${spec.senderAccountId}, ${spec.senderName}, ${spec.senderEmail},
             ${spec.callsAssignedTo ? JSON.stringify(spec.callsAssignedTo) : null}::jsonb, 'active',
             ${now}::timestamptz, ${plan ? plan.at : now}::timestamptz, ${spec.userId}, ${spec.userId},
             ${now}::timestamptz, ${now}::timestamptz
        FROM unnest(${ids}::text[], ${fresh.map((c) => c.contact_id)}::text[], ${fresh.map((c) => c.lead_id)}::text[],
                    ${fresh.map((c) => c.email)}::text[]) AS v(id, contact_id, lead_id, email)
      ON CONFLICT (organization_id, sequence_id, contact_id) DO NOTHING
      RETURNING *`.execute(trx);
    inserted = result.rows;
    await recordEvents(
      trx,
      inserted.map((row) => ({
        organizationId: spec.organizationId,
        objectType: 'sequence_subscription',
        objectId: row.id,
        leadId: row.lead_id,
        action: 'created',
        userId: spec.userId,
        data: subscriptionResponse(row),
        meta: { bulk_action_id: spec.bulkActionId },
        at: now,
      })),
    );
  }
  const out = new Map<string, LeadResult>();
  const perLead = new Map<string, number>();
  for (const row of inserted) perLead.set(row.lead_id, (perLead.get(row.lead_id) ?? 0) + 1);
  const withCandidates = new Set(candidates.map((c) => c.lead_id));
  for (const leadId of leadIds) {
    const n = perLead.get(leadId) ?? 0;
    out.set(leadId, { subscribed: n, reason: n > 0 ? null : withCandidates.has(leadId) ? 'already_subscribed' : 'no_email' });
  }
  return out;
}
