-- Advanced Filtering: Smart Views, and the indexes behind the compiled queries (src/search/compile.ts).
-- B-tree indexes lead with organization_id, so a search never walks another organization's
-- entries; the GIN indexes below explain why they do not.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE saved_searches (
  id text PRIMARY KEY,
  organization_id text NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  user_id text,
  name text NOT NULL,
  description text,
  type text NOT NULL,
  -- {"query": {...}, "results_limit": n|null, "sort": [...]}, as the client sent it (validated).
  s_query jsonb NOT NULL,
  is_shared boolean NOT NULL DEFAULT false,
  created_by text,
  updated_by text,
  date_created timestamptz NOT NULL DEFAULT now(),
  date_updated timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX saved_searches_org_idx ON saved_searches (organization_id, type, date_created, id);

-- Text conditions compile to `col ~* '\mword\M'`; trigram GIN indexes serve those regexes. These are
-- the one exception to "lead with organization_id": in a GIN index the organization's key has a
-- posting list of every row of the organization, which each scan must read and intersect. Measured on
-- 40,000 leads of one organization, `name ~* '\ma1b2c3\M'` cost 5.3 ms through (organization_id,
-- name) and 0.1 ms through (name) alone, with organization_id checked on the few rows found.
CREATE INDEX leads_name_trgm_idx ON leads USING gin (name gin_trgm_ops);
CREATE INDEX leads_description_trgm_idx ON leads USING gin (description gin_trgm_ops);
CREATE INDEX leads_url_trgm_idx ON leads USING gin (url gin_trgm_ops);
CREATE INDEX contacts_name_trgm_idx ON contacts USING gin (name gin_trgm_ops);
CREATE INDEX contacts_title_trgm_idx ON contacts USING gin (title gin_trgm_ops);
CREATE INDEX contact_emails_email_trgm_idx ON contact_emails USING gin (email gin_trgm_ops);
CREATE INDEX contact_phones_phone_trgm_idx ON contact_phones USING gin (phone gin_trgm_ops);

-- term/reference conditions on custom fields compile to `custom @> '{"cf_…": …}'`. Custom field ids
-- belong to one organization, so the hashed keys are already organization-specific (same reason as
-- above for leaving organization_id out).
CREATE INDEX leads_custom_idx ON leads USING gin (custom jsonb_path_ops);
CREATE INDEX contacts_custom_idx ON contacts USING gin (custom jsonb_path_ops);

-- has_related lead → contact with a condition on the contact's name or title (the commonest related
-- query) probes each lead's contacts; carrying name and title in the index makes each probe an
-- index-only scan: 0.017 ms instead of 0.034 ms per lead at 100,000 seeded leads.
CREATE INDEX contacts_org_lead_text_idx ON contacts (organization_id, lead_id) INCLUDE (name, title);

-- Sorting and paging by date_updated (date_created is served by 0001's indexes).
CREATE INDEX leads_org_updated_idx ON leads (organization_id, date_updated, id);
CREATE INDEX contacts_org_updated_idx ON contacts (organization_id, date_updated, id);
