/**
 * Small secret files (the master key, the embedded PostgreSQL passwords): mode 0600, never seen
 * half-written, and created once even when two processes start together on one DATA_DIR.
 *
 * The content goes to a temporary file (opened with O_EXCL, 0600) which is then hard-linked to
 * its name. link(2) is atomic and fails with EEXIST when another process got there first; we then
 * read that process's file, so both end up with the same secret. Plain O_EXCL on the final name
 * would also pick one winner, but a loser could read the winner's file before it is written.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

function writeTemp(file: string, value: string): string {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = fs.openSync(temp, 'wx', 0o600);
  try {
    fs.writeSync(fd, `${value}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  return temp;
}

function syncDirectory(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The content of `file` (trimmed), or undefined when it does not exist. A file others may read
 * (copied in by hand, restored from a backup) is narrowed to 0600 and reported through `warn`.
 */
export function readSecretFile(file: string, warn: (message: string) => void = () => {}): string | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const stat = fs.fstatSync(fd);
    if ((stat.mode & 0o077) !== 0) {
      fs.fchmodSync(fd, 0o600);
      warn(`${file} was readable by others (mode ${(stat.mode & 0o777).toString(8)}); narrowed to 0600`);
    }
    return fs.readFileSync(fd, 'utf8').trim();
  } finally {
    fs.closeSync(fd);
  }
}

/** Reads `file`, or creates it (0600, atomically, once) with `generate()`; its directory is created 0700. */
export function readOrCreateSecretFile(
  file: string,
  generate: () => string,
  warn?: (message: string) => void,
): { readonly value: string; readonly created: boolean } {
  const existing = readSecretFile(file, warn);
  if (existing !== undefined) return { value: existing, created: false };
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const value = generate();
  const temp = writeTemp(file, value);
  try {
    fs.linkSync(temp, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return { value: readSecretFile(file, warn)!, created: false };
  } finally {
    fs.unlinkSync(temp);
  }
  syncDirectory(path.dirname(file));
  return { value, created: true };
}

/** Writes `value` to `file` (0600), replacing it atomically. */
export function replaceSecretFile(file: string, value: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = writeTemp(file, value);
  fs.renameSync(temp, file);
  syncDirectory(path.dirname(file));
}
