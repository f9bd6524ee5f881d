/**
 * The lead and contact objects of the API, built by PostgreSQL as CTEs over a set of lead ids:
 * `c` holds each contact's object (`obj`, with `lead_id`, `date_created` and `id` to order them by)
 * and `lo` each lead's object without the nested `contacts`, exactly as the serializers build them:
 *   - lead: loadLeadObjects (serialize.ts) less `contacts`, i.e. leadEventData;
 *   - contact: loadContactObjects (contacts/serialize.ts), `subscriptions` as
 *     loadSubscriptionsForContacts.
 * The delete statement records them as previous_data; GET /lead/{id}/ answers them, one statement
 * instead of eleven. test/leads/delete-event-data.test.ts holds both to the serializers key by key:
 * a change to a serializer must be made here too.
 */
import { sql, type RawBuilder } from 'kysely';
import { ts } from '../events/json-sql.ts';

/** `fullName` of serialize.ts: first and last name, the empty ones left out; null when both are. */
function fullName(alias: string): RawBuilder<string | null> {
  const first = sql.ref(`${alias}.first_name`);
  const last = sql.ref(`${alias}.last_name`);
  return sql`nullif(concat_ws(' ', nullif(${first}, ''), nullif(${last}, '')), '')`;
}

/**
 * The custom values of a row in one pass over its stored `custom`, as a LEFT JOIN LATERAL named
 * `alias` with two columns: `dict`, customDict (custom-fields/custom-dict.ts: the values of the
 * fields in `fields`, a CTE of id and name, keyed by name) and `keys`, customKeys
 * (contacts/serialize.ts: one `custom.cf_…` key per stored value). Both leave out JSON nulls and are
 * `{}` when `custom` is not an object. One jsonb_each per row instead of a subquery per field list
 * and another over the values: the lead object is built for every GET /lead/{id}/ and every lead a
 * bulk delete removes (2,000 lead objects: about 150 ms of their 650 ms went to the two subqueries).
 */
function customLateralSql(custom: RawBuilder<unknown>, fields: string, alias: string): RawBuilder<unknown> {
  return sql`LEFT JOIN LATERAL (
      SELECT coalesce(jsonb_object_agg(f.name, x.value) FILTER (WHERE f.id IS NOT NULL), '{}'::jsonb) AS dict,
             coalesce(jsonb_object_agg('custom.' || x.key, x.value), '{}'::jsonb) AS keys
      FROM jsonb_each(CASE WHEN jsonb_typeof(${custom}) = 'object' THEN ${custom} ELSE '{}'::jsonb END) x
      LEFT JOIN ${sql.table(fields)} f ON f.id = x.key
      WHERE jsonb_typeof(x.value) <> 'null') ${sql.raw(alias)} ON true`;
}

export interface LeadObjectInput {
  /** A value, or an SQL expression (GET /lead/{id}/ reads it from the authentication's CTEs). */
  readonly organizationId: string | RawBuilder<unknown>;
  /** The lead ids, a `text[]` expression. */
  readonly ids: RawBuilder<unknown>;
  readonly publicUrl: string;
}

