-- Each phone's display form (`phone_formatted`, libphonenumber's international format: formatPhone
-- in src/contacts/channels.ts), stored when the phone is written instead of computed on every read.
-- Formatting took about a tenth of GET /lead/{id}/'s server time, and the bulk delete read and
-- formatted every batch's numbers in a statement of its own. PostgreSQL cannot compute it, so the
-- rows already stored are filled in JavaScript right after this, in the same transaction, which then
-- makes the column NOT NULL (src/db/migration-data-steps.ts). A number is formatted with the
-- libphonenumber metadata of the release that wrote it.
ALTER TABLE contact_phones ADD COLUMN phone_formatted text;
