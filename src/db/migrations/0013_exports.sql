-- Exports (POST /export/lead/) run as bulk actions of kind 'export' (src/exports/export-kind.ts);
-- export_files holds what only an export has: its file's committed state. The lifecycle is in
-- src/exports/lifecycle.ts, the durability protocol in src/exports/export-file.ts.

ALTER TABLE bulk_actions DROP CONSTRAINT IF EXISTS bulk_actions_kind_check;
ALTER TABLE bulk_actions ADD CONSTRAINT bulk_actions_kind_check
  CHECK (kind IN ('edit', 'delete', 'email', 'sequence_subscription', 'export'));

CREATE TABLE export_files (
  organization_id text NOT NULL,
  action_id text NOT NULL REFERENCES bulk_actions(id) ON DELETE CASCADE,
  -- CSV only: the header's columns [{key, timestamp}], fixed when the leads are loaded.
  columns jsonb,
  -- The committed prefix of the gzip file: its length, and the CRC-32 and length of the content it
  -- carries (for the gzip trailer), advanced in the transaction of each batch that wrote it.
  bytes bigint NOT NULL DEFAULT 0,
  crc32 bigint NOT NULL DEFAULT 0,
  raw_bytes bigint NOT NULL DEFAULT 0,
  -- Whether the opening (CSV header, JSON '[') is written, and how many objects follow it.
  started boolean NOT NULL DEFAULT false,
  n_rows bigint NOT NULL DEFAULT 0,
  -- Set with the trailer, in the transaction that moves the export to done.
  date_finished timestamptz,
  -- Set when the file is deleted (retention, or the export was cancelled or failed).
  date_removed timestamptz,
  PRIMARY KEY (organization_id, action_id)
);
CREATE UNIQUE INDEX export_files_action_idx ON export_files (action_id);
-- The retention sweep: files still on disk.
CREATE INDEX export_files_on_disk_idx ON export_files (date_finished) WHERE date_removed IS NULL;
