/**
 * Both local outboxes (sender accounts without SMTP, and the system mailer) write message files
 * 0600 in a 0700 folder, whatever the umask, and narrow an existing folder others could enter.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { localOutboxTransport } from '../../src/email/transports.ts';
import { createOutboxTransport } from '../../src/mailer/outbox-transport.ts';

const mode = (file: string) => fs.statSync(file).mode & 0o777;
const temps: string[] = [];
after(() => temps.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));
const tempDir = () => {
  temps.push(fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-outbox-')));
  return temps[temps.length - 1]!;
};
const message = { from: 'a@x.example', to: 'b@x.example', subject: 'private', text: 'personal content' };

describe('outbox file permissions', () => {
  before(() => {
    // The most permissive umask: the modes must come from the code, not from the environment.
    process.umask(0);
  });

  for (const [name, write] of [
    ['sender accounts (localOutboxTransport)', (dir: string) => localOutboxTransport(dir).send({ ...message, activityId: 'acti_1' })],
    ['system mail (createOutboxTransport)', (dir: string) => createOutboxTransport(dir).sendMail(message)],
  ] as const) {
    test(`${name}: a new folder is 0700 and the message 0600`, async () => {
      const parent = tempDir();
      fs.chmodSync(parent, 0o755);
      const dir = path.join(parent, 'data', 'outbox');
      await write(dir);
      assert.equal(mode(dir), 0o700);
      const files = fs.readdirSync(dir);
      assert.equal(files.length, 1, files.join());
      assert.match(files[0]!, /\.eml$/);
      assert.equal(mode(path.join(dir, files[0]!)), 0o600);
      assert.equal(mode(parent), 0o755, 'nothing above the outbox is changed');
    });

    test(`${name}: an existing world-readable folder is narrowed to 0700`, async () => {
      const dir = path.join(tempDir(), 'outbox');
      fs.mkdirSync(dir, { mode: 0o777 });
      fs.chmodSync(dir, 0o777);
      await write(dir);
      await write(dir);
      assert.equal(mode(dir), 0o700);
      for (const file of fs.readdirSync(dir)) assert.equal(mode(path.join(dir, file)), 0o600, file);
    });
  }
});
