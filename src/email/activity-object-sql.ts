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
 */
export function activityObjectSql(alias: string): RawBuilder<unknown> {
  const col = (column: string) => sql.ref(`${alias}.${column}`);
  const a = sql.table(alias);
  return sql`jsonb_build_object(
          'id', ${a}.id, '_type', 'Email', 'organization_id', ${a}.organization_id, 'lead_id', ${a}.lead_id,
          'contact_id', ${a}.contact_id, 'user_id', ${a}.user_id,
          'user_name', nullif(trim(concat_ws(' ', u.first_name, u.last_name)), ''),
          'users', CASE WHEN coalesce(${a}.user_id, '') <> '' THEN jsonb_build_array(${a}.user_id) ELSE '[]'::jsonb END,
          'direction', ${a}.direction, 'status', ${a}.status, 'subject', ${a}.subject, 'body_text', ${a}.body_text,
          'body_html', ${a}.body_html,
          'body_preview', ${utf16Slice200(sql.ref(`${PREVIEW_ALIAS}.collapsed`))},
          'sender', ${a}.sender, 'to', ${list(col('to_emails'))}, 'cc', ${list(col('cc_emails'))}, 'bcc', ${list(col('bcc_emails'))},
          'template_id', ${a}.template_id, 'template_name', ${a}.template_name, 'bulk_email_action_id', ${a}.bulk_email_action_id,
          'sequence_id', ${a}.sequence_id, 'sequence_name', sq.name, 'sequence_subscription_id', ${a}.sequence_subscription_id,
          'followup_sequence_id', NULL::text, 'followup_sequence_delay', NULL::text, 'followup_sequence_add_cc_bcc', false
        ) || jsonb_build_object(
          'email_account_id', ${a}.email_account_id, 'send_as_id', NULL::text, 'thread_id', ${a}.thread_id,
          'in_reply_to_id', ${a}.in_reply_to_id, 'message_ids', jsonb_build_array(${a}.message_id),
          'references', ${list(col('reference_ids'))}, 'has_reply', false, 'opens', '[]'::jsonb, 'opens_summary', NULL::text,
          'attachments', '[]'::jsonb, 'send_attempts', ${list(col('send_attempts'))}, 'error_message', ${a}.error_message,
          'envelope', jsonb_build_object(
            'from', jsonb_build_array(${a}.sender), 'to', ${list(col('to_emails'))}, 'cc', ${list(col('cc_emails'))},
            'bcc', ${list(col('bcc_emails'))}, 'subject', ${a}.subject, 'message_id', ${a}.message_id, 'in_reply_to', NULL::text,
            'date', ${ts(col('date_sent'))}),
          'need_smtp_credentials', false, 'agent_config_id', NULL::text, 'agent_action_reason', NULL::text,
          'date_scheduled', ${ts(col('date_scheduled'))}, 'date_sent', ${ts(col('date_sent'))},
          'activity_at', ${ts(col('activity_at'))}, 'created_by', ${a}.created_by, 'updated_by', ${a}.updated_by,
          'created_by_name', nullif(trim(concat_ws(' ', acu.first_name, acu.last_name)), ''),
          'updated_by_name', nullif(trim(concat_ws(' ', auu.first_name, auu.last_name)), ''),
          'date_created', ${ts(col('date_created'))}, 'date_updated', ${ts(col('date_updated'))}
        )`;
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
