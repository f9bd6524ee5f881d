/**
 * Kysely's view of the tables. Each domain that adds a migration adds its tables here, so typed
 * queries catch a renamed column at compile time.
 */
import type { ColumnType, Generated } from 'kysely';

/** A timestamptz: read as Date, written as Date or ISO string, defaulted by the database. */
export type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
export type Json<T = unknown> = ColumnType<T, string | T, string | T>;

export interface OrganizationsTable {
  id: string;
  organization_id: Generated<string>;
  name: string;
  currency: Generated<string>;
  created_by: string | null;
  updated_by: string | null;
  date_created: Timestamp;
  date_updated: Timestamp;
}

export interface UsersTable {
  id: string;
  organization_id: string;
  email: string;
  first_name: string | null;
  last_name: string | null;
  date_created: Timestamp;
  date_updated: Timestamp;
}

export interface ApiKeysTable {
  id: string;
  organization_id: string;
  user_id: string;
  key_hash: Buffer;
  date_created: Timestamp;
}

export interface LeadStatusesTable {
  id: string;
  organization_id: string;
  label: string;
  position: number;
  date_created: Timestamp;
  date_updated: Timestamp;
}

export interface CustomFieldsTable {
  id: string;
  organization_id: string;
  object_type: 'lead' | 'contact';
  name: string;
  description: string | null;
  type: string;
  choices: Json<string[] | null> | null;
  accepts_multiple_values: Generated<boolean>;
  editable_with_roles: Json<string[]>;
  created_by: string | null;
  updated_by: string | null;
  date_created: Timestamp;
  date_updated: Timestamp;
}

export interface LeadsTable {
  id: string;
  organization_id: string;
  name: string | null;
  description: string | null;
  url: string | null;
  status_id: string;
  custom: Json<Record<string, unknown>>;
  created_by: string | null;
  updated_by: string | null;
  date_created: Timestamp;
  date_updated: Timestamp;
}

export interface ContactsTable {
  id: string;
  organization_id: string;
  lead_id: string;
  name: string | null;
  title: string | null;
  custom: Json<Record<string, unknown>>;
  created_by: string | null;
  updated_by: string | null;
  date_created: Timestamp;
  date_updated: Timestamp;
}

export interface ContactEmailsTable {
  id: Generated<string>;
  organization_id: string;
  contact_id: string;
  lead_id: string;
  position: number;
  email: string;
  type: string;
}

export interface ContactPhonesTable {
  id: Generated<string>;
  organization_id: string;
  contact_id: string;
  lead_id: string;
  position: number;
  phone: string;
  /** formatPhone(phone), stored when written (migration 0018). */
  phone_formatted: string;
  country: string | null;
  type: string;
}

export interface ContactUrlsTable {
  id: Generated<string>;
  organization_id: string;
  contact_id: string;
  lead_id: string;
  position: number;
  url: string;
  type: string;
}

export interface AddressesTable {
  id: Generated<string>;
  organization_id: string;
  lead_id: string;
  position: number;
  label: string | null;
  address_1: string | null;
  address_2: string | null;
  city: string | null;
  state: string | null;
  zipcode: string | null;
  country: string | null;
}

export interface UnsubscribedEmailsTable {
  organization_id: string;
  email: string;
  date_created: Timestamp;
}

export interface EventsTable {
  id: string;
  organization_id: string;
  object_type: string;
  object_id: string;
  lead_id: string | null;
  action: string;
  user_id: string | null;
  api_key_id: string | null;
  request_id: string | null;
  changed_fields: Json<string[]>;
  data: Json<unknown> | null;
  previous_data: Json<unknown> | null;
  meta: Json<Record<string, unknown>>;
  date_created: Timestamp;
  date_updated: Timestamp;
}

export interface SequencesTable {
  id: string;
  organization_id: string;
  name: string;
  status: 'active' | 'paused' | 'draft';
  timezone: string;
  schedule: Json<{ ranges: { weekday: number; start: string; end: string }[] } | null> | null;
  created_by_id: string | null;
  updated_by_id: string | null;
  date_created: Timestamp;
  date_updated: Timestamp;
}

export interface SequenceStepsTable {
  id: string;
  organization_id: string;
  sequence_id: string;
  position: number;
  step_type: 'email' | 'call';
  delay: number;
  email_template_id: string | null;
  threading: 'old_thread' | 'new_thread' | null;
  required: boolean;
  step_allowed_delay: number | null;
  created_by_id: string | null;
  updated_by_id: string | null;
  date_created: Timestamp;
  date_updated: Timestamp;
}

