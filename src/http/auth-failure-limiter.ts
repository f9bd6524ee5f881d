/**
 * Slows down guessing of API keys: each client address may fail authentication
 * `AUTH_FAILURES_PER_MINUTE` times in a burst, refilled evenly over a minute. An address over its
 * allowance gets a 429 before its key is even looked up, so a guessing loop costs no database
 * work and learns nothing, at the price of also turning away a valid key sent from that address
 * until the allowance refills (a shared NAT behind a misbehaving client). Counted in this process's
 * memory: N API processes allow N times the setting, which still bounds guessing to a rate that
 * 256-bit keys and the minimum length of operator-supplied keys make hopeless.
 */
import ipaddr from 'ipaddr.js';
import { SluiceError } from '../errors.ts';

/**
 * Whom an address stands for: an IPv4 address, or an IPv6 /64 (one subscriber's network: a client
 * owning a /64 could otherwise take a fresh allowance, and churn the table, with every request).
 */
function clientOf(address: string): string {
  if (!ipaddr.isValid(address)) return address;
  const parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv4') return parsed.toString();
  const v6 = parsed as ipaddr.IPv6;
  if (v6.isIPv4MappedAddress()) return v6.toIPv4Address().toString();
  return `${v6.parts.slice(0, 4).map((part) => part.toString(16)).join(':')}::/64`;
}

interface Allowance {
  tokens: number;
  updated: number;
}

export class AuthFailureLimiter {
  private readonly byAddress = new Map<string, Allowance>();

  /** `perMinute` failures per address (0 disables). */
  constructor(private readonly perMinute: number) {}

  private refill(address: string, now: number): Allowance {
    const client = clientOf(address);
    let allowance = this.byAddress.get(client);
    if (!allowance) {
      if (this.byAddress.size > 100_000) this.byAddress.clear(); // bound memory against address churn
      allowance = { tokens: this.perMinute, updated: now };
      this.byAddress.set(client, allowance);
    }
    allowance.tokens = Math.min(this.perMinute, allowance.tokens + ((now - allowance.updated) / 60_000) * this.perMinute);
    allowance.updated = now;
    return allowance;
  }

  /** Throws a 429 when `address` has no failed attempt left; call before authenticating. */
  assertAllowed(address: string, now: number): void {
    if (this.perMinute <= 0) return;
    const allowance = this.refill(address, now);
    if (allowance.tokens >= 1) return;
    const wait = Math.max(1, Math.ceil(((1 - allowance.tokens) * 60) / this.perMinute));
    throw new SluiceError('rate_limited', `Too many failed authentications from this address (AUTH_FAILURES_PER_MINUTE=${this.perMinute}); retry in ${wait} s.`, {
      rateReset: wait,
    });
  }

  /** Spends one attempt of `address` on a failed authentication. */
  recordFailure(address: string, now: number): void {
    if (this.perMinute <= 0) return;
    this.refill(address, now).tokens -= 1;
  }
}
