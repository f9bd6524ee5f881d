/**
 * A webhook `url` at create and update: an absolute http(s) URL whose host tenants may reach
 * (design.md "Security"), else a 400 on `url` and nothing is stored. As for SMTP hosts
 * (connected-accounts/smtp-host-check.ts) this is feedback while the user is looking; the
 * protection is the same guard at connect time (send.ts), on the address actually connected to.
 */
import { fieldError } from '../errors.ts';
import { OutboundGuard } from '../net/outbound-guard.ts';
import { OutboundRefusedError } from '../net/outbound-refused-error.ts';

/** The host of a parsed URL as the resolver and the guard take it (IPv6 without brackets). */
export function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

/** Parses `raw` as a webhook URL or throws a 400 on `url`. */
export function parseWebhookUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw fieldError('url', 'Must be an absolute http:// or https:// URL.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw fieldError('url', 'Must be an absolute http:// or https:// URL.');
  if (url.hostname === '') throw fieldError('url', 'Must name a host.');
  return url;
}

/** Throws a 400 on `url` unless its host resolves only to addresses tenants may reach. */
export async function assertWebhookUrlAllowed(config: { readonly outboundAllowHosts: readonly string[] }, raw: string): Promise<string> {
  const url = parseWebhookUrl(raw);
  const host = hostOf(url);
  const guard = OutboundGuard.forConfig(config);
  if (guard.isAllowedName(host)) return raw;
  try {
    await guard.check(host);
  } catch (error) {
    if (OutboundRefusedError.is(error)) throw fieldError('url', error.message);
    const code = (error as { code?: unknown }).code;
    if (code === 'ETIMEOUT') throw fieldError('url', `Resolving ${host} took too long; check the name, or try again later.`);
    throw fieldError('url', `${host} does not resolve to an address${typeof code === 'string' ? ` (${code})` : ''}.`);
  }
  return raw;
}
