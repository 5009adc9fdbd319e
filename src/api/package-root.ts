/**
 * The package's root folder, which holds the shipped `topologies/` and `workloads/`. This file runs from the
 * sources (src/api/package-root.ts) and from the compiled bundles (dist/*.js, see scripts/build.mjs), which sit at
 * different depths, so rather than count levels it walks up to the nearest package.json.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return dirname(start); // no package.json anywhere above: the sources' layout
  }
}

export const PACKAGE_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));
