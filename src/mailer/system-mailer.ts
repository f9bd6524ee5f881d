/**
 * The system mailer: mail Sluice itself sends (bulk-action done emails), as opposed to mail sent
 * on a user's behalf from their connected account. Over SMTP when `SMTP_URL` is set
 * (`smtp://user:pass@host:587`, `smtps://…`), else into the local outbox (`DATA_DIR/outbox`).
 */
import path from 'node:path';
import nodemailer from 'nodemailer';
import type { Config } from '../config.ts';
import { createOutboxTransport, type MailTransport } from './outbox-transport.ts';

export interface SystemMessage {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
}

export interface SystemMailer {
  send(message: SystemMessage): Promise<void>;
}

/** The directory of the local outbox. */
export function outboxDir(config: Config): string {
  return path.join(config.dataDir, 'outbox');
}

/** The sender address of system mail: no-reply at PUBLIC_URL's host. */
export function systemFrom(config: Config): string {
  const host = new URL(config.publicUrl).hostname;
  const domain = /[a-z]/i.test(host) && host.includes('.') ? host : 'localhost';
  return `"Sluice" <no-reply@${domain}>`;
}

/** The transport system mail goes through, per the configuration. */
export function createSystemTransport(config: Config): MailTransport {
  if (!config.smtpUrl) return createOutboxTransport(outboxDir(config));
  const smtp = nodemailer.createTransport(config.smtpUrl);
  return {
    async sendMail(message) {
      const info = await smtp.sendMail(message);
      return { messageId: info.messageId };
    },
  };
}

/** A mailer sending plain-text system mail from `systemFrom(config)`. */
export function createSystemMailer(config: Config, transport: MailTransport = createSystemTransport(config)): SystemMailer {
  const from = systemFrom(config);
  return {
    async send(message) {
      await transport.sendMail({ from, to: message.to, subject: message.subject, text: message.text });
    },
  };
}
