/**
 * The outbox holds whole messages, recipients and personal content included: its folder is 0700
 * (files 0600 inside), and an existing folder left wider by an earlier version is narrowed. Only
 * the folder itself is changed, never its parents (they may lie outside DATA_DIR).
 */
import fs from 'node:fs/promises';

/** Mode of every message file the outboxes write. */
export const PRIVATE_FILE_MODE = 0o600;

/** Creates `dir` (0700) if needed, and narrows it to 0700 if others can reach into it. */
export async function preparePrivateDir(dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const stat = await fs.stat(dir);
  if ((stat.mode & 0o077) !== 0) await fs.chmod(dir, 0o700);
}
