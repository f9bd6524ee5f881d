/**
 * Export files on disk: `DATA_DIR/exports/{export id}.{csv|json}.gz`, mode 0600 in a 0700 folder
 * (they hold a whole organization's leads, as the outbox holds whole messages).
 *
 * Durability protocol (the database is the source of truth, the file follows it):
 * `export_files.bytes` is the length of the file's committed prefix. A batch, holding the action
 * row locked (BatchContext.lockAction), opens the file, cuts it back to `bytes` (dropping whatever
 * an earlier, rolled-back attempt appended), writes its segment at `bytes`, fsyncs, and only then
 * commits `bytes + segment length` in the same transaction as the batch's progress. A crash at any
 * point leaves a file whose committed prefix is intact; the bytes after it are cut by the next try.
 * A file SHORTER than its committed length means another machine's DATA_DIR, or a deleted file:
 * that export cannot be finished, and says so.
 */
import { constants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { PRIVATE_FILE_MODE, preparePrivateDir } from '../mailer/private-dir.ts';

export type ExportFormat = 'csv' | 'json';

/** The folder of export files under `dataDir`. */
export function exportsDir(dataDir: string): string {
  return path.join(dataDir, 'exports');
}

/** The file of export `id`. Ids are `expo_` and base62 only (src/ids.ts), so they are safe names. */
export function exportFilePath(dataDir: string, id: string, format: ExportFormat): string {
  if (!/^expo_[0-9A-Za-z]+$/.test(id)) throw new Error(`not an export id: ${JSON.stringify(id)}`);
  return path.join(exportsDir(dataDir), `${id}.${format}.gz`);
}

/** The committed prefix is missing: the file was deleted, or lives in another process's DATA_DIR. */
export class ExportFileLostError extends Error {
  constructor(file: string, size: number, committed: number) {
    super(
      `The export file ${path.basename(file)} holds ${size} bytes but ${committed} were committed: it was removed, or ` +
        'this worker does not share DATA_DIR with the one that started the export.',
    );
    this.name = 'ExportFileLostError';
  }
}

async function syncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Makes `file` exactly `committed` bytes followed by `segment`, on disk (fsynced) when it returns.
 * The caller commits `committed + segment.length` afterwards, in the transaction that holds the lock.
 */
export async function writeSegmentAt(file: string, committed: number, segment: Uint8Array): Promise<void> {
  const creating = committed === 0;
  if (creating) await preparePrivateDir(path.dirname(file));
  // Never 'a' flags: on Linux, O_APPEND ignores the position of a write.
  const flags = creating ? constants.O_RDWR | constants.O_CREAT : constants.O_RDWR;
  const handle = await fs.open(file, flags, PRIVATE_FILE_MODE).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') throw new ExportFileLostError(file, 0, committed);
    throw error;
  });
  try {
    const { size } = await handle.stat();
    if (size < committed) throw new ExportFileLostError(file, size, committed);
    if (size > committed) await handle.truncate(committed);
    if (segment.length > 0) {
      let written = 0;
      while (written < segment.length) {
        const { bytesWritten } = await handle.write(segment, written, segment.length - written, committed + written);
        written += bytesWritten;
      }
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
  // The file's directory entry must survive a power loss as well as its content.
  if (creating) await syncDir(path.dirname(file));
}

/** Deletes the file if it exists; true when something was deleted. */
export async function removeExportFile(file: string): Promise<boolean> {
  try {
    await fs.unlink(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