/** The CTEs `lead_fields`, `contact_fields`, `ct`, `cids`, `em`, `ph`, `ur`, `su`, `c`, `per_lead`, `ad`, `lo`, comma-separated. */
export function leadObjectCtes(input: LeadObjectInput): RawBuilder<unknown> {
  const org = input.organizationId;
  const ids = input.ids;
  return sql`lead_fields AS MATERIALIZED (
      SELECT id, name FROM custom_fields WHERE organization_id = ${org} AND object_type = 'lead'
    ), contact_fields AS MATERIALIZED (
      SELECT id, name FROM custom_fields WHERE organization_id = ${org} AND object_type = 'contact'
    ), ct AS MATERIALIZED (
      SELECT c.* FROM contacts c WHERE c.organization_id = ${org} AND c.lead_id = ANY(${ids})
    ), cids AS MATERIALIZED (
      -- The contacts' lists are read set-wise, one index scan per table for all of them (half the
      -- cost of a subquery per contact, measured).
      SELECT array_agg(id) AS ids FROM ct
    ), em AS (
      SELECT e.contact_id,
             jsonb_agg(jsonb_build_object('email', e.email, 'type', e.type, 'is_unsubscribed', EXISTS (
                         SELECT 1 FROM unsubscribed_emails u WHERE u.organization_id = e.organization_id AND u.email = lower(e.email)))
                       ORDER BY e.position) AS list
      FROM contact_emails e, cids WHERE e.organization_id = ${org} AND e.contact_id = ANY(cids.ids) GROUP BY e.contact_id
    ), ph AS (
      SELECT p.contact_id,
             jsonb_agg(jsonb_build_object('phone', p.phone, 'phone_formatted', p.phone_formatted,
                                          'type', p.type, 'country', p.country, 'outbound_sms_blocked', false, 'tz_ids', '[]'::jsonb)
                       ORDER BY p.position) AS list
      FROM contact_phones p, cids WHERE p.organization_id = ${org} AND p.contact_id = ANY(cids.ids) GROUP BY p.contact_id
    ), ur AS (
      SELECT w.contact_id, jsonb_agg(jsonb_build_object('url', w.url, 'type', w.type) ORDER BY w.position) AS list
      FROM contact_urls w, cids WHERE w.organization_id = ${org} AND w.contact_id = ANY(cids.ids) GROUP BY w.contact_id
    ), su AS (
      SELECT s.contact_id,
             jsonb_agg(jsonb_build_object(
                 'subscription_id', s.id, 'sequence_id', s.sequence_id, 'sequence_name', q.name,
                 'sequence_status', q.status, 'subscription_status', s.status,
                 'subscription_status_reason', s.status_reason, 'contact_email', s.contact_email,
                 'initial_email_id', (SELECT st.activity_id FROM sequence_subscription_steps st
                                      WHERE st.organization_id = s.organization_id AND st.subscription_id = s.id
                                        AND st.activity_id IS NOT NULL
                                      ORDER BY st.date_created, st.position LIMIT 1),
                 'start_date', ${ts(sql.ref('s.start_date'))}, 'date_created', ${ts(sql.ref('s.date_created'))})
               ORDER BY s.date_created, s.id) AS list
      FROM sequence_subscriptions s
      JOIN sequences q ON q.id = s.sequence_id AND q.organization_id = s.organization_id, cids
      WHERE s.organization_id = ${org} AND s.contact_id = ANY(cids.ids) AND s.date_deleted IS NULL
      GROUP BY s.contact_id
    ), c AS MATERIALIZED (
      SELECT c.id, c.lead_id, c.name, c.date_created, c.emails, c.phones,
        (SELECT to_jsonb(o) FROM (SELECT
          c.id AS "id", c.organization_id AS "organization_id", c.lead_id AS "lead_id", c.name AS "name", c.title AS "title",
          coalesce(nullif(c.name, ''), nullif(c.emails -> 0 ->> 'email', ''), '') AS "display_name",
          c.emails AS "emails", c.phones AS "phones", c.urls AS "urls", '[]'::jsonb AS "integration_links",
          c.subscriptions AS "subscriptions", '[]'::jsonb AS "recent_calls", NULL::text AS "timezone",
          NULL::text AS "timezone_source", NULL::text AS "lead_suggestions_operation_id",
          c.created_by AS "created_by", c.updated_by AS "updated_by",
          ${ts(sql.ref('c.date_created'))} AS "date_created", ${ts(sql.ref('c.date_updated'))} AS "date_updated",
          cv.dict AS "custom"
        ) o) || cv.keys AS obj
      FROM (
        SELECT ct.*, coalesce(em.list, '[]'::jsonb) AS emails, coalesce(ph.list, '[]'::jsonb) AS phones,
               coalesce(ur.list, '[]'::jsonb) AS urls, coalesce(su.list, '[]'::jsonb) AS subscriptions
        FROM ct
        LEFT JOIN em ON em.contact_id = ct.id
        LEFT JOIN ph ON ph.contact_id = ct.id
        LEFT JOIN ur ON ur.contact_id = ct.id
        LEFT JOIN su ON su.contact_id = ct.id
      ) c
      ${customLateralSql(sql.ref('c.custom'), 'contact_fields', 'cv')}
    ), per_lead AS MATERIALIZED (
      -- What the lead object takes from its contacts, in their order (date_created, id).
      SELECT lead_id,
             jsonb_agg(id ORDER BY date_created, id) AS contact_ids,
             (array_agg(name ORDER BY date_created, id) FILTER (WHERE name <> ''))[1] AS first_name,
             (array_agg(emails -> 0 ORDER BY date_created, id) FILTER (WHERE jsonb_array_length(emails) > 0))[1] AS primary_email,
             (array_agg(phones -> 0 ORDER BY date_created, id) FILTER (WHERE jsonb_array_length(phones) > 0))[1] AS primary_phone
      FROM c GROUP BY lead_id
    ), ad AS MATERIALIZED (
      SELECT ad.lead_id,
             jsonb_agg(jsonb_build_object(
                 'label', ad.label, 'address_1', ad.address_1, 'address_2', ad.address_2, 'city', ad.city,
                 'state', ad.state, 'zipcode', ad.zipcode, 'country', ad.country, 'tz_ids', '[]'::jsonb)
               ORDER BY ad.position) AS list
      FROM addresses ad WHERE ad.organization_id = ${org} AND ad.lead_id = ANY(${ids}) GROUP BY ad.lead_id
    ), lo AS MATERIALIZED (
      SELECT l.id,
        (SELECT to_jsonb(o) FROM (SELECT
          l.id AS "id", l.name AS "name", coalesce(nullif(l.name, ''), pl.first_name, '') AS "display_name",
          l.description AS "description", l.url AS "url", l.status_id AS "status_id", ls.label AS "status_label",
          l.organization_id AS "organization_id", ${input.publicUrl}::text || '/lead/' || l.id || '/' AS "html_url",
          coalesce(pl.contact_ids, '[]'::jsonb) AS "contact_ids",
          coalesce(ad.list, '[]'::jsonb) AS "addresses",
          '[]'::jsonb AS "opportunities", '[]'::jsonb AS "tasks", '[]'::jsonb AS "integration_links",
          pl.primary_email AS "primary_email", pl.primary_phone AS "primary_phone",
          NULL::text AS "localtime", NULL::text AS "source", '[]'::jsonb AS "recent_calls", '[]'::jsonb AS "summaries",
          l.created_by AS "created_by", l.updated_by AS "updated_by",
          ${fullName('cu')} AS "created_by_name", ${fullName('uu')} AS "updated_by_name",
          ${ts(sql.ref('l.date_created'))} AS "date_created", ${ts(sql.ref('l.date_updated'))} AS "date_updated",
          lv.dict AS "custom"
        ) o) || lv.keys AS obj
      FROM leads l
      LEFT JOIN lead_statuses ls ON ls.id = l.status_id AND ls.organization_id = l.organization_id
      LEFT JOIN users cu ON cu.id = l.created_by AND cu.organization_id = l.organization_id
      LEFT JOIN users uu ON uu.id = l.updated_by AND uu.organization_id = l.organization_id
      LEFT JOIN per_lead pl ON pl.lead_id = l.id
      LEFT JOIN ad ON ad.lead_id = l.id
      ${customLateralSql(sql.ref('l.custom'), 'lead_fields', 'lv')}
      WHERE l.organization_id = ${org} AND l.id = ANY(${ids})
    )`;
}
