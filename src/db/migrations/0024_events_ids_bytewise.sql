-- The events table's identifiers compare byte by byte (COLLATE "C"), as ids should (issue 11).
-- Every event is inserted into six indexes whose keys start with organization_id (48 characters,
-- equal across a tenant's entries) followed by other ids; under the database's collation each
-- comparison went through the C library's strcoll (C.UTF-8 is not PostgreSQL's "C": perf showed
-- pg_strncoll_libc and varstr_cmp among the top functions of a bulk-delete batch). Measured on one
-- 2,000-lead delete batch (about 5,100 events, rolled back, medians of 8, backend CPU): 80-90 ms less
-- per batch of 1,200. Ids are ASCII, so their order is unchanged where the database's collation was
-- C.UTF-8, and now also byte order (the order time-ordered event ids are made for) on a server
-- whose default collation is a language's. Changing the collation keeps the rows; the indexes on
-- these columns are rebuilt.
ALTER TABLE events
  ALTER COLUMN id TYPE text COLLATE "C",
  ALTER COLUMN organization_id TYPE text COLLATE "C",
  ALTER COLUMN object_type TYPE text COLLATE "C",
  ALTER COLUMN object_id TYPE text COLLATE "C",
  ALTER COLUMN lead_id TYPE text COLLATE "C",
  ALTER COLUMN action TYPE text COLLATE "C",
  ALTER COLUMN user_id TYPE text COLLATE "C",
  ALTER COLUMN api_key_id TYPE text COLLATE "C",
  ALTER COLUMN request_id TYPE text COLLATE "C";
