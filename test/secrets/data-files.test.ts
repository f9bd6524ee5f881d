/**
 * The SMTP password never reaches PostgreSQL's files: after creating an account with a distinctive
 * password and a CHECKPOINT (so that everything is in the data files, not only in the WAL), no file
 * of the test cluster holds its bytes. The account's username, stored in the same row, is found:
 * the scan would have seen the password had it been stored.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import pg from 'pg';
import { randomBase62 } from '../../src/ids.ts';
import { createTestApp } from '../helpers/app.ts';

function* files(dir: string): Generator<string> {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return; // removed meanwhile (another test file dropping its database)
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* files(full);
    else if (entry.isFile()) yield full;
  }
}

function filesContaining(dir: string, needles: readonly Buffer[]): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const file of files(dir)) {
    let content: Buffer;
    try {
      content = fs.readFileSync(file);
    } catch {
      continue;
    }
    for (const needle of needles) if (content.includes(needle)) found.set(needle.toString(), [...(found.get(needle.toString()) ?? []), file]);
  }
  return found;
}

describe('secrets in the PostgreSQL data files', () => {
  const dataDir = process.env.SLUICE_TEST_PG_DATA_DIR;

  test('no data file holds the SMTP password, while the row is there', { skip: dataDir ? false : 'needs the embedded test cluster' }, async () => {
    const t = await createTestApp({ env: { OUTBOUND_ALLOW_HOSTS: 'mail.example' } });
    const password = `pw-${randomBase62(24)}`;
    const username = `user-${randomBase62(24)}`;
    const res = await t.call('POST', '/api/v1/connected_account/', { body: { email: 'scan@x.example', smtp: { host: 'mail.example', username, password } } });
    assert.equal(res.status, 200, res.text);
    const admin = new pg.Client({ connectionString: process.env.SLUICE_TEST_ADMIN_URL });
    await admin.connect();
    await admin.query('CHECKPOINT');
    await admin.end();
    const found = filesContaining(dataDir!, [Buffer.from(password), Buffer.from(username)]);
    assert.deepEqual(found.get(password), undefined);
    assert.ok((found.get(username) ?? []).length > 0, 'the scan reads the files the row lives in');
  });
});
