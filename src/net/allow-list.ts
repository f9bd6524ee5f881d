/**
 * The operator's exceptions to the outbound policy (`OUTBOUND_ALLOW_HOSTS`): host names, IP
 * addresses and CIDR ranges. A host name allows the name itself, whatever it resolves to (the
 * operator vouches for their own DNS); an address or range allows those addresses whichever name
 * led to them. IPv4 entries also cover the IPv4-mapped IPv6 form of their addresses, which reaches
 * the same host.
 */
import net from 'node:net';
import ipaddr from 'ipaddr.js';

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** Lower case without the root label's dot, so `Mail.Internal.` and `mail.internal` are one name. */
export function normalizeHostName(host: string): string {
  return host.trim().toLowerCase().replace(/\.$/, '');
}

export class AllowList {
  private readonly names = new Set<string>();
  private readonly ranges: Range[] = [];

  /** Reads `entries`; an entry that is neither an address nor a range is taken as a host name. */
  constructor(entries: readonly string[]) {
    for (const raw of entries) {
      const entry = raw.trim();
      if (entry === '') continue;
      if (entry.includes('/') && ipaddr.isValidCIDR(entry)) this.ranges.push(ipaddr.parseCIDR(entry));
      else if (net.isIP(entry) !== 0) {
        const address = ipaddr.parse(entry);
        this.ranges.push([address, address.kind() === 'ipv4' ? 32 : 128]);
      } else this.names.add(normalizeHostName(entry));
    }
  }

  get isEmpty(): boolean {
    return this.names.size === 0 && this.ranges.length === 0;
  }

  /** Whether the operator listed the host name `host`. */
  allowsName(host: string): boolean {
    return this.names.size > 0 && this.names.has(normalizeHostName(host));
  }

  /** Whether the operator listed `address` (a strict IP address), or a range holding it. */
  allowsAddress(address: string): boolean {
    if (this.ranges.length === 0 || !ipaddr.isValid(address)) return false;
    // ipaddr.process unwraps ::ffff:a.b.c.d, so 127.0.0.1 in the list covers its mapped form too.
    const forms = [ipaddr.parse(address), ipaddr.process(address)];
    return forms.some((form) => this.ranges.some(([base, bits]) => base.kind() === form.kind() && form.match(base, bits)));
  }
}
