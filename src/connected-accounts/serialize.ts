/** A connected account as `/connected_account/` shows it; the SMTP password never leaves. */
import { formatTimestamp } from '../time.ts';
import { identitiesOf, type AccountRow } from './account.ts';

/** Close's ConnectedAccount fields (custom_email), plus `sending_limits` and `delivery` (extensions). */
export function accountResponse(row: AccountRow): Record<string, unknown> {
  const identities = identitiesOf(row);
  return {
    _type: row.type,
    id: row.id,
    user_id: row.user_id,
    organization_id: row.organization_id,
    email: row.email,
    identities,
    default_identity: identities[0] ?? null,
    smtp: row.smtp_host
      ? { host: row.smtp_host, port: row.smtp_port, use_ssl: row.smtp_use_ssl, require_tls: row.smtp_require_tls, username: row.smtp_username }
      : null,
    imap: null,
    send_status: row.latest_send_error ? 'error' : 'ok',
    receive_status: null,
    latest_send_error: row.latest_send_error,
    latest_receive_error: null,
    // Close's default fields for what a send-only SMTP account does not have: no mailbox or calendar
    // sync, no meeting integrations, no lead suggestions.
    email_receive_status: null,
    calendar_receive_status: null,
    available_features: [],
    enabled_features: [],
    available_calendars: [],
    synced_calendars: [],
    sync_all_calendars: false,
    is_imap_archive_sync_enabled: false,
    has_meeting_creation_scopes: false,
    calendly: null,
    zoom_account_plan: null,
    lead_suggestions_updated_at: null,
    sending_limits: { hourly: row.hourly_limit, daily: row.daily_limit, min_delay_seconds: row.min_delay_seconds },
    delivery: row.smtp_host ? 'smtp' : 'local_outbox',
    date_created: formatTimestamp(row.date_created),
    date_updated: formatTimestamp(row.date_updated),
  };
}
