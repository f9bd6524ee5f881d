/**
 * Close's webhook signature (close-api-reference.md §5.3): the subscription's `signature_key` is
 * hex; each POST carries `close-sig-timestamp` (Unix seconds) and `close-sig-hash`, the hex
 * HMAC-SHA256 of the timestamp followed by the raw body, keyed with the key's bytes
 * (Python: `hmac.new(bytes.fromhex(key), (timestamp + body).encode(), hashlib.sha256).hexdigest()`).
 */
import { createHmac, randomBytes } from 'node:crypto';

/** A new signature key: 32 random bytes as 64 hex digits. */
export function newSignatureKey(): string {
  return randomBytes(32).toString('hex');
}

export interface SignatureHeaders {
  readonly 'close-sig-timestamp': string;
  readonly 'close-sig-hash': string;
}

/**
 * The signature headers of `body` sent at `at`.
 *
 * @example signatureHeaders(key, '{"subscription_id":"whsub_…"}', new Date())
 */
export function signatureHeaders(signatureKey: string, body: string, at: Date): SignatureHeaders {
  const timestamp = String(Math.floor(at.getTime() / 1000));
  const hash = createHmac('sha256', Buffer.from(signatureKey, 'hex')).update(timestamp + body, 'utf8').digest('hex');
  return { 'close-sig-timestamp': timestamp, 'close-sig-hash': hash };
}
