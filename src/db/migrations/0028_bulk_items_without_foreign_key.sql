-- A bulk action's load inserts one item per matched lead in one INSERT … SELECT (load-items.ts), and
-- the foreign key to bulk_actions checked every item row on its own: 100,000 lookups of the same
-- action row, 517 ms of a 1.33 s load of 100,000 items on the million-lead bench organization
-- (EXPLAIN ANALYZE: "Trigger for constraint bulk_action_items_action_id_fkey: calls=100000"); the load
-- is part of every bulk action's time. The same load rolled back under EXPLAIN ANALYZE, medians of 4:
-- 1,222 ms with the key, 776 ms without.
--
-- What the key guaranteed is kept another way:
--   - no item without its action: items are written only by loadItems, in the transaction that
--     then locks the action row FOR UPDATE and moves it to processing; an action deleted meanwhile
--     makes that transition fail, and the items roll back with it;
--   - an action's items go with it: the trigger below deletes them, once per statement, for actions
--     deleted directly or through their organization's ON DELETE CASCADE.
ALTER TABLE bulk_action_items DROP CONSTRAINT bulk_action_items_action_id_fkey;

CREATE FUNCTION bulk_action_items_delete_with_action() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM bulk_action_items i USING old_rows o WHERE i.organization_id = o.organization_id AND i.action_id = o.id;
  RETURN NULL;
END $$;

CREATE TRIGGER bulk_actions_delete_items AFTER DELETE ON bulk_actions
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION bulk_action_items_delete_with_action();
