/**
 * Export tests: an app whose DATA_DIR is a fresh folder (so file modes and retention are this file's
 * own), a worker, and helpers to run an export to its end and read its file back.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import type { ManualClock } from '../../src/time.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { onTestFileEnd } from '../helpers/db.ts';
import { waitForStatus } from '../bulk-actions/fixtures.ts';

/** A test app with its own DATA_DIR (removed when the file ends). */
export async function createExportApp(options: { env?: Record<string, string>; clock?: ManualClock } = {}): Promise<TestApp & { dataDir: string }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-export-test-'));
  onTestFileEnd(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const t = await createTestApp({ env: { DATA_DIR: dataDir, ...options.env }, ...(options.clock ? { clock: options.clock } : {}) });
  return { ...t, dataDir };
}

/** POSTs an export and waits for its end; returns the final API object. */
export async function runExport(t: TestApp, body: Record<string, unknown>, key?: string): Promise<Record<string, any>> {
  const res = await t.call('POST', '/api/v1/export/lead/', { body: { send_done_email: false, ...body }, ...(key ? { key } : {}) });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  await waitForStatus(t.db, res.body.id, ['done', 'error', 'cancelled'], 60_000);
  const got = await t.call('GET', `/api/v1/export/${res.body.id}/`, key ? { key } : {});
  assert.equal(got.status, 200);
  return got.body;
}

export interface Downloaded {
  readonly status: number;
  readonly headers: Record<string, unknown>;
  /** The bytes as served (gzip). */
  readonly raw: Buffer;
  /** The decoded content (when the answer is a file). */
  readonly text: string;
}

function decoded(status: number, headers: Record<string, unknown>, raw: Buffer): Downloaded {
  const text = status === 200 && headers['content-encoding'] === 'gzip' ? zlib.gunzipSync(raw).toString('utf8') : raw.toString('utf8');
  return { status, headers, raw, text };
}

/** `GET /api/v1/export/{id}/download/` with an API key (organization A's by default). */
export async function downloadWithKey(t: TestApp, id: string, key = t.orgA.api_key): Promise<Downloaded> {
  const res = await t.app.inject({
    method: 'GET',
    url: `/api/v1/export/${id}/download/`,
    headers: { authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` },
  });
  return decoded(res.statusCode, res.headers, res.rawPayload);
}

/** GET of a `download_url` (absolute, PUBLIC_URL based) without any key. */
export async function downloadLink(t: TestApp, url: string): Promise<Downloaded> {
  const parsed = new URL(url);
  const res = await t.app.inject({ method: 'GET', url: `${parsed.pathname}${parsed.search}` });
  return decoded(res.statusCode, res.headers, res.rawPayload);
}

/** Parses RFC 4180 CSV (quoted fields, doubled quotes, CRLF) into rows of fields. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  assert.equal(field, '', 'the file ends with a line end');
  return rows;
}

/**
 * Asserts that `raw` is ONE gzip member (header, one deflate stream, trailer), which is what
 * decoders that stop after the first member need, and returns its content.
 */
export function singleMember(raw: Buffer): string {
  assert.deepEqual([...raw.subarray(0, 3)], [0x1f, 0x8b, 0x08], 'gzip header');
  const inflater = zlib.inflateRawSync(raw.subarray(10, raw.length - 8));
  const crc = raw.readUInt32LE(raw.length - 8);
  const size = raw.readUInt32LE(raw.length - 4);
  assert.equal(crc, zlib.crc32(inflater), 'the trailer CRC covers the whole content');
  assert.equal(size, inflater.length % 2 ** 32, 'the trailer length covers the whole content');
  return inflater.toString('utf8');
}
