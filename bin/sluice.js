#!/usr/bin/env node
// The `sluice` command. Sources are TypeScript. `npm install` bundles them into dist/server
// (scripts/build-server.mjs: a third less memory than compiling them at start-up); this runs the
// bundle while it is newer than every source file, and otherwise the sources through tsx, so there
// is no build step between a fresh clone and `npm start` and an edited source is never run stale.
// SLUICE_FROM_SOURCE=1 always runs the sources.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bundle = path.join(root, 'dist/server/cli.mjs');

/** The newest modification time of the files under `dir`, in milliseconds. */
function newest(dir) {
  let latest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(full) : fs.statSync(full).mtimeMs);
  }
  return latest;
}

function bundleIsFresh() {
  if (process.env.SLUICE_FROM_SOURCE === '1') return false;
  try {
    return fs.statSync(bundle).mtimeMs >= newest(path.join(root, 'src'));
  } catch {
    return false;
  }
}

// Logged by `sluice serve` at start, so an operator (and a test) can tell which ran.
if (bundleIsFresh()) {
  process.env.SLUICE_RUNNING_FROM = 'bundle';
  await import(bundle);
} else {
  process.env.SLUICE_RUNNING_FROM = 'source';
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
