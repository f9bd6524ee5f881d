-- What each event costs to write (issue 11). A bulk edit or delete writes one event per lead, so
-- every index on events is paid a million times by one action, and an index whose key lands on a
-- random leaf page (a random id, an object or lead id) costs far more than one appended at its
-- right edge (a date, or an id made from the clock: src/events/event-id.ts). Measured on 500,000
-- events, 1,000-event inserts of bulk-edit rows: 270 ms with 0012's indexes and random ids, 214 ms
-- with time-ordered ids, 123 ms with time-ordered ids and the two changes below.
--
-- * events_org_lead_idx leaves out lead events: for them lead_id is object_id, which
--   events_org_object_idx already holds. The lead_id filter reads the lead's own events there and
--   its children's here (src/events/list-events.ts).
-- * events_org_bulk_idx had no reader (meta.bulk_action_id is served in the event, not filtered on).
DROP INDEX events_org_bulk_idx;
DROP INDEX events_org_lead_idx;
CREATE INDEX events_org_lead_idx ON events (organization_id, lead_id, date_updated, id)
  WHERE lead_id IS NOT NULL AND object_type <> 'lead';
