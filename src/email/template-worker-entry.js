// The worker thread's entry point. Sluice's sources are TypeScript run through tsx; a worker thread
// does not inherit the main thread's loader when tsx was registered from code (bin/sluice.js), so
// it registers its own before loading the worker module. Under `node --import tsx` (tests) the
// loader is inherited and registering again is harmless.
import { register } from 'tsx/esm/api';

register();
const { default: run } = await import('./template-worker.ts');
export default run;
