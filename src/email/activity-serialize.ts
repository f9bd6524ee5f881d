/** An email activity as `/activity/email/` shows it (Close's EmailActivity fields). */
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, EmailActivitiesTable } from '../db/schema.ts';
import { formatTimestamp } from '../time.ts';

export type ActivityRow = Selectable<EmailActivitiesTable> & {
  user_name?: string | null;
  created_by_name?: string | null;
  updated_by_name?: string | null;
  sequence_name?: string | null;
};

/** Activity rows of the organization with the user, creator and updater names and `sequence_name` joined. */
export function selectActivities(db: Kysely<Database>, organizationId: string) {
  return db
    .selectFrom('email_activities as a')
    .leftJoin('users as u', (join) => join.onRef('u.id', '=', 'a.user_id').onRef('u.organization_id', '=', 'a.organization_id'))
    .leftJoin('users as cu', (join) => join.onRef('cu.id', '=', 'a.created_by').onRef('cu.organization_id', '=', 'a.organization_id'))
    .leftJoin('users as uu', (join) => join.onRef('uu.id', '=', 'a.updated_by').onRef('uu.organization_id', '=', 'a.organization_id'))
    .leftJoin('sequences as s', (join) => join.onRef('s.id', '=', 'a.sequence_id').onRef('s.organization_id', '=', 'a.organization_id'))
    .selectAll('a')
    .select(sql<string | null>`nullif(trim(concat_ws(' ', u.first_name, u.last_name)), '')`.as('user_name'))
    .select(sql<string | null>`nullif(trim(concat_ws(' ', cu.first_name, cu.last_name)), '')`.as('created_by_name'))
    .select(sql<string | null>`nullif(trim(concat_ws(' ', uu.first_name, uu.last_name)), '')`.as('updated_by_name'))
    .select('s.name as sequence_name')
    .where('a.organization_id', '=', organizationId);
}

/** The Close representation of one activity. */
export function activityResponse(row: ActivityRow): Record<string, unknown> {
  const to = row.to_emails ?? [];
  const preview = row.body_text.replace(/\s+/g, ' ').trim().slice(0, 200);
  return {
    id: row.id,
    _type: 'Email',
    organization_id: row.organization_id,
    lead_id: row.lead_id,
    contact_id: row.contact_id,
    user_id: row.user_id,
    user_name: row.user_name ?? null,
    users: row.user_id ? [row.user_id] : [],
    direction: row.direction,
    status: row.status,
    subject: row.subject,
    body_text: row.body_text,
    body_html: row.body_html,
    body_preview: preview,
    sender: row.sender,
    to,
    cc: row.cc_emails ?? [],
    bcc: row.bcc_emails ?? [],
    template_id: row.template_id,
    template_name: row.template_name,
    bulk_email_action_id: row.bulk_email_action_id,
    sequence_id: row.sequence_id,
    sequence_name: row.sequence_name ?? null,
    sequence_subscription_id: row.sequence_subscription_id,
    followup_sequence_id: null,
    followup_sequence_delay: null,
    followup_sequence_add_cc_bcc: false,
    email_account_id: row.email_account_id,
    send_as_id: null,
    thread_id: row.thread_id,
    in_reply_to_id: row.in_reply_to_id,
    message_ids: [row.message_id],
    references: row.reference_ids ?? [],
    has_reply: false,
    opens: [],
    opens_summary: null,
    attachments: [],
    send_attempts: row.send_attempts ?? [],
    error_message: row.error_message,
    envelope: {
      from: [row.sender],
      to,
      cc: row.cc_emails ?? [],
      bcc: row.bcc_emails ?? [],
      subject: row.subject,
      message_id: row.message_id,
      in_reply_to: null,
      date: formatTimestamp(row.date_sent),
    },
    need_smtp_credentials: false,
    // Close's AI agent that wrote the email, if any: Sluice has none.
    agent_config_id: null,
    agent_action_reason: null,
    date_scheduled: formatTimestamp(row.date_scheduled),
    date_sent: formatTimestamp(row.date_sent),
    activity_at: formatTimestamp(row.activity_at),
    created_by: row.created_by,
    updated_by: row.updated_by,
    created_by_name: row.created_by_name ?? null,
    updated_by_name: row.updated_by_name ?? null,
    date_created: formatTimestamp(row.date_created),
    date_updated: formatTimestamp(row.date_updated),
  };
}
