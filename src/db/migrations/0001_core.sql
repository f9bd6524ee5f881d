-- Core tables: tenants, people, keys, and the objects bulk actions act on.
-- Every table carries organization_id and its indexes lead with it, so that every query a request
-- makes is confined to one organization by an index prefix.

CREATE TABLE organizations (
  id text PRIMARY KEY,
  organization_id text GENERATED ALWAYS AS (id) STORED,
  name text NOT NULL,
  currency text NOT NULL DEFAULT 'USD',
  created_by text,
  updated_by text,
  date_created timestamptz NOT NULL DEFAULT now(),
  date_updated timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
  id text PRIMARY KEY,
  organization_id text NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  email text NOT NULL,
  first_name text,
  last_name text,
  date_created timestamptz NOT NULL DEFAULT now(),
  date_updated timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX users_org_idx ON users (organization_id, id);

CREATE TABLE api_keys (
  id text PRIMARY KEY,
  organization_id text NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  -- SHA-256 of the key. Keys are 256-bit random strings, so a fast hash is enough: there is
  -- nothing to brute-force, and a slow hash would cost every request.
  key_hash bytea NOT NULL UNIQUE,
  date_created timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX api_keys_org_idx ON api_keys (organization_id, user_id);

CREATE TABLE lead_statuses (
  id text PRIMARY KEY,
  organization_id text NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  label text NOT NULL,
  position integer NOT NULL,
  date_created timestamptz NOT NULL DEFAULT now(),
  date_updated timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX lead_statuses_org_idx ON lead_statuses (organization_id, position, id);

CREATE TABLE custom_fields (
  id text PRIMARY KEY,
  organization_id text NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  object_type text NOT NULL CHECK (object_type IN ('lead', 'contact')),
  name text NOT NULL,
  description text,
  type text NOT NULL CHECK (type IN ('text', 'number', 'date', 'datetime', 'choices', 'user', 'contact', 'hidden')),
  choices jsonb,
  accepts_multiple_values boolean NOT NULL DEFAULT false,
  editable_with_roles jsonb NOT NULL DEFAULT '[]',
  created_by text,
  updated_by text,
  date_created timestamptz NOT NULL DEFAULT now(),
  date_updated timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX custom_fields_org_idx ON custom_fields (organization_id, object_type, date_created, id);

CREATE TABLE leads (
  id text PRIMARY KEY,
  organization_id text NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  name text,
  description text,
  url text,
  status_id text NOT NULL REFERENCES lead_statuses(id),
  -- Custom field values keyed by field id ("cf_..."): one column so that a bulk edit of one field is
  -- a single jsonb_set/`-` update that cannot clobber a concurrent write of another field.
  custom jsonb NOT NULL DEFAULT '{}',
  created_by text,
  updated_by text,
  date_created timestamptz NOT NULL DEFAULT now(),
  date_updated timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX leads_org_created_idx ON leads (organization_id, date_created, id);
CREATE INDEX leads_org_status_idx ON leads (organization_id, status_id);

CREATE TABLE contacts (
  id text PRIMARY KEY,
  organization_id text NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  lead_id text NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
  name text,
  title text,
  custom jsonb NOT NULL DEFAULT '{}',
  created_by text,
  updated_by text,
  date_created timestamptz NOT NULL DEFAULT now(),
  date_updated timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX contacts_org_lead_idx ON contacts (organization_id, lead_id, date_created, id);
CREATE INDEX contacts_org_created_idx ON contacts (organization_id, date_created, id);

-- Emails, phones and URLs of a contact; position keeps the order the client sent.
-- Their (contact_id, position) and addresses' (lead_id, position) indexes are the exceptions to
-- "lead with organization_id": ON DELETE CASCADE from contacts and leads looks rows up by the
-- parent id alone, and a bulk delete of 100,000 leads needs those lookups to be index probes.
CREATE TABLE contact_emails (
  id bigserial PRIMARY KEY,
  organization_id text NOT NULL,
  contact_id text NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
  lead_id text NOT NULL,
  position integer NOT NULL,
  email text NOT NULL,
  type text NOT NULL DEFAULT 'office'
);
CREATE INDEX contact_emails_contact_idx ON contact_emails (contact_id, position);
CREATE INDEX contact_emails_org_email_idx ON contact_emails (organization_id, lower(email));

CREATE TABLE contact_phones (
  id bigserial PRIMARY KEY,
  organization_id text NOT NULL,
  contact_id text NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
  lead_id text NOT NULL,
  position integer NOT NULL,
  phone text NOT NULL,
  country text,
  type text NOT NULL DEFAULT 'office'
);
CREATE INDEX contact_phones_contact_idx ON contact_phones (contact_id, position);
CREATE INDEX contact_phones_org_phone_idx ON contact_phones (organization_id, phone);

CREATE TABLE contact_urls (
  id bigserial PRIMARY KEY,
  organization_id text NOT NULL,
  contact_id text NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
  lead_id text NOT NULL,
  position integer NOT NULL,
  url text NOT NULL,
  type text NOT NULL DEFAULT 'url'
);
CREATE INDEX contact_urls_contact_idx ON contact_urls (contact_id, position);

CREATE TABLE addresses (
  id bigserial PRIMARY KEY,
  organization_id text NOT NULL,
  lead_id text NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
  position integer NOT NULL,
  label text,
  address_1 text,
  address_2 text,
  city text,
  state text,
  zipcode text,
  country text
);
CREATE INDEX addresses_lead_idx ON addresses (lead_id, position);
CREATE INDEX addresses_org_idx ON addresses (organization_id, lead_id);

-- Addresses unsubscribed from bulk and workflow email, stored lower-cased.
CREATE TABLE unsubscribed_emails (
  organization_id text NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  email text NOT NULL,
  date_created timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, email)
);

-- The event log (served by the event API later); written in the same transaction as the change.
CREATE TABLE events (
  id text PRIMARY KEY,
  organization_id text NOT NULL,
  object_type text NOT NULL,
  object_id text NOT NULL,
  lead_id text,
  action text NOT NULL,
  user_id text,
  api_key_id text,
  request_id text,
  changed_fields jsonb NOT NULL DEFAULT '[]',
  data jsonb,
  previous_data jsonb,
  meta jsonb NOT NULL DEFAULT '{}',
  date_created timestamptz NOT NULL DEFAULT now(),
  date_updated timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_org_date_idx ON events (organization_id, date_updated, id);
CREATE INDEX events_org_object_idx ON events (organization_id, object_type, object_id);
CREATE INDEX events_org_bulk_idx ON events (organization_id, (meta->>'bulk_action_id')) WHERE meta ? 'bulk_action_id';
