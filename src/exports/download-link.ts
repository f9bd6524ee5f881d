/**
 * Signed, expiring download links: `PUBLIC_URL/download/export/{id}/?expires=UNIX&signature=MAC`,
 * MAC = HMAC-SHA256 over (organization, export id, expiry) under a key derived from the master key
 * (src/secrets/derive-keys.ts). Close's `download_url` is such a link (a presigned URL that works
 * without the API key), so clients that fetch it with a plain GET work unchanged. A link opens one
 * export of one organization until it expires (EXPORT_LINK_SECONDS, default a day); links signed
 * under SECRET_KEY_PREVIOUS keep working during a rotation, until they expire.
 *
 * A link is a bearer credential for the file: anyone holding it can download the export until its
 * expiry. `GET /export/{id}/download/` with the API key needs no link at all.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Config } from '../config.ts';
import { keyringFor } from '../secrets/keyring.ts';

type LinkConfig = Pick<Config, 'secretKey' | 'secretKeysPrevious' | 'dataDir' | 'publicUrl' | 'exports'>;

function mac(key: Buffer, organizationId: string, id: string, expires: number): Buffer {
  return createHmac('sha256', key).update(`export download\n${organizationId}\n${id}\n${expires}`).digest();
}

/** The link to export `id` of `organizationId`, valid until `now` + EXPORT_LINK_SECONDS. */
export function signedDownloadUrl(config: LinkConfig, organizationId: string, id: string, now: Date): string {
  const expires = Math.floor(now.getTime() / 1000) + config.exports.linkSeconds;
  const signature = mac(keyringFor(config).current.exportLinkKey, organizationId, id, expires).toString('base64url');
  return `${config.publicUrl}/download/export/${id}/?expires=${expires}&signature=${signature}`;
}

export type LinkCheck = 'valid' | 'expired' | 'invalid';

/** Whether (`expires`, `signature`) from a link is a valid signature on export `id` of `organizationId` at `now`. */
export function checkDownloadLink(
  config: LinkConfig,
  organizationId: string,
  id: string,
  expires: string,
  signature: string,
  now: Date,
): LinkCheck {
  if (!/^\d{1,12}$/.test(expires)) return 'invalid';
  const at = Number(expires);
  const given = Buffer.from(signature, 'base64url');
  const keyring = keyringFor(config);
  const signed = [keyring.current, ...keyring.previous].some((keys) => {
    const expected = mac(keys.exportLinkKey, organizationId, id, at);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!signed) return 'invalid';
  return at * 1000 <= now.getTime() ? 'expired' : 'valid';
}
