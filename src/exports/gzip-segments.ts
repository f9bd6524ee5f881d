/**
 * One gzip stream (RFC 1952) written as independently compressed segments, so that an export can be
 * appended batch by batch, cut back to any committed batch after a crash, and still be ONE ordinary
 * gzip member when done.
 *
 * Why not one gzip member per batch (members may be concatenated, RFC 1952 §2.2): the file is served
 * with `Content-Encoding: gzip`, as Close serves its exports, and several HTTP clients' decoders stop
 * after the first member, so a client would silently get the first batch only. Here instead:
 * - the file starts with a 10-byte gzip header;
 * - each batch is deflated on its own (raw deflate, RFC 1951) and ended with a full flush, which
 *   closes its last block without the final bit and aligns it to a byte; no segment refers back into
 *   another, so concatenated segments are one valid deflate stream (the way pigz joins its chunks);
 * - the last segment ends with a final block, followed by the 8-byte trailer: CRC-32 and length
 *   (mod 2^32) of everything uncompressed, carried from batch to batch in the database.
 *
 * Compression runs on libuv's thread pool (zlib's async API), never on the event loop.
 */
import { promisify } from 'node:util';
import zlib from 'node:zlib';

const deflateRaw = promisify(zlib.deflateRaw);

/** The gzip header: deflate, no name or time (so equal content gives equal files), OS "unknown". */
export const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff]);

/** zlib's default level (6): its usual balance of size and time. */
const LEVEL = 6;

/** Running CRC-32 and length of the uncompressed content written so far. */
export interface StreamState {
  readonly crc32: number;
  readonly rawBytes: number;
}

export const EMPTY_STREAM: StreamState = { crc32: 0, rawBytes: 0 };

// zlib.crc32 exists from Node 20.15 on; package.json allows 20.10, hence the table fallback.
let table: Uint32Array | undefined;
function crc32Fallback(data: Uint8Array, previous: number): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let crc = (previous ^ 0xffffffff) >>> 0;
  for (const byte of data) crc = table[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** CRC-32 of `data` continuing from `previous` (0 for the start). */
export function crc32(data: Uint8Array, previous: number): number {
  return typeof zlib.crc32 === 'function' ? zlib.crc32(data, previous) : crc32Fallback(data, previous);
}

/** The next state after `raw` more bytes of content. */
export function advance(state: StreamState, raw: Uint8Array): StreamState {
  return { crc32: crc32(raw, state.crc32), rawBytes: state.rawBytes + raw.length };
}

/**
 * The bytes that carry `raw` on: the gzip header first when `atStart`, then `raw` deflated and
 * byte-aligned (full flush, no final block). Empty `raw` away from the start gives an empty buffer.
 */
export async function middleSegment(raw: Uint8Array, atStart: boolean): Promise<Buffer> {
  const parts: Buffer[] = atStart ? [GZIP_HEADER] : [];
  if (raw.length > 0) parts.push(await deflateRaw(raw, { level: LEVEL, finishFlush: zlib.constants.Z_FULL_FLUSH }));
  return Buffer.concat(parts);
}

/**
 * The bytes that end the stream: the header when `atStart` (an export with no segment yet),
 * `raw` deflated with the final block, and the trailer over `state` advanced by `raw`.
 */
export async function finalSegment(raw: Uint8Array, state: StreamState, atStart: boolean): Promise<Buffer> {
  const end = advance(state, raw);
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(end.crc32 >>> 0, 0);
  trailer.writeUInt32LE(end.rawBytes % 2 ** 32, 4);
  const body = await deflateRaw(raw, { level: LEVEL, finishFlush: zlib.constants.Z_FINISH });
  return Buffer.concat([...(atStart ? [GZIP_HEADER] : []), body, trailer]);
}
