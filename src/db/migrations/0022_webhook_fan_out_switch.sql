-- The webhook fan-out trigger is off until the first webhook subscription is created (issue 11).
-- An AFTER trigger with a transition table makes PostgreSQL copy every inserted row into that
-- table before the trigger runs, whether or not the trigger then finds an active subscription: the
-- whole row, so a deleted lead's or an email's complete object, kept in memory and spilled to a temp
-- file past work_mem. One 2,500-lead bulk-delete batch (6,400 events) measured 3.28x its raw DELETE
-- with the trigger on and 3.06x with it off. A deployment with no subscription pays nothing now;
-- POST /webhook/ turns the trigger on in the transaction that creates the subscription
-- (src/webhooks/fan-out-switch.ts), and nothing turns it off again.
--
-- The lock on webhooks makes this wait for a subscription being created right now by a process of
-- the previous version: its row is then seen here, and the trigger stays on.
LOCK TABLE webhooks IN SHARE MODE;
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM webhooks) THEN
    ALTER TABLE events DISABLE TRIGGER events_webhook_fan_out;
  END IF;
END
$$;
