-- A Smart View's legacy search string (Close's `query`, beside the structured `s_query`), kept as
-- the client sent it and returned as stored; NULL for Smart Views created without one. Sluice runs
-- Smart Views by `s_query` only, so this column is never compiled.
ALTER TABLE saved_searches ADD COLUMN IF NOT EXISTS query text;
