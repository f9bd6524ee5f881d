-- Deliveries in the log's order across concurrent transactions (issue 13). Inbox rows took their
-- order from a bigserial drawn when the recording statement ended, and the drain sent them in that
-- order; the log orders events by (date_updated, id). Bulk edit and delete run two batches at once,
-- so two statements' events could reach a subscription in an order the log does not have (seen in
-- test/webhooks/bulk.test.ts under load). Each row now carries its events' first stamp, and the
-- drain takes rows by (first_at, id), only those stamped below the event log's visibility horizon
-- (src/events/visibility-horizon.ts): no transaction still open can add a row before them.
-- Rows written before this migration drain first, in their old order.
ALTER TABLE webhook_inbox ADD COLUMN first_at timestamptz NOT NULL DEFAULT '-infinity';
CREATE INDEX webhook_inbox_order_idx ON webhook_inbox (webhook_id, first_at, id);

-- As 0019, with the row's first stamp.
CREATE OR REPLACE FUNCTION webhook_fan_out() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM webhooks WHERE status = 'active') THEN
    RETURN NULL;
  END IF;
  WITH kinds AS (
    SELECT e.organization_id, e.object_type, e.action, array_agg(e.id ORDER BY e.date_updated, e.id) AS ids,
           min(e.date_updated) AS first_at
    FROM new_events e
    GROUP BY e.organization_id, e.object_type, e.action)
  INSERT INTO webhook_inbox (webhook_id, organization_id, event_ids, first_at)
  SELECT w.id, w.organization_id,
         CASE WHEN count(*) = 1 THEN min(k.ids)
              ELSE (SELECT array_agg(e.id ORDER BY e.date_updated, e.id) FROM new_events e
                    WHERE e.organization_id = w.organization_id
                      AND w.events @> jsonb_build_array(jsonb_build_object('object_type', e.object_type, 'action', e.action))) END,
         min(k.first_at)
  FROM kinds k
  JOIN webhooks w ON w.organization_id = k.organization_id AND w.status = 'active'
   AND w.events @> jsonb_build_array(jsonb_build_object('object_type', k.object_type, 'action', k.action))
  GROUP BY w.id
  ORDER BY w.id;
  IF FOUND THEN
    PERFORM pg_notify('sluice_webhooks', '');
  END IF;
  RETURN NULL;
END
$$;
