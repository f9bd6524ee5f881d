-- The webhook fan-out trigger is dropped, not disabled, where no webhook subscription exists
-- (issue 11; corrects 0022). PostgreSQL decides to fill a transition table from the triggers the
-- table has, enabled or not: the flag that makes an INSERT copy its rows into `new_events` is set
-- for every trigger loaded with the table, and whether the trigger is enabled is looked at only
-- when it is about to fire. So 0022's disabled trigger still cost every event insert its copy:
-- 6,000 events of 1.3 kB each wrote 1,025 temp blocks with the trigger disabled, none with it
-- dropped (EXPLAIN (ANALYZE, BUFFERS) of one INSERT, rolled back). POST /webhook/ creates it again
-- with the first subscription (src/webhooks/fan-out-switch.ts holds its definition from now on).
--
-- As in 0022, the lock on webhooks makes this wait for a subscription being created right now by a
-- process of the previous version: its row is then seen here, and the trigger stays.
LOCK TABLE webhooks IN SHARE MODE;
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM webhooks) THEN
    DROP TRIGGER IF EXISTS events_webhook_fan_out ON events;
  END IF;
END
$$;
