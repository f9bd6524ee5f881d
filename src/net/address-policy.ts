/**
 * Which IP addresses a tenant may make Sluice connect to: globally routable unicast, nothing else.
 *
 * ipaddr.js names the special-purpose blocks of IANA's registries (loopback, RFC 1918, link-local,
 * carrier-grade NAT, multicast, reserved …); anything it does not call `unicast` is refused. Two
 * gaps are closed on top of it:
 * - IPv6 must also lie in 2000::/3, the only block IANA hands out as global unicast. ipaddr.js
 *   calls e.g. the deprecated IPv4-compatible `::7f00:1` "unicast", and refusing by allocation
 *   rather than by a list of exceptions cannot miss the next odd form.
 * - IPv6 forms that carry an IPv4 address which the network stack or a translator will end up
 *   reaching (mapped `::ffff:a.b.c.d`, SIIT `::ffff:0:a.b.c.d`, NAT64 `64:ff9b::a.b.c.d`) are
 *   judged by that IPv4 address, so `::ffff:127.0.0.1` is loopback and `64:ff9b::8.8.8.8` is not.
 * Cloud metadata endpoints mostly sit in blocks refused anyway (169.254.169.254 link-local,
 * fd00:ec2::254 unique-local, 100.100.100.200 carrier-grade NAT); the one in public space
 * (Azure's 168.63.129.16) is refused by name.
 */
import net from 'node:net';
import ipaddr from 'ipaddr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

const RANGE_NAMES: Readonly<Record<string, string>> = {
  unspecified: 'an unspecified address',
  broadcast: 'the broadcast address',
  multicast: 'a multicast address',
  linkLocal: 'a link-local address',
  loopback: 'a loopback address',
  carrierGradeNat: 'a carrier-grade NAT address',
  private: 'a private network address',
  reserved: 'a reserved address',
  uniqueLocal: 'a unique-local (private) IPv6 address',
  deprecatedSiteLocal: 'a site-local (private) IPv6 address',
  rfc6052: 'a local-use NAT64 address',
  '6to4': 'a 6to4 tunnel address',
  teredo: 'a Teredo tunnel address',
};

const METADATA = new Set(['169.254.169.254', '169.254.170.2', '100.100.100.200', '192.0.0.192', '168.63.129.16', 'fd00:ec2:0:0:0:0:0:254']);
const PUBLIC_METADATA = [ipaddr.IPv4.parseCIDR('168.63.129.16/32')];

const GLOBAL_UNICAST_V6 = ipaddr.IPv6.parseCIDR('2000::/3');
const NAT64_WELL_KNOWN = ipaddr.IPv6.parseCIDR('64:ff9b::/96');

/** The IPv4 address an IPv6 address stands for, if it is one of the forms that carry one. */
function embeddedIPv4(address: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  const range = address.range();
  const carriesV4 = range === 'ipv4Mapped' || range === 'rfc6145' || (range === 'rfc6052' && address.match(NAT64_WELL_KNOWN));
  if (!carriesV4) return undefined;
  const bytes = address.toByteArray().slice(12);
  return new ipaddr.IPv4(bytes);
}

function describe(address: Address, why: string): string {
  return METADATA.has(address.toNormalizedString()) ? `${why} (cloud instance metadata)` : why;
}

/**
 * Why `text` (an IP address as `net.isIP` accepts it) may not be reached, or undefined when it is
 * a globally routable unicast address. The allow list is not consulted here (see OutboundGuard).
 *
 * @example forbiddenReason('10.1.2.3') // 'a private network address'
 * @example forbiddenReason('8.8.8.8') // undefined
 */
export function forbiddenReason(text: string): string | undefined {
  // Strict syntax only: ipaddr.js also reads shorthands such as `127.1`, which callers must have
  // resolved (getaddrinfo turns them into dotted quads) before asking.
  if (net.isIP(text) === 0 || !ipaddr.isValid(text)) return 'not a valid IP address';
  let address: Address = ipaddr.parse(text);
  if (address.kind() === 'ipv6') {
    const v6 = address as ipaddr.IPv6;
    const v4 = embeddedIPv4(v6);
    if (v4) address = v4;
    else {
      const range = v6.range();
      if (range !== 'unicast') return describe(v6, RANGE_NAMES[range] ?? `a special-purpose address (${range})`);
      if (!v6.match(GLOBAL_UNICAST_V6)) return 'an IPv6 address outside global unicast space (2000::/3)';
      return undefined;
    }
  }
  const range = address.range();
  if (range !== 'unicast') return describe(address, RANGE_NAMES[range] ?? `a special-purpose address (${range})`);
  if (PUBLIC_METADATA.some((cidr) => address.match(cidr))) return 'a cloud instance metadata address';
  return undefined;
}
