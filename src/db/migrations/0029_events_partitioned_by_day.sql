-- The event log is partitioned by date_updated, one partition a day (UTC), so that the indexes
-- taking an event's random-position entries (the object and lead hash keys of 0026) are those of
-- one day's events, not of the whole 30-day log (issue 11). Measured on the bench database with
-- 22.5 million events: the same 100,000-lead bulk delete took 18.2 s into an empty log against
-- 21-26 s into the full one, 1.62x-1.89x its raw DELETE against 2.2x-2.55x. Retention drops a
-- whole day at once (src/events/prune-events.ts).
--
-- The existing table becomes the partition events_legacy, ending at this migration's moment (or
-- just after its newest event): its rows are not copied, only scanned once to prove the bound.
-- Its indexes become the partitions of the parent's indexes of the same definition, except the
-- primary key: a partitioned table's unique index must contain the partition key, and event ids
-- are unique by construction (time prefix, 143 random bits per statement, row counter), so the
-- parent has a plain index on id, and legacy's is built here (once: with the scan, 72 s for 22.5
-- million events on 2 cores).
--
-- Partitions after it end at midnight UTC and are made ahead (three days) by
-- events_ensure_partitions(), here and from every worker's retention pass; a row outside every
-- range (a worker-less fleet for days, a clock far ahead) lands in events_overflow, the default
-- partition, is read and pruned like any other, and moves into its day's partition once that is
-- made.
ALTER TABLE events RENAME TO events_legacy;
ALTER TABLE events_legacy RENAME CONSTRAINT events_pkey TO events_legacy_pkey;
ALTER INDEX events_org_date_idx RENAME TO events_legacy_org_date_idx;
ALTER INDEX events_org_type_action_idx RENAME TO events_legacy_org_type_action_idx;
ALTER INDEX events_org_user_idx RENAME TO events_legacy_org_user_idx;
ALTER INDEX events_org_request_idx RENAME TO events_legacy_org_request_idx;
ALTER INDEX events_object_key_idx RENAME TO events_legacy_object_key_idx;
ALTER INDEX events_lead_key_idx RENAME TO events_legacy_lead_key_idx;

CREATE TABLE events (LIKE events_legacy INCLUDING DEFAULTS) PARTITION BY RANGE (date_updated);

DO $$
DECLARE
  newest timestamptz;
  fan_out "char";
BEGIN
  -- The newest event, one index descent per organization (skip scan of the org/date index).
  WITH RECURSIVE o AS (
    (SELECT organization_id FROM events_legacy ORDER BY organization_id LIMIT 1)
    UNION ALL
    SELECT (SELECT e.organization_id FROM events_legacy e WHERE e.organization_id > o.organization_id
            ORDER BY e.organization_id LIMIT 1)
    FROM o WHERE o.organization_id IS NOT NULL
  )
  SELECT max((SELECT max(e.date_updated) FROM events_legacy e WHERE e.organization_id = o.organization_id))
  INTO newest FROM o WHERE o.organization_id IS NOT NULL;
  EXECUTE format('ALTER TABLE events ATTACH PARTITION events_legacy FOR VALUES FROM (MINVALUE) TO (%L)',
                 greatest(now(), newest + interval '1 microsecond'));

  -- The webhook fan-out trigger (0016, 0023: present only once a subscription exists) moves to the
  -- parent, where inserts into any partition fire it, enabled or not as it was.
  SELECT tgenabled INTO fan_out FROM pg_trigger
  WHERE tgrelid = 'events_legacy'::regclass AND tgname = 'events_webhook_fan_out';
  IF fan_out IS NOT NULL THEN
    DROP TRIGGER events_webhook_fan_out ON events_legacy;
    CREATE TRIGGER events_webhook_fan_out AFTER INSERT ON events
      REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION webhook_fan_out();
    IF fan_out = 'D' THEN
      ALTER TABLE events DISABLE TRIGGER events_webhook_fan_out;
    END IF;
  END IF;