export interface SequenceSubscriptionsTable {
  id: string;
  organization_id: string;
  sequence_id: string;
  contact_id: string;
  lead_id: string;
  contact_email: string;
  sender_account_id: string;
  sender_name: string;
  sender_email: string;
  calls_assigned_to: Json<string[] | null> | null;
  status: 'active' | 'paused' | 'finished' | 'goal' | 'error';
  status_reason: string | null;
  error_message: string | null;
  start_date: Timestamp;
  date_last_step: Timestamp | null;
  next_step_at: Timestamp | null;
  date_finished: Timestamp | null;
  date_deleted: Timestamp | null;
  created_by_id: string | null;
  updated_by_id: string | null;
  date_created: Timestamp;
  date_updated: Timestamp;
}

export interface SequenceSubscriptionStepsTable {
  organization_id: string;
  subscription_id: string;
  step_id: string;
  position: number;
  outcome: 'sent' | 'skipped';
  reason: string | null;
  activity_id: string | null;
  date_created: Timestamp;
}

/** A jsonb column the database defaults: optional on insert. */
export type JsonDefault<T> = ColumnType<T, string | T | undefined, string | T>;

export interface ConnectedAccountsTable {
  id: string;
  organization_id: string;
  user_id: string;
  type: Generated<'custom_email'>;
  email: string;
  identities: JsonDefault<{ email: string; name: string | null }[]>;
  smtp_host: string | null;
  smtp_port: number | null;
  smtp_use_ssl: Generated<boolean>;
  smtp_require_tls: Generated<boolean>;
  smtp_username: string | null;
  smtp_password: string | null;
  hourly_limit: number | null;
  daily_limit: number | null;
  min_delay_seconds: Generated<number>;
  send_ready_at: Generated<Date>;
  latest_send_error: string | null;
  date_created: Timestamp;
  date_updated: Timestamp;
}

export interface EmailSendLedgerTable {
  account_id: string;
  organization_id: string;
  activity_id: string;
  sent_at: Date | string;
}

export interface EmailTemplatesTable {
  id: string;
  organization_id: string;
  name: string;
  subject: string;
  body: string;
  is_shared: Generated<boolean>;
  is_archived: Generated<boolean>;
  attachments: JsonDefault<unknown[]>;
  created_by: string | null;
  updated_by: string | null;
  date_created: Timestamp;
  date_updated: Timestamp;
}

export type EmailStatus = 'outbox' | 'sending' | 'sent' | 'error' | 'unknown';

export interface EmailActivitiesTable {
  id: string;
  organization_id: string;
  lead_id: string;
  contact_id: string | null;
  user_id: string | null;
  direction: Generated<string>;
  status: EmailStatus;
  subject: string;
  body_html: string;
  body_text: string;
  sender: string;
  recipient_email: string;
  to_emails: Json<string[]>;
  cc_emails: JsonDefault<string[]>;
  bcc_emails: JsonDefault<string[]>;
  template_id: string | null;
  template_name: string | null;
  bulk_email_action_id: string | null;
  sequence_id: string | null;
  sequence_subscription_id: string | null;
  email_account_id: string;
  thread_id: string;
  in_reply_to_id: string | null;
  message_id: string;
  reference_ids: JsonDefault<string[]>;
  send_attempts: JsonDefault<Record<string, unknown>[]>;
  error_message: string | null;
  next_attempt_at: Date | string;
  claimed_by: string | null;
  lease_expires_at: Date | string | null;
  date_scheduled: Date | string | null;
  date_sent: Date | string | null;
  created_by: string | null;
  updated_by: string | null;
  activity_at: Timestamp;
  date_created: Timestamp;
  date_updated: Timestamp;
}

export interface AppSecretsTable {
  name: string;
  value: string;
  date_created: Timestamp;
}

export interface BulkActionsTable {
  id: string;
  organization_id: string;
  kind: 'edit' | 'delete' | 'email' | 'sequence_subscription' | 'export';
  status: 'created' | 'loading' | 'processing' | 'done' | 'paused' | 'resuming' | 'error' | 'cancelled';
  params: Json<Record<string, unknown>>;
  s_query: Json<unknown>;
  sort: Json<unknown[]>;
  results_limit: number | null;
  tz_offset_minutes: Generated<number>;
  send_done_email: Generated<boolean>;
  n_leads: number | null;
  n_leads_processed: Generated<number>;
  n_objects: number | null;
  n_objects_processed: Generated<number>;
  date_paused: Date | null;
  error_message: string | null;
  locked_by: string | null;
  locked_until: Date | null;
  done_email_state: 'pending' | 'sending' | 'sent' | 'failed' | null;
  done_email_attempts: Generated<number>;
  done_email_error: string | null;
  done_email_sent_at: Date | null;
  created_by: string | null;
  updated_by: string | null;
  date_created: Timestamp;
  date_updated: Timestamp;
}

