/**
 * The outbound guard on its own. Everything here is a pure check or a connection to a listener on
 * 127.0.0.1: names other than `localhost` (which /etc/hosts answers) resolve through a table
 * passed to the guard, so no test sends a packet past loopback.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { OutboundGuard, type ResolvedAddress } from '../../src/net/outbound-guard.ts';
import { OutboundRefusedError } from '../../src/net/outbound-refused-error.ts';

/** A resolver answering from `table` (unknown names: ENOTFOUND, as getaddrinfo would). */
function tableResolver(table: Record<string, string[]>): (host: string) => Promise<ResolvedAddress[]> {
  return async (host) => {
    const answers = table[host.toLowerCase().replace(/\.$/, '')];
    if (!answers) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return answers.map((address) => ({ address, family: net.isIPv6(address) ? 6 : 4 }));
  };
}

const REFUSED = [
  '127.0.0.1',
  '127.255.0.9',
  '::1',
  '10.0.0.1',
  '172.16.0.1',
  '172.31.255.254',
  '192.168.1.1',
  '169.254.169.254',
  '100.64.0.1',
  '100.100.100.200',
  '0.0.0.0',
  '255.255.255.255',
  '224.0.0.1',
  '240.0.0.1',
  '192.0.0.192',
  '192.0.2.1',
  '168.63.129.16',
  '::',
  '::ffff:127.0.0.1',
  '::ffff:10.0.0.1',
  '::ffff:0:7f00:1',
  '64:ff9b::7f00:1',
  '64:ff9b:1::a00:1',
  '::7f00:1',
  '2002:7f00:1::1',
  '2001:db8::1',
  'fe80::1',
  'fc00::1',
  'fd00:ec2::254',
  'ff02::1',
];
const ALLOWED = ['8.8.8.8', '1.1.1.1', '2001:4860:4860::8888', '2606:4700:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808'];

describe('OutboundGuard: which addresses tenants may reach', () => {
  const guard = new OutboundGuard();

  for (const address of REFUSED) {
    test(`refuses ${address}`, async () => {
      assert.ok(guard.refusalOf(address), `${address} should be refused`);
      await assert.rejects(guard.check(address), (error: unknown) => {
        assert.ok(error instanceof OutboundRefusedError);
        assert.equal(error.code, 'EOUTBOUND');
        assert.ok(error.message.includes(address));
        assert.match(error.message, /OUTBOUND_ALLOW_HOSTS/);
        return true;
      });
    });
  }

  for (const address of ALLOWED) {
    test(`allows ${address}`, async () => {
      assert.equal(guard.refusalOf(address), undefined);
      assert.deepEqual(await guard.check(address), [{ address, family: net.isIPv6(address) ? 6 : 4 }]);
    });
  }

  test('says what kind of address it refused', () => {
    assert.equal(guard.refusalOf('127.0.0.1'), 'a loopback address');
    assert.equal(guard.refusalOf('10.0.0.1'), 'a private network address');
    assert.equal(guard.refusalOf('100.64.0.1'), 'a carrier-grade NAT address');
    assert.equal(guard.refusalOf('169.254.169.254'), 'a link-local address (cloud instance metadata)');
    assert.equal(guard.refusalOf('fd00:ec2::254'), 'a unique-local (private) IPv6 address (cloud instance metadata)');
    assert.equal(guard.refusalOf('::ffff:127.0.0.1'), 'a loopback address');
    assert.equal(guard.refusalOf('not-an-address'), 'not a valid IP address');
  });

  test('localhost resolves to loopback and is refused, naming the host, the address and the setting', async () => {
    await assert.rejects(guard.check('localhost'), (error: unknown) => {
      assert.ok(error instanceof OutboundRefusedError);
      assert.equal(error.host, 'localhost');
      assert.equal(error.address, '127.0.0.1');
      assert.match(error.message, /^localhost resolves to 127\.0\.0\.1, a loopback address; .*OUTBOUND_ALLOW_HOSTS/);
      return true;
    });
  });

  test('shorthand IPv4 forms reach the resolver and are judged by what it returns', async () => {
    // net.isIP does not take them, getaddrinfo turns them into 127.0.0.1 (no DNS query).
    for (const host of ['127.1', '2130706433']) {
      await assert.rejects(guard.check(host), (error: unknown) => OutboundRefusedError.is(error) && (error as OutboundRefusedError).address === '127.0.0.1');
    }
  });

  test('a name is refused if ANY of its addresses is forbidden, allowed if all are global', async () => {
    const resolving = new OutboundGuard({
      resolve: tableResolver({ 'mixed.test': ['8.8.8.8', '10.0.0.7'], 'public.test': ['8.8.8.8', '2001:4860:4860::8888'] }),
    });
    await assert.rejects(resolving.check('mixed.test'), (error: unknown) => OutboundRefusedError.is(error) && (error as OutboundRefusedError).address === '10.0.0.7');
    assert.deepEqual(await resolving.check('public.test'), [
      { address: '8.8.8.8', family: 4 },
      { address: '2001:4860:4860::8888', family: 6 },
    ]);
  });

  test('an unresolvable name fails with the resolver error, a slow one with ETIMEOUT', async () => {
    const resolving = new OutboundGuard({ resolve: tableResolver({}) });
    await assert.rejects(resolving.check('nowhere.test'), { code: 'ENOTFOUND' });
    const slow = new OutboundGuard({ resolve: () => new Promise(() => {}), lookupTimeoutMs: 30 });
    await assert.rejects(slow.check('slow.test'), { code: 'ETIMEOUT' });
  });
});

