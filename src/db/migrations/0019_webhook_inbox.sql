-- Webhooks' fan-out off the bulk edit's path (issue 13). 0016's trigger inserted one
-- webhook_deliveries row (three index entries) per event and matching subscription inside the
-- transaction that recorded the events: one INSERT of 1,000 lead.updated events took 14.2 ms with
-- no active webhook and 31.9 ms with two subscriptions, so a bulk edit of 100,000 leads paid for
-- 200,000 delivery rows inside its own batches. Now the statement writes one inbox row per matching
-- subscription holding its events' ids, and the delivery worker turns those into deliveries when it
-- gets to them (src/webhooks/drain-inbox.ts). Measured again, 0016's function against this one on
-- the same database (a busy 2-core machine, so every time about twice the figures above; 1,000
-- events, 20 interleaved repetitions, three runs): with two subscriptions the statement took 1.04 to
-- 1.06 times its time with no active webhook (median 34.2 ms against 32.9 ms in the first run),
-- where 0016's took 1.96 to 2.10 times (69.8 ms against 33.2 ms).
--
-- No foreign keys, as for webhook_deliveries: a lookup per row inside a hot transaction; deleting a
-- webhook deletes its rows, and the reaper removes any a concurrent fan-out left behind.
CREATE TABLE webhook_inbox (
  -- The order in which a subscription's statements are turned into deliveries.
  id bigserial PRIMARY KEY,
  webhook_id text NOT NULL,
  organization_id text NOT NULL,
  -- The statement's matching events in the log's order, (date_updated, id).
  event_ids text[] NOT NULL,
  date_created timestamptz NOT NULL DEFAULT now()
);
-- A subscription's oldest rows (the drain, the backlog count, deleting a webhook's rows).
CREATE INDEX webhook_inbox_webhook_idx ON webhook_inbox (webhook_id, id);
-- Out of line but not compressed: a batch's 1,000 ids are about 52 kB, and compressing two of them
-- (event ids are mostly random characters) was about 4 ms of the 6 ms the inbox added to the
-- recording statement on the busy machine, to save a few kilobytes in rows that live only until
-- the worker drains them.
ALTER TABLE webhook_inbox ALTER COLUMN event_ids SET STORAGE EXTERNAL;

-- Inbox rows above this one count towards WEBHOOK_MAX_BACKLOG, as backlog_from does for
-- deliveries: set on (re)activation, so events kept in the inbox over a pause are delivered
-- instead of pausing the subscription again.
ALTER TABLE webhooks ADD COLUMN inbox_backlog_from bigint NOT NULL DEFAULT 0;

-- Same matching rule and the same early exit as 0016; one row per subscription instead of one per
-- (event, subscription). The events are grouped by (organization, object_type, action) first, so
-- the rule is evaluated once per kind, not per event, and each kind's ids are sorted once whatever
-- the number of subscriptions: a subscription matching one kind (a bulk batch's statement has one)
-- takes that array as it is. One matching several kinds of the statement gets its events merged
-- in the log's order by the subquery (the rule again, per event).
CREATE OR REPLACE FUNCTION webhook_fan_out() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM webhooks WHERE status = 'active') THEN
    RETURN NULL;
  END IF;
  WITH kinds AS (
    SELECT e.organization_id, e.object_type, e.action, array_agg(e.id ORDER BY e.date_updated, e.id) AS ids
    FROM new_events e
    GROUP BY e.organization_id, e.object_type, e.action)
  INSERT INTO webhook_inbox (webhook_id, organization_id, event_ids)
  SELECT w.id, w.organization_id,
         CASE WHEN count(*) = 1 THEN min(k.ids)
              ELSE (SELECT array_agg(e.id ORDER BY e.date_updated, e.id) FROM new_events e
                    WHERE e.organization_id = w.organization_id
                      AND w.events @> jsonb_build_array(jsonb_build_object('object_type', e.object_type, 'action', e.action))) END
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
