/* global console, process */
// `npm install` / `npm ci` (the root `prepare` script) builds the console into web/dist, which the
// server serves at `/`. Without the dev dependencies (npm install --omit=dev) there is no Vite: the
// API still works, and the server says at `/` how to build the console.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
try {
  require.resolve('vite/package.json');
} catch {
  console.warn('sluice: vite is not installed (dev dependencies omitted); the web console is not built.');
  process.exit(0);
}
// Type-check first (Vite only strips types): a console that does not type-check fails npm install and CI.
const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '--noEmit', '-p', path.join(here, 'tsconfig.json')], { stdio: 'inherit' });
if (tsc.status !== 0) {
  console.error('sluice: the web console does not type-check');
  process.exit(1);
}
const { build } = await import('vite');
await build({ root: here, configFile: path.join(here, 'vite.config.ts'), logLevel: 'warn' });
console.log(`sluice: web console built into ${path.join(here, 'dist')}`);