describe('OutboundGuard: the operator allow list (OUTBOUND_ALLOW_HOSTS)', () => {
  test('an IP address allows that address (and its IPv4-mapped form), nothing next to it', () => {
    const guard = new OutboundGuard({ allow: ['127.0.0.1'] });
    assert.equal(guard.refusalOf('127.0.0.1'), undefined);
    assert.equal(guard.refusalOf('::ffff:127.0.0.1'), undefined);
    assert.ok(guard.refusalOf('127.0.0.2'));
    assert.ok(guard.refusalOf('::1'));
    assert.ok(guard.refusalOf('10.0.0.1'));
  });

  test('a CIDR range allows the addresses in it, IPv4 and IPv6', () => {
    const guard = new OutboundGuard({ allow: ['10.0.0.0/8', 'fd00::/8'] });
    assert.equal(guard.refusalOf('10.1.2.3'), undefined);
    assert.equal(guard.refusalOf('10.255.255.255'), undefined);
    assert.equal(guard.refusalOf('fd00:ec2::254'), undefined);
    assert.ok(guard.refusalOf('11.0.0.1') === undefined, 'public addresses stay allowed');
    assert.ok(guard.refusalOf('192.168.1.1'));
    assert.ok(guard.refusalOf('fc00::1'));
  });

  test('a host name allows whatever it resolves to, that name only', async () => {
    const resolve = tableResolver({ 'mail.internal': ['10.0.0.5'], 'other.internal': ['10.0.0.5'] });
    const guard = new OutboundGuard({ allow: [' Mail.Internal. ', '192.168.0.0/16'], resolve });
    assert.deepEqual(await guard.check('mail.internal'), [{ address: '10.0.0.5', family: 4 }]);
    assert.deepEqual(await guard.check('MAIL.INTERNAL.'), [{ address: '10.0.0.5', family: 4 }]);
    assert.equal(guard.isAllowedName('mail.internal'), true);
    await assert.rejects(guard.check('other.internal'), { code: 'EOUTBOUND' });
    assert.ok(guard.refusalOf('10.0.0.5'), 'the name does not allow its address for other names');
  });

  test('localhost listed by name is reachable', async () => {
    const guard = new OutboundGuard({ allow: ['localhost'] });
    assert.deepEqual(await guard.check('localhost'), [{ address: '127.0.0.1', family: 4 }]);
  });

  test('forConfig gives one guard per configuration', () => {
    const config = { outboundAllowHosts: ['127.0.0.1'] };
    assert.equal(OutboundGuard.forConfig(config), OutboundGuard.forConfig(config));
    assert.equal(OutboundGuard.forConfig(config).refusalOf('127.0.0.1'), undefined);
    assert.ok(OutboundGuard.forConfig({ outboundAllowHosts: [] }).refusalOf('127.0.0.1'));
  });
});

describe('OutboundGuard: connecting (a loopback listener counts connections)', () => {
  let server: net.Server;
  let port = 0;
  let connections = 0;
  before(async () => {
    server = net.createServer((socket) => {
      connections += 1;
      socket.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    port = (server.address() as net.AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  // A name whose DNS answers loopback: what a rebinding attacker's domain does at connect time.
  const resolve = tableResolver({ 'rebind.test': ['127.0.0.1'] });

  test('connect refuses a forbidden literal and a name resolving to one, before any packet', async () => {
    const guard = new OutboundGuard({ resolve });
    const before = connections;
    await assert.rejects(guard.connect('127.0.0.1', port, { timeoutMs: 2000 }), { code: 'EOUTBOUND' });
    await assert.rejects(guard.connect('rebind.test', port, { timeoutMs: 2000 }), { code: 'EOUTBOUND' });
    await assert.rejects(new OutboundGuard().connect('localhost', port, { timeoutMs: 2000 }), { code: 'EOUTBOUND' });
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(connections, before);
  });

  test('connect reaches allowed addresses, through the checked answer', async () => {
    const guard = new OutboundGuard({ allow: ['127.0.0.1'], resolve });
    const before = connections;
    for (const host of ['127.0.0.1', 'rebind.test']) {
      const socket = await guard.connect(host, port, { timeoutMs: 2000 });
      assert.equal(socket.remoteAddress, '127.0.0.1');
      socket.destroy();
    }
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(connections, before + 2);
  });

  test('lookup plugs into net.connect: a refused name errors with EOUTBOUND, an allowed one connects', async () => {
    const before = connections;
    const refused = net.connect({ host: 'rebind.test', port, lookup: new OutboundGuard({ resolve }).lookup });
    await assert.rejects(new Promise((resolve, reject) => refused.once('connect', resolve).once('error', reject)), { code: 'EOUTBOUND' });
    const allowed = net.connect({ host: 'rebind.test', port, lookup: new OutboundGuard({ allow: ['127.0.0.0/8'], resolve }).lookup });
    await new Promise((resolve, reject) => allowed.once('connect', resolve).once('error', reject));
    allowed.destroy();
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(connections, before + 1);
  });

  test('createConnection covers IP literals (which Node never passes to lookup) and refuses local sockets', async () => {
    const guard = new OutboundGuard({ resolve });
    const before = connections;
    const literal = guard.createConnection({ host: '127.0.0.1', port });
    await assert.rejects(new Promise((resolve, reject) => literal.once('connect', resolve).once('error', reject)), { code: 'EOUTBOUND' });
    const ipc = guard.createConnection({ host: 'x', port: 1, socketPath: '/var/run/docker.sock' });
    await assert.rejects(new Promise((resolve, reject) => ipc.once('connect', resolve).once('error', reject)), { code: 'EOUTBOUND' });
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(connections, before);
  });
});
