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

export interface BulkActionsTable {
  id: string;
  organization_id: string;
  kind: 'edit' | 'delete' | 'email' | 'sequence_subscription';
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
  bulk_actions: BulkActionsTable;
  bulk_action_items: BulkActionItemsTable;
  sequences: SequencesTable;
  sequence_steps: SequenceStepsTable;
  sequence_subscriptions: SequenceSubscriptionsTable;
  sequence_subscription_steps: SequenceSubscriptionStepsTable;
}
