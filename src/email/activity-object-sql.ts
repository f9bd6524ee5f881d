/**
 * The `activity.email` object as `/activity/email/` serialises it (activityResponse in
 * activity-serialize.ts), built by PostgreSQL from an email_activities row, for the events that
 * statements write set-wise: a deleted lead's emails (leads/delete-event-sql.ts) and the outbox's
 * `created` events (enqueue.ts). test/leads/delete-event-data.test.ts and
 * test/email/created-event-data.test.ts hold it to the serializer key by key.
 */
import { sql, type RawBuilder } from 'kysely';
import { list, ts } from '../events/json-sql.ts';

/**
 * What JavaScript's `\s` matches (WhiteSpace and LineTerminator), for `body_preview`: the preview is
 * `body_text.replace(/\s+/g, ' ').trim().slice(0, 200)`. Passed as a parameter so that PostgreSQL's
 * regex engine reads the escapes, whatever its locale thinks `\s` is.
 */
const JS_WHITESPACE = '[\\t\\n\\u000b\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]+';
/** Characters outside the BMP: two UTF-16 code units each in JavaScript's `slice`. */
const ASTRAL = '[\\U00010000-\\U0010ffff]';
const NOT_ASTRAL = '[^\\U00010000-\\U0010ffff]';
/** activityJoinsSql's alias for the collapsed body text. */
const PREVIEW_ALIAS = 'bp';

/**
 * The first 200 UTF-16 code units of `text`, as JavaScript's `slice(0, 200)`. Without characters
 * outside the BMP among the first 200 that is `left(text, 200)`; with some, the longest prefix that
 * fits (JavaScript would keep half a surrogate pair, which no jsonb can hold: the old path failed
 * there, this one stops before the pair).
 */
function utf16Slice200(text: RawBuilder<string>): RawBuilder<string> {
  return sql`CASE WHEN left(${text}, 200) !~ ${ASTRAL} THEN left(${text}, 200)
    ELSE (SELECT left(${text}, max(k)) FROM generate_series(0, 200) k
          WHERE k + length(regexp_replace(left(${text}, k), ${NOT_ASTRAL}, '', 'g')) <= 200) END`;
}

/**
 * The object of the email_activities row `alias` (a table or a CTE with its columns), which
 * `activityJoinsSql(alias)` must join with the names it shows.
 *
 * A row of named columns turned into jsonb at once, not jsonb_build_object: its 100 arguments hold
 * only 50 keys, so the object was two of them merged with `||`, each built, serialised and read
 * back. 1,000 objects, rolled back, measured back to back: 118 against 146 ms.
 */
export function activityObjectSql(alias: string): RawBuilder<unknown> {
  const col = (column: string) => sql.ref(`${alias}.${column}`);
  const a = sql.table(alias);
  return sql`(SELECT to_jsonb(o) FROM (SELECT
          ${a}.id AS "id", 'Email' AS "_type", ${a}.organization_id AS "organization_id", ${a}.lead_id AS "lead_id",
          ${a}.contact_id AS "contact_id", ${a}.user_id AS "user_id",
          nullif(trim(concat_ws(' ', u.first_name, u.last_name)), '') AS "user_name",
          CASE WHEN coalesce(${a}.user_id, '') <> '' THEN jsonb_build_array(${a}.user_id) ELSE '[]'::jsonb END AS "users",
          ${a}.direction AS "direction", ${a}.status AS "status", ${a}.subject AS "subject", ${a}.body_text AS "body_text",
          ${a}.body_html AS "body_html",
          ${utf16Slice200(sql.ref(`${PREVIEW_ALIAS}.collapsed`))} AS "body_preview",
          ${a}.sender AS "sender", ${list(col('to_emails'))} AS "to", ${list(col('cc_emails'))} AS "cc", ${list(col('bcc_emails'))} AS "bcc",
          ${a}.template_id AS "template_id", ${a}.template_name AS "template_name", ${a}.bulk_email_action_id AS "bulk_email_action_id",
          ${a}.sequence_id AS "sequence_id", sq.name AS "sequence_name", ${a}.sequence_subscription_id AS "sequence_subscription_id",
          NULL::text AS "followup_sequence_id", NULL::text AS "followup_sequence_delay", false AS "followup_sequence_add_cc_bcc",
          ${a}.email_account_id AS "email_account_id", NULL::text AS "send_as_id", ${a}.thread_id AS "thread_id",
          ${a}.in_reply_to_id AS "in_reply_to_id", jsonb_build_array(${a}.message_id) AS "message_ids",
          ${list(col('reference_ids'))} AS "references", false AS "has_reply", '[]'::jsonb AS "opens", NULL::text AS "opens_summary",
          '[]'::jsonb AS "attachments", ${list(col('send_attempts'))} AS "send_attempts", ${a}.error_message AS "error_message",
          jsonb_build_object(
            'from', jsonb_build_array(${a}.sender), 'to', ${list(col('to_emails'))}, 'cc', ${list(col('cc_emails'))},
            'bcc', ${list(col('bcc_emails'))}, 'subject', ${a}.subject, 'message_id', ${a}.message_id, 'in_reply_to', NULL::text,
            'date', ${ts(col('date_sent'))}) AS "envelope",
          false AS "need_smtp_credentials", NULL::text AS "agent_config_id", NULL::text AS "agent_action_reason",
          ${ts(col('date_scheduled'))} AS "date_scheduled", ${ts(col('date_sent'))} AS "date_sent",
          ${ts(col('activity_at'))} AS "activity_at", ${a}.created_by AS "created_by", ${a}.updated_by AS "updated_by",
          nullif(trim(concat_ws(' ', acu.first_name, acu.last_name)), '') AS "created_by_name",
          nullif(trim(concat_ws(' ', auu.first_name, auu.last_name)), '') AS "updated_by_name",
          ${ts(col('date_created'))} AS "date_created", ${ts(col('date_updated'))} AS "date_updated"
        ) o)`;
}

/**
 * The LEFT JOINs `activityObjectSql(alias)` reads names from (users and sequences, aliases u, acu,
 * auu, sq), and the body text with its whitespace collapsed, for `body_preview` (alias bp).
 *
 * Why the collapsed text is a join of its own: utf16Slice200 reads its argument up to three times,
 * and as an expression inside the object the regexp_replace over the whole body ran each time.
 * `OFFSET 0` keeps PostgreSQL from pulling the subquery up into the expression again, so it runs
 * once a row: the object of 1,000 activities measured 187 ms with it inline (the preview alone 60 ms,
 * of which the regexp once 31 ms).
 */
export function activityJoinsSql(alias: string): RawBuilder<unknown> {
  const a = sql.table(alias);
  return sql`LEFT JOIN users u ON u.id = ${a}.user_id AND u.organization_id = ${a}.organization_id
      LEFT JOIN users acu ON acu.id = ${a}.created_by AND acu.organization_id = ${a}.organization_id
      LEFT JOIN users auu ON auu.id = ${a}.updated_by AND auu.organization_id = ${a}.organization_id
      LEFT JOIN sequences sq ON sq.id = ${a}.sequence_id AND sq.organization_id = ${a}.organization_id
      CROSS JOIN LATERAL (SELECT btrim(regexp_replace(${a}.body_text, ${JS_WHITESPACE}, ' ', 'g'), ' ') AS collapsed OFFSET 0) ${sql.table(PREVIEW_ALIAS)}`;
}