END $$;

-- The same definitions as legacy's indexes, which PostgreSQL attaches instead of building.
CREATE INDEX events_org_date_idx ON events (organization_id, date_updated, id);
CREATE INDEX events_org_type_action_idx ON events (organization_id, object_type, action, date_updated, id);
CREATE INDEX events_org_user_idx ON events (organization_id, user_id, date_updated, id) WHERE user_id IS NOT NULL;
CREATE INDEX events_org_request_idx ON events (organization_id, request_id, date_updated, id) WHERE request_id IS NOT NULL;
CREATE INDEX events_object_key_idx ON events (hashtextextended(object_id, 0), date_updated);
CREATE INDEX events_lead_key_idx ON events (hashtextextended(lead_id, 0), date_updated)
  WHERE lead_id IS NOT NULL AND object_type <> 'lead';
CREATE INDEX events_id_idx ON events (id);
ALTER TABLE events_legacy DROP CONSTRAINT events_legacy_pkey;

CREATE TABLE events_overflow PARTITION OF events DEFAULT WITH (toast_tuple_target = 8160);

-- Each range partition of events with the moment its range ends (legacy's and the days'), read
-- from the catalog: what the function below extends and what retention drops (prune-events.ts).
CREATE FUNCTION events_partition_ends() RETURNS TABLE (name text, ends timestamptz)
LANGUAGE sql STABLE AS $$
  SELECT c.relname::text, substring(pg_get_expr(c.relpartbound, c.oid) FROM 'TO \(''([^'']+)''\)')::timestamptz
  FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
  WHERE i.inhparent = 'events'::regclass
    AND pg_get_expr(c.relpartbound, c.oid) <> 'DEFAULT'
$$;

-- Adds the day partitions that end within `days_ahead` days from now, each from where the last
-- range partition ends (or today's midnight UTC when none is left) to the next midnight UTC;
-- returns how many it made. Each is created apart and then attached, which locks the parent in
-- SHARE UPDATE EXCLUSIVE mode (writers and readers go on) where CREATE TABLE … PARTITION OF would
-- take ACCESS EXCLUSIVE; events_overflow is locked exclusively for the moment it takes to find no
-- row of the new range in it, after the readers that hold it. Callers serialise with an advisory
-- lock and bound waits with lock_timeout. Rows of the new range that events_overflow holds (written
-- while no partition covered them) move into the new table before it is attached; should one be
-- committed in between, the attach fails with a warning and the next call moves it.
CREATE FUNCTION events_ensure_partitions(days_ahead integer) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  last_end timestamptz;
  next_end timestamptz;
  made integer := 0;
  name text;
BEGIN
  SELECT coalesce(max(ends), date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')
  INTO last_end FROM events_partition_ends();
  WHILE last_end < now() + make_interval(days => days_ahead) LOOP
    next_end := date_trunc('day', last_end AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' + interval '1 day';
    name := 'events_p' || to_char(last_end AT TIME ZONE 'UTC', 'YYYYMMDD');
    BEGIN
      EXECUTE format('CREATE TABLE %I (LIKE events INCLUDING DEFAULTS) WITH (toast_tuple_target = 8160)', name);
      EXECUTE format('WITH moved AS (DELETE FROM events_overflow WHERE date_updated >= %L AND date_updated < %L RETURNING *)
                      INSERT INTO %I SELECT * FROM moved', last_end, next_end, name);
      EXECUTE format('ALTER TABLE events ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', name, last_end, next_end);
    EXCEPTION WHEN check_violation THEN
      RAISE WARNING 'events_overflow holds events from % to %; no partition made for them', last_end, next_end;
      RETURN made;
    END;
    last_end := next_end;
    made := made + 1;
  END LOOP;
  RETURN made;
END $$;

SELECT events_ensure_partitions(3);
ANALYZE events;
