-- ON DELETE CASCADE looks child rows up by the parent id alone. Without an index leading with
-- that column, deleting a lead (or a contact) scans the child table once per deleted row, which
-- turns a bulk delete of 100,000 leads into 100,000 scans. The organization-leading indexes of
-- these tables serve the API's reads; these serve the cascades.
CREATE INDEX IF NOT EXISTS email_activities_lead_idx ON email_activities (lead_id);
CREATE INDEX IF NOT EXISTS sequence_subscriptions_contact_idx ON sequence_subscriptions (contact_id);
