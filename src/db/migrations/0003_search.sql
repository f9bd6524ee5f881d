-- Advanced Filtering: Smart Views, and the indexes behind the compiled queries (src/search/compile.ts).
-- Every index leads with organization_id (btree_gin lets GIN indexes carry it), so a search never
-- touches another organization's entries.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS btree_gin;

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

-- Text conditions compile to `col ~* '\mword\M'`; trigram GIN indexes serve those regexes.
CREATE INDEX leads_org_name_trgm_idx ON leads USING gin (organization_id, name gin_trgm_ops);
CREATE INDEX leads_org_description_trgm_idx ON leads USING gin (organization_id, description gin_trgm_ops);
CREATE INDEX leads_org_url_trgm_idx ON leads USING gin (organization_id, url gin_trgm_ops);
CREATE INDEX contacts_org_name_trgm_idx ON contacts USING gin (organization_id, name gin_trgm_ops);
CREATE INDEX contacts_org_title_trgm_idx ON contacts USING gin (organization_id, title gin_trgm_ops);
CREATE INDEX contact_emails_org_email_trgm_idx ON contact_emails USING gin (organization_id, email gin_trgm_ops);
CREATE INDEX contact_phones_org_phone_trgm_idx ON contact_phones USING gin (organization_id, phone gin_trgm_ops);

-- term/reference conditions on custom fields compile to `custom @> '{"cf_…": …}'`.
CREATE INDEX leads_org_custom_idx ON leads USING gin (organization_id, custom jsonb_path_ops);
CREATE INDEX contacts_org_custom_idx ON contacts USING gin (organization_id, custom jsonb_path_ops);

-- Sorting and paging by date_updated (date_created is served by 0001's indexes).
CREATE INDEX leads_org_updated_idx ON leads (organization_id, date_updated, id);
CREATE INDEX contacts_org_updated_idx ON contacts (organization_id, date_updated, id);
