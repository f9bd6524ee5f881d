/**
 * The transport of an account that cannot send at all from this process: its stored SMTP password
 * cannot be decrypted (another SECRET_KEY). Every send fails with that error, so the worker records
 * it like any SMTP failure (transient: on the message, retried with backoff, and as the account's
 * `latest_send_error`) instead of the claim crashing and leaving the messages `sending`.
 */
import type { MailTransport } from './transports.ts';

/** A transport whose every send rejects with `error`. */
export function failingTransport(error: unknown): MailTransport {
  return {
    send: () => Promise.reject(error),
    close: () => {},
  };
}
