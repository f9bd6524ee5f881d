/**
 * A real SMTP server in the test process (smtp-server), whose messages are parsed with mailparser.
 * It can refuse recipients permanently (550) or for now (451), and be stopped and started again on
 * the same port to play "SMTP down, then up".
 */
import { simpleParser, type ParsedMail } from 'mailparser';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

export interface ReceivedMail {
  readonly envelopeTo: string[];
  readonly parsed: ParsedMail;
  readonly raw: string;
  readonly at: number;
  readonly messageId: string;
}

export class SmtpSink {
  readonly received: ReceivedMail[] = [];
  /** Recipients (lower-case) refused with 550. */
  readonly rejectPermanently = new Set<string>();
  /** Recipients (lower-case) refused with 451. */
  readonly rejectTemporarily = new Set<string>();
  /** Milliseconds to hold each message before accepting it (to have sends in flight). */
  dataDelayMs = 0;
  port = 0;
  private server: SMTPServer | undefined;

  private options(): SMTPServerOptions {
    return {
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      // On stop, drop open (pooled) connections quickly instead of waiting 30 s for them.
      closeTimeout: 200,
      onRcptTo: (address, _session, callback) => {
        const to = address.address.toLowerCase();
        if (this.rejectPermanently.has(to)) return callback(Object.assign(new Error('5.1.1 No such user here'), { responseCode: 550 }));
        if (this.rejectTemporarily.has(to)) return callback(Object.assign(new Error('4.7.1 Try again later'), { responseCode: 451 }));
        callback();
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const at = Date.now();
          const raw = Buffer.concat(chunks).toString('utf8');
          simpleParser(raw)
            .then((parsed) => {
              this.received.push({
                envelopeTo: session.envelope.rcptTo.map((r) => r.address),
                parsed,
                raw,
                at,
                messageId: parsed.messageId ?? '',
              });
              if (this.dataDelayMs > 0) setTimeout(() => callback(), this.dataDelayMs);
              else callback();
            })
            .catch(callback);
        });
      },
    };
  }

  /** Starts listening (on the previous port when restarted). */
  async start(): Promise<void> {
    const server = new SMTPServer(this.options());
    server.on('error', () => {});
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Stops accepting connections (existing ones are closed). */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Messages received with this Message-ID. */
  countOf(messageId: string): number {
    return this.received.filter((m) => m.messageId === messageId).length;
  }
}

/** Resolves when `predicate` holds, polling every 25 ms; rejects after `timeoutMs`. */
export async function waitFor(predicate: () => boolean | Promise<boolean>, timeoutMs = 15000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
