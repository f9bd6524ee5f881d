/**
 * The listening socket of `sluice serve`, and its three phases:
 *
 * ```
 * starting ──ready()──▶ ready ──drain()──▶ draining
 *    └───────────────drain()──────────────────┘
 * ```
 *
 * It listens before the database is opened, so that an orchestrator sees the process at once and
 * reads `GET /readyz` as 503 until migrations, the bootstrap and the workers are done; any other
 * request is then a 503 too. Once ready, requests go to the app (Fastify's handler, given through
 * its serverFactory). Draining refuses new connections, answers 503 with `Connection: close` to a
 * request that arrives on an open one, and waits for the requests in flight, up to a deadline.
 */
import http from 'node:http';

export type Phase = 'starting' | 'ready' | 'draining';
type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

export interface FrontDoor {
  readonly server: http.Server;
  phase(): Phase;
  /** Where requests go once ready: pass as Fastify's `serverFactory`. */
  serverFactory(handler: Handler): http.Server;
  ready(): void;
  /** Stops taking requests and waits up to `timeoutMs` for those in flight; false if some were cut off. */
  drain(timeoutMs: number): Promise<boolean>;
}

function unavailable(req: http.IncomingMessage, res: http.ServerResponse, phase: Phase): void {
  const path = (req.url ?? '').split('?')[0];
  const probe = path === '/readyz' || path === '/healthz';
  const body = probe ? { status: phase } : { error: `The server is ${phase === 'starting' ? 'starting' : 'shutting down'}; retry shortly.` };
  const text = JSON.stringify(body);
  res.writeHead(503, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'retry-after': '1',
    ...(phase === 'draining' ? { connection: 'close' } : {}),
  });
  res.end(text);
}

/** Listens on `host`:`port` in the starting phase. */
export async function openFrontDoor(host: string, port: number): Promise<FrontDoor> {
  let phase: Phase = 'starting';
  let app: Handler | undefined;
  const inFlight = new Set<http.ServerResponse>();
  let settled: (() => void) | undefined;

  const server = http.createServer((req, res) => {
    // Every response counts, refusals too: a drain must not cut off the 503 it is writing. A request
    // is done when its response is closed and ended: a client that goes away closes it at once,
    // while the handler still runs and still uses the database a drain is about to close, and only
    // ends it (into the closed socket) when it is through.
    inFlight.add(res);
    let closed = false;
    const done = () => {
      if (!closed || !res.writableEnded || !inFlight.delete(res)) return;
      if (inFlight.size === 0) settled?.();
    };
    res.on('close', () => {
      closed = true;
      done();
    });
    const end = res.end.bind(res) as (...args: unknown[]) => http.ServerResponse;
    res.end = ((...args: unknown[]) => {
      const result = end(...args);
      done();
      return result;
    }) as typeof res.end;
    if (phase !== 'ready' || !app) return unavailable(req, res, phase);
    app(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });

  return {
    server,
    phase: () => phase,
    serverFactory(handler) {
      app = handler;
      return server;
    },
    ready() {
      if (phase === 'starting') phase = 'ready';
    },
    async drain(timeoutMs) {
      // From now on a request that comes on an open connection (keep-alive, or pipelined behind one
      // in flight) is a 503 with `Connection: close`; the ones in flight finish as they would.
      phase = 'draining';
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const finished = inFlight.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => (settled = resolve));
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
      const ok = await Promise.race([finished.then(() => true), timedOut]);
      clearTimeout(timer);
      // Whatever is left (cut-off requests, idle sockets of slow clients) is closed now.
      server.closeAllConnections();
      await closed;
      return ok;
    },
  };
}
