/**
 * The outbound policy for connections made on a tenant's behalf (connected accounts' SMTP today,
 * webhooks next; design.md "Security"): only globally routable unicast addresses
 * (address-policy.ts), except what the operator lists in OUTBOUND_ALLOW_HOSTS (allow-list.ts).
 *
 * The check has to be made on the address actually connected to. Checking a name and then letting
 * the socket resolve it again would let a DNS server answer "public" to the check and "127.0.0.1"
 * to the connect (DNS rebinding). So the guard resolves once, refuses the whole name if ANY answer
 * is forbidden (a name mixing public and private answers is itself a rebinding tell), and hands
 * exactly the checked answers to the socket: `lookup` plugs into net/tls/http, `createConnection`
 * and `connect` also cover IP literals, for which Node never calls `lookup`.
 *
 * Resolution is `dns.lookup` (getaddrinfo, /etc/hosts included), the resolver net.connect itself
 * uses, bounded by `lookupTimeoutMs` (5 s): the threadpool call cannot be cancelled, but nothing
 * waits on it longer than that.
 */
import dns from 'node:dns';
import net from 'node:net';
import { forbiddenReason } from './address-policy.ts';
import { AllowList } from './allow-list.ts';
import { OutboundRefusedError } from './outbound-refused-error.ts';

export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/** Every address `host` resolves to. */
export type ResolveHost = (host: string) => Promise<readonly ResolvedAddress[]>;

export interface OutboundGuardOptions {
  /** OUTBOUND_ALLOW_HOSTS: host names, IP addresses, CIDR ranges. */
  readonly allow?: readonly string[];
  /** Name resolution; defaults to `dns.lookup(host, {all: true})`. Tests pass a table. */
  readonly resolve?: ResolveHost;
  readonly lookupTimeoutMs?: number;
}

