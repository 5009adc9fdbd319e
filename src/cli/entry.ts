/** The compiled command line's entry (scripts/build.mjs bundles it as dist/cli.js; bin/orrery.mjs imports that). */
import { cli } from './main.ts';

await cli();
