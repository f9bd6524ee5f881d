-- Whether the SMTP session must be upgraded with STARTTLS before anything else is sent (the
-- password above all). True for every account, existing ones included: an account whose server
-- offers no STARTTLS now fails to send with an error saying so, until its owner opts out with
-- `smtp.require_tls: false`. Irrelevant with smtp_use_ssl (TLS from the first byte).
ALTER TABLE connected_accounts ADD COLUMN IF NOT EXISTS smtp_require_tls boolean NOT NULL DEFAULT true;
