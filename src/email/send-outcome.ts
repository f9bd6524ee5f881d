/**
 * What an SMTP result means for a message: `sent`; `permanent` (a 5xx reply: the server refused
 * this message, retrying cannot help, the reason is kept); or `transient` (connection refused or
 * dropped, timeouts, 4xx replies, and authentication failures, which are the account's problem,
 * not the message's: mail waits until the credentials are fixed, up to EMAIL_MAX_ATTEMPTS tries).
 * Two account problems are permanent instead, and noted on the account (`account`): a destination
 * the outbound policy refuses, and a server that will not do the STARTTLS the account requires.
 * Both are properties of the account's settings, not passing conditions: every retry would meet
 * the same refusal, so the message fails at once with a reason that says what to change.
 *
 * Retry delays double from EMAIL_RETRY_BASE_MS (default 30 s) per attempt, capped at one hour,
 * with up to 10% jitter so that a recovering server is not hit by every message at once.
 */
import { OutboundRefusedError } from '../net/outbound-refused-error.ts';

export type SendOutcome =
  | { readonly kind: 'sent'; readonly response: string }
  | { readonly kind: 'permanent'; readonly reason: string; readonly code: number | null; readonly account?: boolean }
  | { readonly kind: 'transient'; readonly reason: string; readonly code: number | null };

const MAX_DELAY_MS = 3_600_000;

/** Classifies a nodemailer error. */
export function classifyError(error: unknown): SendOutcome {
  const e = error as { responseCode?: number; code?: string; response?: string; message?: string; command?: string };
  const code = typeof e.responseCode === 'number' ? e.responseCode : null;
  // Nothing was connected, so there is no server reply to report: the guard's message names the
  // host, the address and OUTBOUND_ALLOW_HOSTS. Retrying cannot help until the account's host or
  // the operator's allow list changes (and would only give a name whose DNS flips more draws).
  if (OutboundRefusedError.is(error)) return { kind: 'permanent', reason: String(e.message).slice(0, 1000), code: null, account: true };
  if (e.code === 'ETLS' && e.command === 'STARTTLS' && code !== null && code >= 500) {
    const reply = String(e.response ?? e.message).slice(0, 500);
    const reason = `The SMTP server refused STARTTLS (${reply}); nothing was sent over the unencrypted connection. Set smtp.require_tls to false to send without encryption.`;
    return { kind: 'permanent', reason, code, account: true };
  }
  const reason = (e.response ?? e.message ?? String(error)).slice(0, 1000);
  if (code !== null && code >= 500 && e.code !== 'EAUTH') return { kind: 'permanent', reason, code };
  return { kind: 'transient', reason: e.code && !reason.includes(e.code) ? `${e.code}: ${reason}` : reason, code };
}

/** The delay before attempt `attempt + 1` after `attempt` failed tries (attempt ≥ 1). */
export function retryDelayMs(baseMs: number, attempt: number, random: () => number = Math.random): number {
  const raw = Math.min(MAX_DELAY_MS, baseMs * 2 ** Math.min(30, attempt - 1));
  return Math.round(raw * (1 + 0.1 * random()));
}
