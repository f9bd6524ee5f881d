/**
 * Every column holding encrypted secrets, for the code that walks them all: start-up (which
 * encrypts values stored before encryption existed), the unknown-key check, and rotation.
 * A new kind of stored secret (webhook keys, say) adds a line here.
 */

export interface StoredSecretColumn {
  readonly table: 'connected_accounts' | 'app_secrets' | 'webhooks';
  /** The primary key column (text). */
  readonly key: string;
  readonly column: string;
  /** The context the values are sealed with (sealed-secret.ts). */
  readonly context: string;
  /**
   * Plain values here are legacy secrets to encrypt in place. False where plain rows are something
   * else: app_secrets keeps the legacy unsubscribe key plain (unsubscribe-links/secret.ts).
   */
  readonly encryptsPlain: boolean;
}

export const SMTP_PASSWORD_CONTEXT = 'connected_accounts.smtp_password';
export const APP_SECRET_CONTEXT = 'app_secrets.value';
export const WEBHOOK_KEY_CONTEXT = 'webhooks.signature_key';

export const STORED_SECRET_COLUMNS: readonly StoredSecretColumn[] = [
  { table: 'connected_accounts', key: 'id', column: 'smtp_password', context: SMTP_PASSWORD_CONTEXT, encryptsPlain: true },
  { table: 'app_secrets', key: 'name', column: 'value', context: APP_SECRET_CONTEXT, encryptsPlain: false },
  // Always stored sealed (src/webhooks/routes.ts); listed so rotation re-encrypts them.
  { table: 'webhooks', key: 'id', column: 'signature_key', context: WEBHOOK_KEY_CONTEXT, encryptsPlain: false },
];

/** Advisory lock serialising start-up encryption and rotation across processes. */
export const STORED_SECRETS_LOCK_KEY = 7_305_150_011;
