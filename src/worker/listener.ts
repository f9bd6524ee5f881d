/**
 * The dedicated connection a background worker LISTENs on, to wake as soon as work is committed.
 * Each notification calls `onNotify`. A connection that fails or is lost is retried every `retryMs`
 * until stop(), and each (re)connection calls `onNotify` once, for whatever was notified while
 * nobody listened. Nothing depends on a notification arriving: every worker also polls, which
 * covers the gap.
 */
import pg from 'pg';
import type { Logger } from 'pino';

export interface ListenerOptions {
  readonly connectionString: string;
  /** A constant identifier (it is spliced into LISTEN, which takes no parameter). */
  readonly channel: string;
  readonly onNotify: () => void;
  readonly log: Logger;
  readonly retryMs?: number;
}

export interface Listener {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Creates a listener on `channel`; start() resolves once it listens or has scheduled a retry. */
export function createListener(options: ListenerOptions): Listener {
  const { connectionString, channel, onNotify, log } = options;
  if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`not a channel name: ${channel}`);
  const retryMs = options.retryMs ?? 2000;
  let stopped = false;
  let client: pg.Client | undefined;
  let timer: NodeJS.Timeout | undefined;

  const retry = () => {
    if (!stopped) timer = setTimeout(() => void connect(), retryMs);
  };

  const connect = async (): Promise<void> => {
    if (stopped) return;
    const candidate = new pg.Client({ connectionString });
    candidate.on('notification', () => onNotify());
    candidate.on('error', (error) => {
      candidate.end().catch(() => {});
      // Only a connection that was listening is retried here; a failed connect retries below.
      if (client !== candidate) return;
      client = undefined;
      log.warn({ err: error, channel }, 'LISTEN connection lost; polling until it is back');
      retry();
    });
    try {
      await candidate.connect();
      await candidate.query(`LISTEN ${channel}`);
    } catch (error) {
      log.warn({ err: error, channel }, 'could not LISTEN; polling until it works');
      candidate.end().catch(() => {});
      retry();
      return;
    }
    if (stopped) {
      await candidate.end().catch(() => {});
      return;
    }
    client = candidate;
    onNotify();
  };

  return {
    start: connect,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      const current = client;
      client = undefined;
      await current?.end().catch(() => {});
    },
  };
}