const systemResolve: ResolveHost = async (host) => {
  const answers = await dns.promises.lookup(host, { all: true });
  return answers.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

function codedError(message: string, code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}

export class OutboundGuard {
  private static readonly byAllowList = new WeakMap<readonly string[], OutboundGuard>();
  private readonly allow: AllowList;
  private readonly resolveHost: ResolveHost;
  private readonly lookupTimeoutMs: number;

  constructor(options: OutboundGuardOptions = {}) {
    this.allow = new AllowList(options.allow ?? []);
    this.resolveHost = options.resolve ?? systemResolve;
    this.lookupTimeoutMs = options.lookupTimeoutMs ?? 5_000;
  }

  /** The guard for a loaded configuration (one per configuration object). */
  static forConfig(config: { readonly outboundAllowHosts: readonly string[] }): OutboundGuard {
    let guard = OutboundGuard.byAllowList.get(config.outboundAllowHosts);
    if (!guard) {
      guard = new OutboundGuard({ allow: config.outboundAllowHosts });
      OutboundGuard.byAllowList.set(config.outboundAllowHosts, guard);
    }
    return guard;
  }

  /**
   * Why `address` (an IP address) may not be reached, or undefined when it may.
   *
   * @example new OutboundGuard().refusalOf('127.0.0.1') // 'a loopback address'
   * @example new OutboundGuard({ allow: ['127.0.0.1'] }).refusalOf('127.0.0.1') // undefined
   */
  refusalOf(address: string): string | undefined {
    if (this.allow.allowsAddress(address)) return undefined;
    return forbiddenReason(address);
  }

  /** Whether the operator listed the host name `host` (then whatever it resolves to may be reached). */
  isAllowedName(host: string): boolean {
    return this.allow.allowsName(host);
  }

  /**
   * Resolves `host` (an IP literal is taken as is) and returns its addresses if every one of them
   * may be reached. Rejects with OutboundRefusedError (code EOUTBOUND) naming the host and the
   * first forbidden address; a name that does not resolve rejects with the resolver's error
   * (ENOTFOUND …), one that takes too long with code ETIMEOUT.
   *
   * @example await guard.check('smtp.example.com') // [{ address: '203.0.113.5', family: 4 }]
   */
  async check(host: string): Promise<ResolvedAddress[]> {
    const family = net.isIP(host);
    if (family !== 0) {
      const reason = this.refusalOf(host);
      if (reason) throw new OutboundRefusedError(host, host, reason);
      return [{ address: host, family: family === 6 ? 6 : 4 }];
    }
    const answers = await this.resolveWithTimeout(host);
    if (answers.length === 0) throw codedError(`${host} does not resolve to any address`, 'ENOTFOUND');
    if (!this.allow.allowsName(host)) {
      for (const answer of answers) {
        const reason = this.refusalOf(answer.address);
        if (reason) throw new OutboundRefusedError(host, answer.address, reason);
      }
    }
    return [...answers];
  }

  /**
   * A `lookup` for net.connect, tls.connect and http(s).request: answers with the checked
   * addresses only. Node skips `lookup` for IP literals, so callers that may get one use
   * `createConnection` (or `check` first).
   *
   * @example tls.connect({ host, port, servername: host, lookup: guard.lookup })
   */
  readonly lookup: net.LookupFunction = (hostname, options, callback) => {
    this.check(hostname).then(
      (answers) => {
        const wanted = options.family === 4 || options.family === 'IPv4' ? 4 : options.family === 6 || options.family === 'IPv6' ? 6 : 0;
        const usable = wanted === 0 ? answers : answers.filter((a) => a.family === wanted);
        const first = usable[0];
        if (!first) return callback(codedError(`${hostname} has no IPv${wanted} address`, 'ENOTFOUND'), '', 0);
        if (options.all) return callback(null, usable.map((a) => ({ address: a.address, family: a.family })));
        return callback(null, first.address, first.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    );
  };

  /**
   * `net.createConnection` under the policy (also usable as an http.Agent's `createConnection`):
   * a refused IP literal yields a socket that fails with the OutboundRefusedError on the next
   * tick, a name goes through `lookup`. Unix sockets are refused outright.
   */
  readonly createConnection = (options: net.TcpNetConnectOpts & { socketPath?: string; path?: string | null }, onConnect?: () => void): net.Socket => {
    const host = options.host ?? 'localhost';
    const failed = (error: Error) => {
      const socket = new net.Socket();
      process.nextTick(() => socket.destroy(error));
      return socket;
    };
    if (options.socketPath || options.path) return failed(new OutboundRefusedError(host, String(options.socketPath || options.path), 'a local socket'));
    if (net.isIP(host) !== 0) {
      const reason = this.refusalOf(host);
      if (reason) return failed(new OutboundRefusedError(host, host, reason));
      return net.connect({ ...options, host }, onConnect);
    }
    return net.connect({ ...options, host, lookup: this.lookup }, onConnect);
  };

  /**
   * A plain TCP connection to `host`:`port` under the policy, resolved once it is established.
   * Rejects with OutboundRefusedError before anything is sent, with the resolver's or the socket's
   * error, or with code ETIMEDOUT after `timeoutMs` in all (resolution included).
   */
  connect(host: string, port: number, options: { readonly timeoutMs: number }): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
      const socket = this.createConnection({ host, port });
      const timer = setTimeout(() => {
        socket.destroy(codedError(`Connecting to ${host}:${port} took longer than ${options.timeoutMs} ms`, 'ETIMEDOUT'));
      }, options.timeoutMs);
      const onError = (error: Error) => {
        clearTimeout(timer);
        reject(error);
      };
      socket.once('error', onError);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.off('error', onError);
        resolve(socket);
      });
    });
  }

  private resolveWithTimeout(host: string): Promise<readonly ResolvedAddress[]> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(codedError(`Resolving ${host} took longer than ${this.lookupTimeoutMs} ms`, 'ETIMEOUT')), this.lookupTimeoutMs);
      this.resolveHost(host).then(
        (answers) => {
          clearTimeout(timer);
          resolve(answers);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }
}
