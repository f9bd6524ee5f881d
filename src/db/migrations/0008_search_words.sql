-- Top-level `text` search on leads (src/search/compile.ts): one row per lead holding the set of
-- words of all the lead's text (name, description, url, and its contacts' names, titles, emails and
-- phones), with a GIN index. `full_words` and `phrase` first narrow the leads to those whose set
-- holds every word of the query, then recheck the exact regex, so the set only has to never miss a
-- true match. Without it each query word was a trigram scan over four tables, and the cost grew
-- with the commonest word (800 ms at a million leads for "harbor logistics").

-- Writes to the source tables wait until this migration commits: one committed between the backfill's
-- snapshot and the triggers' creation would otherwise never reach lead_words. Reads go on.
LOCK TABLE leads, contacts, contact_emails, contact_phones IN SHARE MODE;

-- The words of `t` as the compiler's `\m…\M` regexes see them: maximal runs of [[:alnum:]_], PostgreSQL's
-- regex word characters. Each is mapped to lower(upper(w)): `~*` lets a text character equal the
-- pattern character or its upper or lower case, and lower(upper(…)) gives all of those one key
-- (plain lower() would not: upper('ſ') = 'S', yet lower('ſ') <> lower('S')).
CREATE FUNCTION search_word_keys(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
  SELECT coalesce(array_agg(DISTINCT lower(upper(m[1]))), '{}') FROM regexp_matches(t, '[[:alnum:]_]+', 'g') AS m
$$;

-- No organization_id in the GIN index, for the reason 0003_search.sql gives; it is checked on the
-- rows found.
CREATE TABLE lead_words (
  lead_id text PRIMARY KEY,
  organization_id text NOT NULL,
  words text[] NOT NULL
);

-- The text of leads, with their contacts' emails and phones reached through the contact (the
-- indexed way; a channel's lead_id always equals its contact's).
CREATE FUNCTION lead_words_refresh(ids text[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  -- Two transactions changing one lead's text must not both compute from a snapshot without the
  -- other's change: the second waits here, and (READ COMMITTED) computes below from a fresh snapshot.
  PERFORM 1 FROM lead_words w WHERE w.lead_id IN (SELECT unnest(ids)) ORDER BY w.lead_id FOR UPDATE;
  INSERT INTO lead_words (lead_id, organization_id, words)
  SELECT l.id, l.organization_id, search_word_keys(concat_ws(' ', l.name, l.description, l.url,
    (SELECT string_agg(concat_ws(' ', c.name, c.title,
        (SELECT string_agg(e.email, ' ') FROM contact_emails e WHERE e.contact_id = c.id),
        (SELECT string_agg(p.phone, ' ') FROM contact_phones p WHERE p.contact_id = c.id)), ' ')
     FROM contacts c WHERE c.organization_id = l.organization_id AND c.lead_id = l.id)))
  FROM leads l WHERE l.id IN (SELECT unnest(ids))
  ON CONFLICT (lead_id) DO UPDATE SET organization_id = EXCLUDED.organization_id, words = EXCLUDED.words;
END $$;

-- Statement-level triggers with transition tables: once per statement (COPY included), so bulk
-- writes stay set-based. Updates that leave every text column alone (a bulk status change) refresh
-- nothing. A deleted lead's row goes by the foreign key's cascade.
CREATE FUNCTION lead_words_after_leads() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM lead_words_refresh(ARRAY(SELECT n.id FROM new_rows n));
  ELSE
    PERFORM lead_words_refresh(ARRAY(
      SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
      WHERE (n.name, n.description, n.url) IS DISTINCT FROM (o.name, o.description, o.url)));
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION lead_words_after_contacts() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM lead_words_refresh(ARRAY(SELECT DISTINCT n.lead_id FROM new_rows n));
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM lead_words_refresh(ARRAY(SELECT DISTINCT o.lead_id FROM old_rows o));
  ELSE
    PERFORM lead_words_refresh(ARRAY(
      SELECT x.lead_id FROM new_rows n JOIN old_rows o ON o.id = n.id,
        LATERAL (VALUES (n.lead_id), (o.lead_id)) AS x(lead_id)
      WHERE (n.lead_id, n.name, n.title) IS DISTINCT FROM (o.lead_id, o.name, o.title)
      GROUP BY x.lead_id));
  END IF;
  RETURN NULL;
END $$;

-- contact_emails and contact_phones: TG_ARGV[0] names the text column.
CREATE FUNCTION lead_words_after_channels() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM lead_words_refresh(ARRAY(SELECT DISTINCT c.lead_id FROM contacts c WHERE c.id IN (SELECT n.contact_id FROM new_rows n)));
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM lead_words_refresh(ARRAY(SELECT DISTINCT c.lead_id FROM contacts c WHERE c.id IN (SELECT o.contact_id FROM old_rows o)));
  ELSE
    PERFORM lead_words_refresh(ARRAY(
      SELECT DISTINCT c.lead_id FROM contacts c WHERE c.id IN (
        SELECT x.contact_id FROM new_rows n JOIN old_rows o ON o.id = n.id,
          LATERAL (VALUES (n.contact_id), (o.contact_id)) AS x(contact_id)
        WHERE (n.contact_id, to_jsonb(n) ->> TG_ARGV[0]) IS DISTINCT FROM (o.contact_id, to_jsonb(o) ->> TG_ARGV[0]))));
  END IF;
  RETURN NULL;
END $$;

-- Backfill in one set-based statement (hash joins over whole tables, not a lookup per lead).
INSERT INTO lead_words (lead_id, organization_id, words)
SELECT l.id, l.organization_id, search_word_keys(concat_ws(' ', l.name, l.description, l.url, ct.text))
FROM leads l
LEFT JOIN (
  SELECT c.lead_id, string_agg(concat_ws(' ', c.name, c.title, e.text, p.text), ' ') AS text
  FROM contacts c
  LEFT JOIN (SELECT contact_id, string_agg(email, ' ') AS text FROM contact_emails GROUP BY contact_id) e ON e.contact_id = c.id
  LEFT JOIN (SELECT contact_id, string_agg(phone, ' ') AS text FROM contact_phones GROUP BY contact_id) p ON p.contact_id = c.id
  GROUP BY c.lead_id
) ct ON ct.lead_id = l.id;

ALTER TABLE lead_words ADD CONSTRAINT lead_words_lead_id_fkey FOREIGN KEY (lead_id) REFERENCES leads(id) ON DELETE CASCADE;
CREATE INDEX lead_words_words_idx ON lead_words USING gin (words);

CREATE TRIGGER lead_words_leads_insert AFTER INSERT ON leads
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION lead_words_after_leads();
CREATE TRIGGER lead_words_leads_update AFTER UPDATE ON leads
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION lead_words_after_leads();

CREATE TRIGGER lead_words_contacts_insert AFTER INSERT ON contacts
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION lead_words_after_contacts();
CREATE TRIGGER lead_words_contacts_update AFTER UPDATE ON contacts
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION lead_words_after_contacts();
CREATE TRIGGER lead_words_contacts_delete AFTER DELETE ON contacts
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION lead_words_after_contacts();

CREATE TRIGGER lead_words_emails_insert AFTER INSERT ON contact_emails
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION lead_words_after_channels('email');
CREATE TRIGGER lead_words_emails_update AFTER UPDATE ON contact_emails
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION lead_words_after_channels('email');
CREATE TRIGGER lead_words_emails_delete AFTER DELETE ON contact_emails
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION lead_words_after_channels('email');

CREATE TRIGGER lead_words_phones_insert AFTER INSERT ON contact_phones
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION lead_words_after_channels('phone');
CREATE TRIGGER lead_words_phones_update AFTER UPDATE ON contact_phones
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION lead_words_after_channels('phone');
CREATE TRIGGER lead_words_phones_delete AFTER DELETE ON contact_phones
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION lead_words_after_channels('phone');
