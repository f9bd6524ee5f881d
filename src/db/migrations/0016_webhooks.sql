-- Webhooks (issue 13): Close's /webhook/ subscriptions and the queue of their deliveries.
-- How the queue is fed and drained, and why, is in src/webhooks/delivery-worker.ts.

CREATE TABLE webhooks (
  id text PRIMARY KEY,
  organization_id text NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  url text NOT NULL,
  -- [{object_type, action, extra_filter?}] as validated (src/webhooks/schemas.ts); the fan-out
  -- trigger matches an event with `events @> [{object_type, action}]`.
  events jsonb NOT NULL,
  verify_ssl boolean NOT NULL DEFAULT true,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused')),
  -- Why Sluice paused it by itself (3 days failing, backlog over WEBHOOK_MAX_BACKLOG); null otherwise.
  status_reason text,
  date_paused timestamptz,
  -- The HMAC key, sealed (src/secrets/sealed-secret.ts, context webhooks.signature_key).
  signature_key text NOT NULL,
  created_by text,
  updated_by text,
  date_created timestamptz NOT NULL DEFAULT now(),
  date_updated timestamptz NOT NULL DEFAULT now(),
  -- Health: the first failed attempt since the last delivered one (the 3-day rule), the last error.
  failing_since timestamptz,
  last_error text,
  -- Deliveries with ids above this one count towards WEBHOOK_MAX_BACKLOG: set when the webhook is
  -- (re)activated, so the backlog kept over a pause is delivered instead of pausing it again at once.
  backlog_from bigint NOT NULL DEFAULT 0,
  -- The worker delivering it (one at a time: per-subscription order) and until when.
  claimed_by text,
  lease_expires_at timestamptz
);
CREATE INDEX webhooks_org_idx ON webhooks (organization_id, date_created, id);
CREATE INDEX webhooks_active_idx ON webhooks (organization_id) WHERE status = 'active';

-- One row per (event, subscription) the fan-out matched. No foreign keys: each would cost a lookup
-- per row inside a bulk edit's batch; deleting a webhook deletes its rows, and the retention pass
-- removes any a concurrent insert left behind.
CREATE TABLE webhook_deliveries (
  -- The order of a subscription's deliveries (assigned in event order within a statement).
  id bigserial PRIMARY KEY,
  webhook_id text NOT NULL,
  organization_id text NOT NULL,
  event_id text NOT NULL,
  -- pending -> sending -> delivered | failed (given up) | filtered (extra_filter said no) | expired
  status text NOT NULL DEFAULT 'pending',
  attempts integer NOT NULL DEFAULT 0,
  -- '-infinity': due at once whatever the clock says (tests run the worker on a ManualClock).
  next_attempt_at timestamptz NOT NULL DEFAULT '-infinity',
  first_attempt_at timestamptz,
  claimed_by text,
  -- [{date, status_code, latency_ms, error}], the last 20 attempts.
  attempt_log jsonb NOT NULL DEFAULT '[]',
  date_created timestamptz NOT NULL DEFAULT now(),
  date_done timestamptz
);
-- The queue: a subscription's undone deliveries in order. Partial, so it holds only the backlog.
CREATE INDEX webhook_deliveries_queue_idx ON webhook_deliveries (webhook_id, id) WHERE status IN ('pending', 'sending');
-- The delivery log (newest first) and deleting a webhook's rows.
CREATE INDEX webhook_deliveries_webhook_idx ON webhook_deliveries (webhook_id, id);

-- The fan-out: one statement-level trigger, so a bulk edit's batch of 1,000 events pays one call.
-- When no organization has an active webhook it costs one probe of webhooks_active_idx.
CREATE FUNCTION webhook_fan_out() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM webhooks WHERE status = 'active') THEN
    RETURN NULL;
  END IF;
  INSERT INTO webhook_deliveries (webhook_id, organization_id, event_id)
  SELECT m.webhook_id, m.organization_id, m.event_id
  FROM (
    SELECT w.id AS webhook_id, e.organization_id, e.id AS event_id
    FROM new_events e
    JOIN webhooks w ON w.organization_id = e.organization_id AND w.status = 'active'
     AND w.events @> jsonb_build_array(jsonb_build_object('object_type', e.object_type, 'action', e.action))
    ORDER BY e.date_updated, e.id, w.id
  ) m;
  IF FOUND THEN
    PERFORM pg_notify('sluice_webhooks', '');
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER events_webhook_fan_out AFTER INSERT ON events
  REFERENCING NEW TABLE AS new_events
  FOR EACH STATEMENT EXECUTE FUNCTION webhook_fan_out();
