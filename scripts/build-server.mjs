/* global console, process */
// `npm install` / `npm ci` (the root `prepare` script) bundles the server's TypeScript into
// dist/server, which bin/sluice.js runs while it is newer than every file under src/. Running the
// sources through tsx costs memory in every thread that loads them (the loader, and each module's
// compiled text and source map): measured, a `sluice serve` process importing the server through
// tsx holds 154-168 MiB against 96 MiB for the same code bundled, and the template thread pays
// it again. Against the 300 MB budget of a server sending a bulk email (issue 11) that is the
// largest item. With sources edited since the build, bin/sluice.js falls back to tsx, so a
// developer never runs stale code; `npm run build:server` refreshes the bundle.
//
// Bundles are written to dist/server, two directories below the root like src/<domain>/, so that
// paths modules compute from import.meta.url (web/dist, the migrations, the template thread's
// entry) resolve the same from the sources and from the bundle.
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  keepNames: true,
  sourcemap: 'linked',
  logLevel: 'warning',
};
/** Bundles `entry` into dist/server/`name`, each file written whole and renamed into place: a `sluice` starting meanwhile (a test) never reads half a bundle. */
async function bundle(entry, name) {
  const result = await build({ ...common, entryPoints: [path.join(root, entry)], outfile: path.join(root, 'dist/server', name), write: false });
  fs.mkdirSync(path.join(root, 'dist/server'), { recursive: true });
  // The map first: the bundle's mtime is what bin/sluice.js compares with the sources.
  for (const file of [...result.outputFiles].sort((a, b) => b.path.length - a.path.length)) {
    const temporary = `${file.path}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, file.contents);
    fs.renameSync(temporary, file.path);
  }
}

await bundle('src/cli/main.ts', 'cli.mjs');
// The template thread's entry: the worker module itself (its default export), with no loader to register.
await bundle('src/email/template-worker.ts', 'template-worker-entry.js');
console.log(`sluice: server bundled into ${path.join(root, 'dist/server')}`);
if (process.exitCode) process.exit(process.exitCode);
