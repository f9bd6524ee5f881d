/**
 * The local outbox: instead of sending, each message is written as an RFC 5322 `.eml` file under a
 * directory (`DATA_DIR/outbox` by default), so that an install with no mail server still delivers
 * something a person (or a test) can open. The raw message comes from nodemailer's stream transport,
 * so it is byte-for-byte what SMTP would have carried. Files are written to a temporary name and
 * renamed, so a reader never sees half a message. Files are 0600 in a 0700 folder (private-dir.ts).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer/index.js';
import { randomBase62 } from '../ids.ts';
import { preparePrivateDir, PRIVATE_FILE_MODE } from './private-dir.ts';

export interface MailTransport {
  /** Sends (or stores) one message; resolves once it is accepted. */
  sendMail(message: Mail.Options): Promise<{ messageId: string; path?: string }>;
}

/**
 * A transport writing each message to `dir/<time>-<random>.eml`.
 * @example await createOutboxTransport('/data/outbox').sendMail({ from, to, subject, text })
 */
export function createOutboxTransport(dir: string): MailTransport {
  const stream = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    async sendMail(message) {
      const info = await stream.sendMail(message);
      await preparePrivateDir(dir);
      const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBase62(10)}.eml`;
      const file = path.join(dir, name);
      const tmp = path.join(dir, `.${name}.tmp`);
      await fs.writeFile(tmp, info.message as Buffer, { mode: PRIVATE_FILE_MODE, flag: 'wx' });
      await fs.rename(tmp, file);
      return { messageId: info.messageId, path: file };
    },
  };
}
