/**
 * The statement that deletes leads and records their `deleted` events, with every event's
 * previous_data built by PostgreSQL (jsonb_build_object / jsonb_agg), so that no lead, contact or
 * email passes through JavaScript. Each object is exactly what the API serializers produce:
 *   - lead and contact: lead-object-sql.ts;
 *   - email activity: activityResponse (email/activity-serialize.ts);
 *   - sequence subscription: subscriptionResponse (sequences/subscription-repository.ts).
 * test/leads/delete-event-data.test.ts holds the lead and contact objects to their serializers key
 * by key; a change to a serializer must be made here too.
 *
 * One statement of CTEs: the objects are read (one snapshot, taken by the caller after locking the
 * leads), the leads deleted (the cascade takes the children), the events inserted for what the
 * DELETE returned. The events share one date: the caller's, or the moment of writing.
 */
import { sql } from 'kysely';
import { activityJoinsSql, activityObjectSql } from '../email/activity-object-sql.ts';
import { eventIdSql } from '../events/event-id-sql.ts';
import { list, ts } from '../events/json-sql.ts';
import { leadObjectCtes } from './lead-object-sql.ts';

export interface DeleteStatementInput {
  readonly organizationId: string;
  /** The leads to delete, already locked by the caller's transaction. */
  readonly leadIds: readonly string[];
  readonly publicUrl: string;
  readonly userId: string | null;
  readonly apiKeyId: string | null;
  readonly requestId: string | null;
  readonly meta: Record<string, unknown>;
  readonly at: Date | null;
}

/** Deletes the leads with their children and records the `deleted` events; returns the deleted ids. */
export function deleteLeadsStatement(input: DeleteStatementInput) {
  const org = input.organizationId;
  const ids = sql`${input.leadIds}::text[]`;
  return sql<{ id: string }>`
    WITH stamp AS MATERIALIZED (
      SELECT coalesce(${input.at}::timestamptz, clock_timestamp()) AS at
    ), ${leadObjectCtes({ organizationId: org, ids, publicUrl: input.publicUrl })},
    act AS MATERIALIZED (
      SELECT a.id, a.lead_id,
        ${activityObjectSql('a')} AS obj
      FROM email_activities a
      ${activityJoinsSql('a')}
      WHERE a.organization_id = ${org} AND a.lead_id = ANY(${ids})
    ), sub AS MATERIALIZED (
      SELECT s.id, s.lead_id,
        jsonb_build_object(
          'id', s.id, 'organization_id', s.organization_id, 'sequence_id', s.sequence_id, 'contact_id', s.contact_id,
          'lead_id', s.lead_id, 'contact_email', s.contact_email, 'sender_account_id', s.sender_account_id,
          'sender_name', s.sender_name, 'sender_email', s.sender_email,
          'calls_assigned_to', ${list(sql.ref('s.calls_assigned_to'))}, 'status', s.status, 'status_reason', s.status_reason,
          'pause_reason', CASE WHEN s.status = 'paused' THEN s.status_reason END,
          'start_date', ${ts(sql.ref('s.start_date'))}, 'created_by_id', s.created_by_id, 'updated_by_id', s.updated_by_id,
          'date_created', ${ts(sql.ref('s.date_created'))}, 'date_updated', ${ts(sql.ref('s.date_updated'))}
        ) AS obj
      FROM sequence_subscriptions s
      WHERE s.organization_id = ${org} AND s.date_deleted IS NULL AND s.lead_id = ANY(${ids})
    ), del AS (
      DELETE FROM leads d WHERE d.organization_id = ${org} AND d.id = ANY(${ids}) RETURNING d.id
    ), ev AS (
      INSERT INTO events (id, organization_id, object_type, object_id, lead_id, action, user_id, api_key_id, request_id,
                          changed_fields, data, previous_data, meta, date_created, date_updated)
      SELECT ${eventIdSql()}, ${org}, x.object_type, x.object_id, x.lead_id, 'deleted',
             ${input.userId}::text, ${input.apiKeyId}::text, ${input.requestId}::text, '[]'::jsonb, NULL, x.obj,
             ${JSON.stringify(input.meta)}::jsonb, stamp.at, stamp.at
      FROM (
        SELECT 'contact' AS object_type, c.id AS object_id, c.lead_id, c.obj FROM c JOIN del ON del.id = c.lead_id
        UNION ALL SELECT 'lead', lo.id, lo.id, lo.obj FROM lo JOIN del ON del.id = lo.id
        UNION ALL SELECT 'activity.email', act.id, act.lead_id, act.obj FROM act JOIN del ON del.id = act.lead_id
        UNION ALL SELECT 'sequence_subscription', sub.id, sub.lead_id, sub.obj FROM sub JOIN del ON del.id = sub.lead_id
      ) x CROSS JOIN stamp
    )
    SELECT id FROM del ORDER BY id`;
}
