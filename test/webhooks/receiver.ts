/**
 * A real HTTP receiver in the test process (node:http on 127.0.0.1, a free port), recording every
 * request it gets in arrival order. `respond` decides each answer (status, delay); by default 200.
 */
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { onTestFileEnd } from '../helpers/db.ts';
import type { TestApp } from '../helpers/app.ts';
import type { Config } from '../../src/config.ts';
import type { Clock } from '../../src/time.ts';
import { createWebhookDeliveryWorker, type WebhookWorkerOptions } from '../../src/webhooks/delivery-worker.ts';
import type { BackgroundWorker } from '../../src/worker/registry.ts';

export interface Received {
  readonly headers: http.IncomingHttpHeaders;
  readonly raw: string;
  readonly body: { subscription_id: string; event: Record<string, any> };
}

export interface Answer {
  readonly status?: number;
  /** Holds the answer until this promise settles. */
  readonly wait?: Promise<unknown>;
  readonly body?: string;
}

export interface Receiver {
  readonly url: string;
  readonly received: Received[];
  respond: (request: Received, index: number) => Answer | undefined;
  /** Requests whose body names `subscriptionId`. */
  of(subscriptionId: string): Received[];
}

export async function startReceiver(path = '/hook'): Promise<Receiver> {
  const received: Received[] = [];
  const receiver: Receiver = {
    url: '',
    received,
    respond: () => undefined,
    of: (id) => received.filter((r) => r.body.subscription_id === id),
  };
  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const entry: Received = { headers: req.headers, raw, body: JSON.parse(raw) };
      const index = received.length;
      received.push(entry);
      const answer = receiver.respond(entry, index) ?? {};
      void Promise.resolve(answer.wait).finally(() => {
        res.writeHead(answer.status ?? 200, { 'content-type': 'text/plain' });
        res.end(answer.body ?? 'ok');
      });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  (receiver as { url: string }).url = `http://127.0.0.1:${port}${path}`;
  onTestFileEnd(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return receiver;
}

/** Close's algorithm, as a receiver would check it (Python: hmac.new(bytes.fromhex(key), ts + body, sha256)). */
export function expectedSignature(signatureKey: string, timestamp: string, raw: string): string {
  return createHmac('sha256', Buffer.from(signatureKey, 'hex')).update(timestamp + raw).digest('hex');
}

/** Starts a delivery worker in this process on the test app's database; stopped at the end of the file. */
export async function startWebhookWorker(t: TestApp, options: WebhookWorkerOptions & { config?: Config; clock?: Clock } = {}): Promise<BackgroundWorker> {
  const worker = createWebhookDeliveryWorker(
    { db: t.db, pool: t.pool, config: options.config ?? t.config, clock: options.clock ?? t.clock, log: pino({ level: 'silent' }), connectionString: t.connectionString },
    { pollMs: 50, reapEveryMs: 100, ...options },
  );
  await worker.start();
  onTestFileEnd(() => worker.stop());
  return worker;
}

/** Polls `fn` until it returns a truthy value or `timeoutMs` passes. */
type Falsy = false | 0 | '' | null | undefined;

export async function waitFor<T>(fn: () => Promise<T | Falsy> | T | Falsy, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value as T;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
