#!/usr/bin/env node
// Launcher: runs the compiled command line, dist/cli.js, which scripts/build.mjs makes from src/ (`npm ci` and
// `npm install` run it through the `prepare` script). From the sources without building: `npm run dev -- <args>`.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  console.error('orrery: dist/cli.js is missing; build it with `npm run build` (npm ci does this unless scripts are disabled)');
  process.exit(1);
}
// In a clone (src/ beside dist/; an installed package has no src/), say when the build is older than the sources.
// A plain recursive walk: about 1 ms; readdirSync's { recursive: true } costs ~10 ms and 4 MB more at start-up.
const src = fileURLToPath(new URL('../src', import.meta.url));
if (existsSync(src)) {
  const built = statSync(cli).mtimeMs;
  const newer = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = `${dir}/${e.name}`;
      const hit = e.isDirectory() ? newer(p) : statSync(p).mtimeMs > built ? p : undefined;
      if (hit) return hit;
    }
    return undefined;
  };
  const stale = newer(src);
  if (stale) console.error(`orrery: warning: ${stale} is newer than dist/; run \`npm run build\` (this runs the old build)`);
}
if (process.env.ORRERY_DEBUG) process.setSourceMapsEnabled(true);
await import(cli.href);
