-- The event log API (GET /api/v1/event/) reads newest first, keyset-paged on (date_updated, id),
-- under each of Close's filters. Every filter gets an index that ends in (date_updated, id), so a
-- page is an index range read backwards from the cursor, never a sort of all matching events.
--
-- Writes pay for each index, so only what the log needs is here:
-- * the unfiltered and date-only log: events_org_date_idx (organization_id, date_updated, id),
--   from 0001, also walked by the retention worker org by org;
-- * object_id (alone or with object_type, action, user_id): object ids are unique across types, so
--   object_type adds nothing in front of them; the index replaces 0001's
--   (organization_id, object_type, object_id), whose only readers were tests, at the same width;
-- * object_type + action (Close's `object_type=lead&action=deleted`, which restore and audit
--   scripts run after a bulk delete); object_type alone is served by the same index, one range
--   per action merged by the query (src/events/list-events.ts);
-- * lead_id, user_id, request_id: partial, so the many events without one (worker events have no
--   request, org-level objects no lead) add no entry.
DROP INDEX events_org_object_idx;
CREATE INDEX events_org_object_idx ON events (organization_id, object_id, date_updated, id);
CREATE INDEX events_org_type_action_idx ON events (organization_id, object_type, action, date_updated, id);
CREATE INDEX events_org_lead_idx ON events (organization_id, lead_id, date_updated, id) WHERE lead_id IS NOT NULL;
CREATE INDEX events_org_user_idx ON events (organization_id, user_id, date_updated, id) WHERE user_id IS NOT NULL;
CREATE INDEX events_org_request_idx ON events (organization_id, request_id, date_updated, id) WHERE request_id IS NOT NULL;
