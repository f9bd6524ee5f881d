/**
 * METRICS_LISTEN: a plain HTTP listener of its own that serves GET /metrics and nothing else,
 * without authentication, meant for a private interface a Prometheus server scrapes. It runs in
 * every role, so `--role worker` processes, which have no API port, are scraped too.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

export interface MetricsListener {
  /** The port listened on (useful with port 0). */
  readonly port: number;
  close(): Promise<void>;
}

/** Starts serving `registry` on `host:port`. */
export async function startMetricsListener(registry: Registry, listen: { host: string; port: number }, log?: Logger): Promise<MetricsListener> {
  const server = http.createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('Not found\n');
      return;
    }
    registry
      .metrics()
      .then((text) => response.writeHead(200, { 'content-type': registry.contentType }).end(request.method === 'HEAD' ? undefined : text))
      .catch((error: unknown) => {
        log?.error({ err: error }, 'metrics: exposition failed');
        response.writeHead(500, { 'content-type': 'text/plain' }).end('Metrics unavailable\n');
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
