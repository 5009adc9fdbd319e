#!/usr/bin/env node
// Launcher: runs the TypeScript sources directly through tsx, so `npx orrery` works right after `npm ci`
// with no build step. The simulator's hot loop is plain JavaScript after type stripping.
import { register } from 'tsx/esm/api';

register();
const { cli } = await import('../src/cli/main.ts');
await cli();
