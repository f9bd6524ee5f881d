/**
 * `smtp.host` at create and update: a host tenants may not reach (design.md "Security") is a 400
 * on `smtp.host` and nothing is stored, so a typo or a probe is answered while its author is
 * looking, rather than by every send failing later. This is feedback; the protection is the same
 * guard at connect time, on the address actually connected to, since DNS may answer differently
 * by then.
 *
 * A name that does not resolve is a 400 as well (naming the host): an account that cannot send
 * is better refused now than accepted to fail every message. The price is that a DNS outage at
 * the moment of saving refuses a good host; saving again later works. A name the operator listed in
 * OUTBOUND_ALLOW_HOSTS is taken as is, unresolved.
 */
import { fieldError } from '../errors.ts';
import { OutboundGuard } from '../net/outbound-guard.ts';
import { OutboundRefusedError } from '../net/outbound-refused-error.ts';

/** Throws a 400 on `smtp.host` unless `host` (when given) resolves only to addresses tenants may reach. */
export async function assertSmtpHostAllowed(config: { readonly outboundAllowHosts: readonly string[] }, host: string | undefined): Promise<void> {
  if (host === undefined) return;
  const guard = OutboundGuard.forConfig(config);
  // Listed by name: the operator vouches for it, and it may resolve only where the workers run.
  if (guard.isAllowedName(host)) return;
  try {
    await guard.check(host);
  } catch (error) {
    if (OutboundRefusedError.is(error)) throw fieldError('smtp.host', error.message);
    const code = (error as { code?: unknown }).code;
    if (code === 'ETIMEOUT') throw fieldError('smtp.host', `Resolving ${host} took too long; check the name, or try again later.`);
    throw fieldError('smtp.host', `${host} does not resolve to an address${typeof code === 'string' ? ` (${code})` : ''}.`);
  }
}
