/**
 * Vitest global setup: rebuilds dist/ (the JavaScript only, `node scripts/build.mjs --js`, about a second) before
 * any test runs, so the tests that run the CLI (tests/helpers/cli.ts `orrery()`: `node bin/orrery.mjs`, which runs
 * dist/cli.js) test what a user runs, built from the sources under test and never a stale build.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export default function setup(): void {
  const root = join(import.meta.dirname, '..', '..');
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--js'], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`node scripts/build.mjs --js failed (exit ${r.status}):\n${r.stdout}${r.stderr}`);
}
