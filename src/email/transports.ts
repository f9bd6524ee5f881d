/**
 * Where a sender account's mail goes: its SMTP server through a pooled nodemailer transport (one
 * pool per account and process, rebuilt when the account's settings change), or, for an account
 * without SMTP, the local outbox: one `.eml` file per message under DATA_DIR/outbox, named by
 * activity id and written atomically (temp file + rename), so a re-run overwrites rather than
 * duplicates. Both implement `MailTransport`; test/email/transport-contract.test.ts runs one
 * contract suite over both.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import nodemailer, { type SendMailOptions, type Transporter } from 'nodemailer';
import type { AccountRow } from '../connected-accounts/account.ts';
import { preparePrivateDir, PRIVATE_FILE_MODE } from '../mailer/private-dir.ts';
import type { Keyring } from '../secrets/keyring.ts';
import { openSecret } from '../secrets/sealed-secret.ts';
import { SMTP_PASSWORD_CONTEXT } from '../secrets/stored-secrets.ts';
import type { OutboundGuard } from '../net/outbound-guard.ts';
import { cramMd5Auth } from './cram-md5.ts';
import { guardedSmtpSocket } from './guarded-smtp-socket.ts';

/**
 * What a transport sends: nodemailer's message options, or (the delivery worker) a message already
 * built as `raw` with its `envelope` (compose.ts).
 */
export type OutgoingMail = SendMailOptions & { activityId: string };

export interface MailTransport {
  /** Sends one message; resolves with the server's response line, rejects with nodemailer's error. */
  send(mail: OutgoingMail): Promise<string>;
  close(): void;
}

/**
 * The longest reply accepted from a tenant's SMTP server (nodemailer's default: 1 MB). Replies are
 * hostile input that nodemailer runs regexes over; the one found super-linear, on the CRAM-MD5
 * challenge, is replaced (cram-md5.ts), and this bounds the cost of the others. Reply lines are at
 * most 512 octets (RFC 5321 §4.5.3.1.5): 8 KiB fits a long multi-line EHLO. A longer reply fails
 * the connection.
 */
export const SMTP_REPLY_MAX_BYTES = 8 * 1024;

/** An SMTP pool over `options` (nodemailer's SMTP transport options). */
export function smtpTransport(options: Record<string, unknown>): MailTransport {
  const transporter: Transporter = nodemailer.createTransport({
    pool: true,
    maxMessages: Infinity,
    maxResponseSize: SMTP_REPLY_MAX_BYTES,
    customAuth: { 'CRAM-MD5': cramMd5Auth },
    ...options,
  } as never);
  return {
    async send({ activityId: _activityId, ...mail }) {
      const info = await transporter.sendMail(mail);
      return String(info.response ?? 'ok');
    },
    close: () => transporter.close(),
  };
}

/** Writes each message as `DIR/{activity id}.eml` (0600, in a 0700 folder). */
export function localOutboxTransport(dir: string): MailTransport {
  const composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  let ready: Promise<unknown> | undefined;
  return {
    async send({ activityId, ...mail }) {
      ready ??= preparePrivateDir(dir);
      await ready;
      const info = await composer.sendMail(mail);
      const target = path.join(dir, `${activityId}.eml`);
      // A fresh name ('wx'): a temp file left by a crash could carry a wider mode.
      const temp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
      await fs.writeFile(temp, info.message as Buffer, { mode: PRIVATE_FILE_MODE, flag: 'wx' });
      await fs.rename(temp, target);
      return `250 written to ${target}`;
    },
    close: () => composer.close(),
  };
}

/** Caches one transport per account, replaced when the account's delivery settings change. */
export class TransportCache {
  private readonly entries = new Map<string, { key: string; transport: MailTransport }>();
  constructor(
    private readonly outboxDir: string,
    private readonly connections: number,
    /** Every tenant SMTP connection goes through it (design.md "Security"). */
    private readonly guard: OutboundGuard,
    /** Decrypts the stored SMTP passwords. */
    private readonly secrets: Keyring,
  ) {}

  /** The transport for `account`; throws SecretDecryptionError when its password cannot be decrypted. */
  get(account: AccountRow): MailTransport {
    const key = [account.smtp_host, account.smtp_port, account.smtp_use_ssl, account.smtp_require_tls, account.smtp_username, account.smtp_password].join('\u0000');
    const cached = this.entries.get(account.id);
    if (cached?.key === key) return cached.transport;
    cached?.transport.close();
    const transport = account.smtp_host
      ? smtpTransport({
          host: account.smtp_host,
          port: account.smtp_port ?? 587,
          secure: account.smtp_use_ssl,
          // Without it nodemailer sends AUTH in the clear to a server that offers no STARTTLS.
          requireTLS: !account.smtp_use_ssl && account.smtp_require_tls,
          getSocket: guardedSmtpSocket(this.guard),
          auth: account.smtp_username ? { user: account.smtp_username, pass: account.smtp_password === null ? '' : openSecret(this.secrets, account.smtp_password, SMTP_PASSWORD_CONTEXT) } : undefined,
          maxConnections: this.connections,
          connectionTimeout: 15_000,
          greetingTimeout: 15_000,
          socketTimeout: 60_000,
        })
      : localOutboxTransport(this.outboxDir);
    this.entries.set(account.id, { key, transport });
    return transport;
  }

  closeAll(): void {
    for (const entry of this.entries.values()) entry.transport.close();
    this.entries.clear();
  }
}
