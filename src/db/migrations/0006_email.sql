-- Email: sender accounts, templates, the outbox (one email activity per message), the per-account
-- send ledger that sending limits are counted from, and the database's signing secret.

CREATE TABLE connected_accounts (
  id text PRIMARY KEY,
  organization_id text NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  type text NOT NULL DEFAULT 'custom_email' CHECK (type IN ('custom_email')),
  email text NOT NULL,
  identities jsonb NOT NULL DEFAULT '[]',
  -- No smtp_host: the account delivers to the local outbox (.eml files under DATA_DIR/outbox).
  smtp_host text,
  smtp_port integer,
  smtp_use_ssl boolean NOT NULL DEFAULT false,
  smtp_username text,
  -- Write-only through the API; kept in clear because SMTP AUTH needs it back.
  smtp_password text,
  hourly_limit integer,
  daily_limit integer,
  min_delay_seconds integer NOT NULL DEFAULT 0,
  -- Earliest moment the account may claim more mail (minimum delay, or a limit reached). Written
  -- only under the row lock every claim takes, so it holds across worker processes.
  send_ready_at timestamptz NOT NULL DEFAULT '-infinity',
  latest_send_error text,
  date_created timestamptz NOT NULL DEFAULT now(),
  date_updated timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX connected_accounts_org_idx ON connected_accounts (organization_id, user_id, date_created, id);

-- One row per message claimed for sending, per account: hourly and daily limits count rows of the
-- last hour / day. Rows older than a day are pruned by the delivery worker.
CREATE TABLE email_send_ledger (
  account_id text NOT NULL,
  organization_id text NOT NULL,
  activity_id text NOT NULL,
  sent_at timestamptz NOT NULL,
  PRIMARY KEY (account_id, sent_at, activity_id)
);

CREATE TABLE email_templates (
  id text PRIMARY KEY,
  organization_id text NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  name text NOT NULL,
  subject text NOT NULL DEFAULT '',
  body text NOT NULL DEFAULT '',
  is_shared boolean NOT NULL DEFAULT false,
  is_archived boolean NOT NULL DEFAULT false,
  attachments jsonb NOT NULL DEFAULT '[]',
  created_by text,
  updated_by text,
  date_created timestamptz NOT NULL DEFAULT now(),
  date_updated timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX email_templates_org_idx ON email_templates (organization_id, date_created, id);

-- Status: outbox -> sending -> sent | error | outbox (transient failure, retried later) | unknown
-- (the worker died mid-send; never re-sent automatically). See src/email/delivery-worker.ts.
CREATE TABLE email_activities (
  id text PRIMARY KEY,
  organization_id text NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  lead_id text NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
  contact_id text,
  user_id text,
  direction text NOT NULL DEFAULT 'outgoing',
  status text NOT NULL CHECK (status IN ('outbox', 'sending', 'sent', 'error', 'unknown')),
  subject text NOT NULL,
  body_html text NOT NULL,
  body_text text NOT NULL,
  sender text NOT NULL,
  -- Lower-cased first recipient: the unit of "at most once per (action, address)".
  recipient_email text NOT NULL,
  to_emails jsonb NOT NULL,
  cc_emails jsonb NOT NULL DEFAULT '[]',
  bcc_emails jsonb NOT NULL DEFAULT '[]',
  template_id text,
  template_name text,
  bulk_email_action_id text,
  sequence_id text,
  sequence_subscription_id text,
  email_account_id text NOT NULL,
  thread_id text NOT NULL,
  in_reply_to_id text,
  message_id text NOT NULL,
  reference_ids jsonb NOT NULL DEFAULT '[]',
  send_attempts jsonb NOT NULL DEFAULT '[]',
  error_message text,
  next_attempt_at timestamptz NOT NULL,
  claimed_by text,
  lease_expires_at timestamptz,
  date_scheduled timestamptz,
  date_sent timestamptz,
  created_by text,
  updated_by text,
  activity_at timestamptz NOT NULL DEFAULT now(),
  date_created timestamptz NOT NULL DEFAULT now(),
  date_updated timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX email_activities_org_date_idx ON email_activities (organization_id, date_created, id);
CREATE INDEX email_activities_org_lead_idx ON email_activities (organization_id, lead_id, date_created, id);
CREATE INDEX email_activities_org_contact_idx ON email_activities (organization_id, contact_id, date_created, id)
  WHERE contact_id IS NOT NULL;
CREATE INDEX email_activities_org_subscription_idx ON email_activities (organization_id, sequence_subscription_id)
  WHERE sequence_subscription_id IS NOT NULL;
-- At most one message per (bulk email, address), whatever happens to the batches.
CREATE UNIQUE INDEX email_activities_bulk_recipient_idx
  ON email_activities (organization_id, bulk_email_action_id, recipient_email)
  WHERE bulk_email_action_id IS NOT NULL;
-- The delivery claim: due outbox mail of one account, oldest first.
CREATE INDEX email_activities_claim_idx ON email_activities (email_account_id, next_attempt_at, id)
  WHERE status = 'outbox';
-- The reaper: sends whose worker's lease lapsed.
CREATE INDEX email_activities_lease_idx ON email_activities (lease_expires_at) WHERE status = 'sending';

-- Per-database secrets (the unsubscribe-link key when SECRET_KEY is unset), generated once.
CREATE TABLE app_secrets (
  name text PRIMARY KEY,
  value text NOT NULL,
  date_created timestamptz NOT NULL DEFAULT now()
);
