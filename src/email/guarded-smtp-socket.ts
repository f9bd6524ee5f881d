/**
 * nodemailer's `getSocket` hook, used by its pool for every new connection (and by `verify`): we
 * open the TCP connection ourselves through the OutboundGuard and hand it over as
 * `{ connection }`. nodemailer then treats it as already connected: with `secure` (implicit TLS)
 * it wraps it in TLS with `servername` = the configured host name, so the certificate is still
 * checked against the NAME, not the IP we connected to; without `secure` it speaks SMTP and does
 * STARTTLS (required unless the account opted out) the same way. A refusal reaches the send as the
 * OutboundRefusedError, with no connection made and so no remote banner to report.
 */
import type net from 'node:net';
import type { OutboundGuard } from '../net/outbound-guard.ts';

interface SocketRequest {
  readonly host?: string;
  readonly port?: number | string;
  readonly secure?: boolean;
  readonly connectionTimeout?: number;
  /** Set by nodemailer when the attempt began; connectionTimeout covers all of connecting. */
  readonly connectStartedAt?: number;
}

type SocketCallback = (error: Error | null, socketOptions?: { connection: net.Socket }) => void;

/** The `getSocket` option for nodemailer's SMTP transport, under `guard`. */
export function guardedSmtpSocket(guard: OutboundGuard): (options: SocketRequest, callback: SocketCallback) => void {
  return (options, callback) => {
    const host = options.host || 'localhost';
    // nodemailer's own defaults, so that the port we connect to is the one it would have used.
    const port = Number(options.port) || (options.secure ? 465 : 587);
    const budget = (options.connectionTimeout ?? 120_000) - (Date.now() - (options.connectStartedAt ?? Date.now()));
    guard.connect(host, port, { timeoutMs: Math.max(1, budget) }).then(
      (connection) => callback(null, { connection }),
      (error: Error) => callback(error),
    );
  };
}
