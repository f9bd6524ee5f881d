#!/usr/bin/env node
// The `sluice` command. Sources are TypeScript run through tsx, so there is no build step between a
// fresh clone and `npm start`.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