export interface BulkActionItemsTable {
  organization_id: string;
  action_id: string;
  position: number;
  lead_id: string;
  status: Generated<'pending' | 'done' | 'skipped' | 'failed'>;
  reason: string | null;
  n_objects: Generated<number>;
  date_updated: Date | null;
}

/** A bigint column as pg returns it (a string), written from numbers; defaulted on insert. */
type Int8Counter = ColumnType<string, number | undefined, number>;

/** The file of an export (migration 0013; src/exports/export-file.ts). */
export interface ExportFilesTable {
  organization_id: string;
  action_id: string;
  columns: Json<unknown[]> | null;
  bytes: Int8Counter;
  crc32: Int8Counter;
  raw_bytes: Int8Counter;
  started: Generated<boolean>;
  n_rows: Int8Counter;
  date_finished: Date | null;
  date_removed: Date | null;
}

export interface SavedSearchesTable {
  id: string;
  organization_id: string;
  user_id: string | null;
  name: string;
  description: string | null;
  type: string;
  s_query: Json<Record<string, unknown>>;
  /** The legacy search string, as sent (0014); NULL when the Smart View was created without one. */
  query: string | null;
  is_shared: Generated<boolean>;
  created_by: string | null;
  updated_by: string | null;
  date_created: Timestamp;
  date_updated: Timestamp;
}

/** One webhook event entry as stored: `{object_type, action, extra_filter?}`. */
export interface WebhookEventSpec {
  readonly object_type: string;
  readonly action: string;
  readonly extra_filter?: unknown;
}

export interface WebhooksTable {
  id: string;
  organization_id: string;
  url: string;
  events: Json<WebhookEventSpec[]>;
  verify_ssl: Generated<boolean>;
  status: Generated<'active' | 'paused'>;
  status_reason: string | null;
  date_paused: Timestamp | null;
  signature_key: string;
  created_by: string | null;
  updated_by: string | null;
  date_created: Timestamp;
  date_updated: Timestamp;
  failing_since: Timestamp | null;
  last_error: string | null;
  backlog_from: ColumnType<number, number | undefined, number>;
  /** Inbox rows above this one count towards the backlog (0019; the same role as backlog_from). */
  inbox_backlog_from: ColumnType<number, number | undefined, number>;
  claimed_by: string | null;
  lease_expires_at: Timestamp | null;
}

export interface WebhookDeliveriesTable {
  /** bigserial (read as a number: src/db/database.ts). */
  id: ColumnType<number, never, never>;
  webhook_id: string;
  organization_id: string;
  event_id: string;
  status: Generated<'pending' | 'sending' | 'delivered' | 'failed' | 'filtered' | 'expired'>;
  attempts: Generated<number>;
  next_attempt_at: Timestamp;
  first_attempt_at: Timestamp | null;
  claimed_by: string | null;
  attempt_log: Json<WebhookAttempt[]>;
  date_created: Timestamp;
  date_done: Timestamp | null;
}

/**
 * One event statement's matching events for one subscription, waiting to become deliveries
 * (0019: src/webhooks/drain-inbox.ts). Written only by the fan-out trigger.
 */
export interface WebhookInboxTable {
  /** bigserial (read as a number: src/db/database.ts). */
  id: ColumnType<number, never, never>;
  webhook_id: string;
  organization_id: string;
  /** In the log's order (date_updated, id). */
  event_ids: string[];
  /** The events' first date_updated: the drain's order (migration 0021). */
  first_at: Generated<Date>;
  date_created: Generated<Date>;
}

/** One attempt in a delivery's log. */
export interface WebhookAttempt {
  readonly date: string;
  readonly status_code: number | null;
  readonly latency_ms: number;
  readonly error: string | null;
}

export interface Database {
  organizations: OrganizationsTable;
  users: UsersTable;
  api_keys: ApiKeysTable;
  lead_statuses: LeadStatusesTable;
  custom_fields: CustomFieldsTable;
  leads: LeadsTable;
  contacts: ContactsTable;
  contact_emails: ContactEmailsTable;
  contact_phones: ContactPhonesTable;
  contact_urls: ContactUrlsTable;
  addresses: AddressesTable;
  unsubscribed_emails: UnsubscribedEmailsTable;
  events: EventsTable;
  saved_searches: SavedSearchesTable;
  bulk_actions: BulkActionsTable;
  bulk_action_items: BulkActionItemsTable;
  export_files: ExportFilesTable;
  connected_accounts: ConnectedAccountsTable;
  email_send_ledger: EmailSendLedgerTable;
  email_templates: EmailTemplatesTable;
  email_activities: EmailActivitiesTable;
  app_secrets: AppSecretsTable;
  sequences: SequencesTable;
  sequence_steps: SequenceStepsTable;
  sequence_subscriptions: SequenceSubscriptionsTable;
  sequence_subscription_steps: SequenceSubscriptionStepsTable;
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_inbox: WebhookInboxTable;
}
