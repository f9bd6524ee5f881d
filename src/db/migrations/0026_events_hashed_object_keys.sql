-- The event log's per-object and per-lead indexes keyed by a 64-bit hash of the id (issue 11).
-- An event's object and lead ids are random, so each event written lands on a leaf page of its own
-- in these two indexes, wherever its neighbours went: a bulk delete of 2,000 leads touched 5,474
-- distinct pages of the object index alone, each read, dirtied and, on its first change after a
-- checkpoint, written whole to the WAL. Keyed by (organization_id, object_id, date_updated, id),
-- about 170 bytes an entry, they reached 2.7 GB and 1.4 GB at 11.5 million events, and the delete
-- benchmark's ratio to a raw DELETE rose with them (2.35x at 8.2 million events, 2.64x-2.95x from
-- 8.5 million). Keyed by (hash, date_updated), 24 bytes an entry, the same events need 346 MB and
-- 162 MB, and the delete measured 2.29x-2.57x at 11.5 to 16 million events (BENCHMARKS.md, stop
-- 27).
--
-- A page still reads one range at any depth: the hash narrows to the object's (or lead's) entries
-- in date order, and the filters on organization_id and the id itself are rechecked on the row
-- (a 64-bit collision costs one row read, never a wrong answer). Ties on date_updated, which share
-- the statement's clock, are put in id order by an incremental sort of just those rows
-- (src/events/list-events.ts). The indexes store hashtextextended's values: a PostgreSQL release
-- that changed them would need a REINDEX of both, as it would for a hash-partitioned table.
DROP INDEX events_org_object_idx;
DROP INDEX events_org_lead_idx;
CREATE INDEX events_object_key_idx ON events (hashtextextended(object_id, 0), date_updated);
CREATE INDEX events_lead_key_idx ON events (hashtextextended(lead_id, 0), date_updated)
  WHERE lead_id IS NOT NULL AND object_type <> 'lead';
-- The planner estimates the hash's selectivity only from statistics gathered by ANALYZE: without
-- them it prices `hash = value` like any other equality and may prefer an index led by
-- organization_id, reading every event of a type for one lead's page (measured on a log analysed
-- while empty: 12,498 buffers for a page that takes 4 with statistics). Autovacuum gathers them on
-- a growing log within a minute; this gives an existing log its statistics at once.
ANALYZE events;
