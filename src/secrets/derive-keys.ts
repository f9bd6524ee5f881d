/**
 * Purpose keys derived from a master key with HKDF-SHA256, so that the key encrypting stored
 * secrets, the key signing unsubscribe links and the key signing export download links are
 * independent: knowing one (a signing key kept for old links, say) reveals nothing about the
 * others or about the master key.
 */
import { hkdfSync } from 'node:crypto';

export interface DerivedKeys {
  /** Short fingerprint naming the master key inside stored values (8 base64url characters). */
  readonly id: string;
  /** AES-256-GCM key for stored secrets. */
  readonly encryptionKey: Buffer;
  /** HMAC key for unsubscribe links. */
  readonly signingKey: string;
  /** HMAC key for export download links (src/exports/download-link.ts). */
  readonly exportLinkKey: Buffer;
}

const SALT = 'sluice';

function derive(secret: string, info: string, bytes: number): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), SALT, info, bytes));
}

/** The purpose keys of `secret`. */
export function deriveKeys(secret: string): DerivedKeys {
  return {
    id: derive(secret, 'sluice key id v1', 6).toString('base64url'),
    encryptionKey: derive(secret, 'sluice stored secrets v1', 32),
    signingKey: derive(secret, 'sluice unsubscribe links v1', 32).toString('base64url'),
    exportLinkKey: derive(secret, 'sluice export download links v1', 32),
  };
}
