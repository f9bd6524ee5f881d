-- Sequences (Close's "workflows"), their steps, the subscriptions of contacts to them, and the log of
-- steps each subscription has run. The scheduler claims due subscriptions through the partial index on
-- next_step_at; everything a request reads leads with organization_id.
--
-- No foreign keys to email_templates / connected_accounts (migration 0006): a template deleted under a
-- running sequence is an outcome the scheduler records on the subscription (status error), not a
-- constraint that blocks the deletion.

CREATE TABLE sequences (
  id text PRIMARY KEY,
  organization_id text NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  name text NOT NULL,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'draft')),
  timezone text NOT NULL DEFAULT 'UTC',
  -- {"ranges": [{"weekday": 1..7 (ISO, Monday = 1), "start": "HH:MM", "end": "HH:MM"}]} or null (any time).
  schedule jsonb,
  created_by_id text,
  updated_by_id text,
  date_created timestamptz NOT NULL DEFAULT now(),
  date_updated timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sequences_org_idx ON sequences (organization_id, date_created, id);

CREATE TABLE sequence_steps (
  id text PRIMARY KEY,
  organization_id text NOT NULL,
  sequence_id text NOT NULL REFERENCES sequences(id) ON DELETE CASCADE,
  position integer NOT NULL,
  step_type text NOT NULL CHECK (step_type IN ('email', 'call')),
  -- Seconds after the previous step (after the subscription's start for the first step).
  delay integer NOT NULL DEFAULT 0 CHECK (delay >= 0),
  email_template_id text,
  threading text CHECK (threading IN ('old_thread', 'new_thread')),
  required boolean NOT NULL DEFAULT false,
  step_allowed_delay integer,
  created_by_id text,
  updated_by_id text,
  date_created timestamptz NOT NULL DEFAULT now(),
  date_updated timestamptz NOT NULL DEFAULT now(),
  CHECK (step_type <> 'email' OR email_template_id IS NOT NULL)
);
CREATE INDEX sequence_steps_org_seq_idx ON sequence_steps (organization_id, sequence_id, position);

CREATE TABLE sequence_subscriptions (
  id text PRIMARY KEY,
  organization_id text NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  sequence_id text NOT NULL REFERENCES sequences(id) ON DELETE CASCADE,
  contact_id text NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
  lead_id text NOT NULL,
  contact_email text NOT NULL,
  sender_account_id text NOT NULL,
  sender_name text NOT NULL,
  sender_email text NOT NULL,
  calls_assigned_to jsonb,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'finished', 'goal', 'error')),
  status_reason text CHECK (status_reason IN (
    'manual', 'pending-call-timed-out', 'bulk-action', 'rate-limited', 'sequence-deleted', 'workflow-paused',
    'filter-not-matched', 'reply-received', 'call-answered', 'meeting-booked', 'lead-status-changed',
    'outcome-met', 'account-invalid', 'account-failures', 'sending-throttled-too-long', 'membership-inactive',
    'send-as-error', 'email-bounced', 'call-failed', 'sms-failed', 'no-user-phone', 'billing-error',
    'assignment-field-invalid', 'lead-status-field-invalid', 'assignees-missing', 'run-as-disabled',
    'lead-not-visible', 'internal-error', 'field-mapping-error', 'filter-config-invalid',
    'email-ai-generation-failed')),
  -- Why the subscription stopped, in words (extension; Close has only the enum).
  error_message text,
  start_date timestamptz NOT NULL,
  -- When the last step ran (sent or skipped); the next step's delay counts from here. Which steps ran
  -- is in sequence_subscription_steps.
  date_last_step timestamptz,
  -- When the next step is due (already moved into the sequence's schedule); null unless active.
  next_step_at timestamptz,
  date_finished timestamptz,
  -- DELETE hides a subscription but keeps the row: "subscribe only contacts never subscribed" must
  -- still see it.
  date_deleted timestamptz,
  created_by_id text,
  updated_by_id text,
  date_created timestamptz NOT NULL DEFAULT now(),
  date_updated timestamptz NOT NULL DEFAULT now()
);
-- One subscription per (sequence, contact), ever: the bulk "subscribe" relies on it to be idempotent.
CREATE UNIQUE INDEX sequence_subscriptions_org_seq_contact_uidx
  ON sequence_subscriptions (organization_id, sequence_id, contact_id);
CREATE INDEX sequence_subscriptions_org_contact_idx ON sequence_subscriptions (organization_id, contact_id);
CREATE INDEX sequence_subscriptions_org_lead_idx ON sequence_subscriptions (organization_id, lead_id);
CREATE INDEX sequence_subscriptions_org_seq_status_idx ON sequence_subscriptions (organization_id, sequence_id, status);
-- The scheduler's queue: only active, visible subscriptions, ordered by due time, across organizations.
CREATE INDEX sequence_subscriptions_due_idx ON sequence_subscriptions (next_step_at)
  WHERE status = 'active' AND date_deleted IS NULL;

-- Each step a subscription has run, once: the primary key is what makes "a crash never sends a step
-- twice" hold even if two workers raced past the row lock.
CREATE TABLE sequence_subscription_steps (
  organization_id text NOT NULL,
  subscription_id text NOT NULL REFERENCES sequence_subscriptions(id) ON DELETE CASCADE,
  step_id text NOT NULL,
  position integer NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('sent', 'skipped')),
  reason text,
  activity_id text,
  date_created timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (subscription_id, step_id)
);
CREATE INDEX sequence_subscription_steps_org_idx ON sequence_subscription_steps (organization_id, subscription_id);

-- Rendering a step's template loads the lead's contacts and their emails by lead (loadLeadData,
-- src/email/recipient-data.ts); without this index that is a scan of the organization's emails per
-- step sent (17 ms at 50,000 emails, growing linearly).
CREATE INDEX IF NOT EXISTS contact_emails_org_lead_idx ON contact_emails (organization_id, lead_id);
