import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { simpleParser, type ParsedMail } from 'mailparser';
import { loadConfig } from '../../src/config.ts';
import { createSystemMailer, outboxDir } from '../../src/mailer/system-mailer.ts';
import { startSmtpSink } from './smtp.ts';

/**
 * One contract for both system-mail transports: whatever is sent arrives as the same RFC 5322
 * message (sender, recipient, subject, text), whether it went over SMTP or into the outbox.
 */
function contract(name: string, setup: () => Promise<{ env: Record<string, string>; received: () => Promise<ParsedMail[]> }>) {
  describe(`system mailer: ${name}`, () => {
    test('delivers subject, recipient and text, from no-reply at PUBLIC_URL’s host', async () => {
      const { env, received } = await setup();
      const config = loadConfig({ ...env, PUBLIC_URL: 'https://crm.example.com' });
      const mailer = createSystemMailer(config);
      await mailer.send({ to: 'alice@a.example', subject: 'Bulk edit done: 3 of 3 leads', text: 'Leads matched: 3\nÜmlaut ok\n' });
      await mailer.send({ to: 'bob@b.example', subject: 'Second', text: 'two\n' });
      const mails = await received();
      assert.equal(mails.length, 2);
      const first = mails.find((m) => m.subject === 'Bulk edit done: 3 of 3 leads')!;
      assert.equal(first.from?.value[0]?.address, 'no-reply@crm.example.com');
      assert.deepEqual((Array.isArray(first.to) ? first.to : [first.to]).flatMap((a) => a!.value.map((v) => v.address)), ['alice@a.example']);
      assert.equal(first.text, 'Leads matched: 3\nÜmlaut ok\n');
      assert.ok(first.messageId);
    });
  });
}

contract('SMTP (SMTP_URL)', async () => {
  const sink = await startSmtpSink();
  return {
    env: { SMTP_URL: sink.url, DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-mailer-')) },
    received: async () => sink.messages,
  };
});

contract('local outbox (no SMTP_URL)', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-mailer-'));
  return {
    env: { DATA_DIR: dataDir },
    received: async () => {
      const dir = outboxDir(loadConfig({ DATA_DIR: dataDir }));
      const files = fs.readdirSync(dir);
      assert.ok(files.every((f) => f.endsWith('.eml')), files.join());
      return Promise.all(files.map((f) => simpleParser(fs.readFileSync(path.join(dir, f)))));
    },
  };
});
