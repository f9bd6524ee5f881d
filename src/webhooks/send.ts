/**
 * One webhook POST under the outbound policy (design.md "Security"): the host is resolved and
 * checked by the guard when the connection is made (its `lookup`; an IP literal is checked here,
 * since Node never calls `lookup` for one), so the address connected to is the address checked.
 * Redirects are not followed (node:http never does; a 3xx is a failed attempt like any non-2xx),
 * TLS is verified unless the subscription says `verify_ssl: false`, the whole exchange is bounded
 * by `timeoutMs`, and at most `maxResponseBytes` of the answer are read (a receiver that streams
 * without end cannot hold the worker).
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { OutboundGuard } from '../net/outbound-guard.ts';
import { OutboundRefusedError } from '../net/outbound-refused-error.ts';
import { hostOf } from './url-check.ts';

export interface PostRequest {
  readonly url: URL;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly verifySsl: boolean;
  readonly guard: OutboundGuard;
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
  /** Keep-alive agent of the subscription's lane (http or https as the URL says). */
  readonly agent: http.Agent;
}

export interface PostResult {
  /** A 2xx answer. */
  readonly ok: boolean;
  readonly statusCode: number | null;
  readonly latencyMs: number;
  /** Why it failed (connection error, timeout, refused address, non-2xx with the start of the body). */
  readonly error: string | null;
}

/** Characters of a failed answer's body kept in the delivery log. */
const ERROR_BODY_CHARS = 200;

function decoded(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/** A keep-alive agent for `url`'s scheme, with at most `sockets` connections. */
export function agentFor(url: URL, sockets: number): http.Agent {
  const options = { keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets };
  return url.protocol === 'https:' ? new https.Agent(options) : new http.Agent(options);
}

/** POSTs `body` to the receiver; never rejects. */
export function postWebhook(request: PostRequest): Promise<PostResult> {
  const started = performance.now();
  const host = hostOf(request.url);
  if (net.isIP(host) !== 0) {
    const reason = request.guard.refusalOf(host);
    if (reason) return Promise.resolve({ ok: false, statusCode: null, latencyMs: 0, error: new OutboundRefusedError(host, host, reason).message });
  }
  return new Promise((resolve) => {
    let settled = false;
    const done = (statusCode: number | null, error: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const ok = error === null && statusCode !== null && statusCode >= 200 && statusCode < 300;
      resolve({ ok, statusCode, latencyMs: Math.round(performance.now() - started), error });
    };
    const lib = request.url.protocol === 'https:' ? https : http;
    const req = lib.request({
      protocol: request.url.protocol,
      hostname: host,
      port: request.url.port === '' ? undefined : Number(request.url.port),
      path: `${request.url.pathname}${request.url.search}`,
      method: 'POST',
      // Credentials in the URL (https://user:pass@host/) as HTTP Basic, like any HTTP client.
      auth: request.url.username ? `${decoded(request.url.username)}:${decoded(request.url.password)}` : undefined,
      agent: request.agent,
      lookup: request.guard.lookup,
      rejectUnauthorized: request.verifySsl,
      servername: net.isIP(host) === 0 ? host : undefined,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(request.body), 'user-agent': 'Sluice-Webhooks/1', ...request.headers },
    });
    const timer = setTimeout(() => {
      req.destroy();
      done(null, `No complete answer within ${request.timeoutMs} ms (WEBHOOK_TIMEOUT_MS).`);
    }, request.timeoutMs);
    req.on('error', (error: NodeJS.ErrnoException) => done(null, error.code && !error.message.includes(error.code) ? `${error.code}: ${error.message}` : error.message));
    req.on('response', (res) => {
      const statusCode = res.statusCode ?? 0;
      const success = statusCode >= 200 && statusCode < 300;
      let read = 0;
      let excerpt = '';
      const finish = () => done(statusCode, success ? null : `HTTP ${statusCode}${excerpt ? `: ${excerpt.slice(0, ERROR_BODY_CHARS)}` : ''}`);
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        read += Buffer.byteLength(chunk);
        if (excerpt.length < ERROR_BODY_CHARS) excerpt += chunk.slice(0, ERROR_BODY_CHARS - excerpt.length);
        // Enough read: the status decides; the connection is dropped rather than drained.
        if (read > request.maxResponseBytes) {
          finish();
          res.destroy();
        }
      });
      res.on('end', finish);
      res.on('error', finish);
      res.on('close', finish);
    });
    req.end(request.body);
  });
}
