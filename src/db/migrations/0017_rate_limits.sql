-- Rate-limit token buckets shared by every API process (src/http/rate-limit.ts), so that N
-- processes on one database enforce the same limits as one.
--
-- UNLOGGED: a bucket is worth seconds; losing them all in a crash only refills every bucket, and an
-- unlogged write skips the WAL and the commit's flush, which keeps counting cheap enough to run in
-- the statement that authenticates every request. fillfactor leaves room on each page so the
-- constant updates stay HOT (no index column changes; updated_ms is deliberately not indexed: the
-- prune reads the whole table, which holds one row per active key and organization per group).
-- organization_id leads the key, as everywhere, so the table shards with its organization.
CREATE UNLOGGED TABLE rate_limit_buckets (
  organization_id text NOT NULL,
  -- 'k:<group>:<api key id>' for a key's bucket, 'o:<group>' for the organization's.
  bucket text NOT NULL,
  tokens double precision NOT NULL,
  -- The clock of the process that last counted here, in milliseconds since the epoch.
  updated_ms bigint NOT NULL,
  -- Whether the last request counted here was let through (the statement returns it).
  granted boolean NOT NULL,
  PRIMARY KEY (organization_id, bucket)
) WITH (fillfactor = 50);

-- organizations.organization_id is generated from id, so never null, but was not declared so: the
-- schema test (test/db/tenant-columns.test.ts) holds every tenant table to organization_id NOT NULL,
-- the column a sharded PostgreSQL (Citus) would distribute by. One row per organization: a quick scan.
ALTER TABLE organizations ALTER COLUMN organization_id SET NOT NULL;
