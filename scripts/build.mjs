#!/usr/bin/env node
/**
 * Compiles src/ into dist/, which is what `orrery` (bin/orrery.mjs) and `import … from 'orrery'` run:
 *
 * - dist/cli.js           the command line (src/cli/entry.ts, which runs src/cli/main.ts), ESM with its npm dependencies bundled in, so that
 *                         starting it does not resolve and link ~100 package modules; split into chunks at the
 *                         dynamic imports of src/cli/program.ts, so a command loads only its own code;
 * - dist/sweep-worker.js  the sweep worker thread (src/api/sweep-worker.ts), sharing those chunks;
 * - dist/index.js         the library (src/api/index.ts); npm dependencies stay imports, resolved from the
 *                         installing project's node_modules (package.json `dependencies`);
 * - dist/types/           .d.ts declarations for the library, from tsc (`exports` → `types`).
 *
 * Run by `npm ci` / `npm install` (the `prepare` script), by `npm pack`, and by the test suite's global setup
 * (`--js`, esbuild only, well under a second, so tests never run a stale build).
 *
 *   node scripts/build.mjs          # everything (declarations only when src/ changed since they were written)
 *   node scripts/build.mjs --force  # everything, declarations too
 *   node scripts/build.mjs --js     # the JavaScript only
 *
 * Every output file is written to a temporary name and renamed, so a process starting the CLI while a build runs
 * sees the old file or the new one, never half of one; chunks are named by a hash of their contents, and those of
 * earlier builds are deleted afterwards. Everything sits flat in dist/ (sweep-pool.ts finds the worker beside
 * itself).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist');
const require = createRequire(import.meta.url);

function fail(message) {
  console.error(`orrery build: ${message}`);
  process.exit(1);
}

let esbuild;
try {
  esbuild = require('esbuild');
} catch {
  fail('esbuild is not installed (it is a devDependency: run `npm ci` without --omit=dev, or `npm install`)');
}

// CommonJS packages bundled into an ESM file (seedrandom) call require() for Node built-ins.
const REQUIRE_SHIM = "import { createRequire as __orreryCreateRequire } from 'node:module'; const require = __orreryCreateRequire(import.meta.url);";

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  write: false,
  sourcemap: 'linked',
  logLevel: 'warning',
  absWorkingDir: ROOT,
};

/** Writes esbuild's in-memory outputs, each atomically (temporary file, then rename). */
function writeOutputs(result) {
  for (const f of result.outputFiles) {
    mkdirSync(dirname(f.path), { recursive: true });
    const tmp = `${f.path}.${process.pid}.tmp`;
    writeFileSync(tmp, f.contents);
    renameSync(tmp, f.path);
  }
}

export async function buildJs() {
  const t0 = performance.now();
  const results = await Promise.all([
    esbuild.build({
      ...common,
      entryPoints: { cli: 'src/cli/entry.ts', 'sweep-worker': 'src/api/sweep-worker.ts' },
      outdir: DIST,
      splitting: true,
      chunkNames: 'chunk-[hash]',
      banner: { js: REQUIRE_SHIM },
    }),
    esbuild.build({
      ...common,
      entryPoints: { index: 'src/api/index.ts' },
      outdir: DIST,
      packages: 'external',
    }),
  ]);
  for (const r of results) writeOutputs(r);
  // chunks of earlier builds (content-hashed names) that nothing imports any more
  const written = new Set(results.flatMap((r) => r.outputFiles.map((f) => f.path)));
  for (const f of readdirSync(DIST)) {
    if (f.startsWith('chunk-') && !written.has(join(DIST, f))) rmSync(join(DIST, f), { force: true });
  }
  return performance.now() - t0;
}

/** Newest modification time of the files the declarations come from (src/, the tsconfigs, package.json). */
function newestInput() {
  let newest = 0;
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  walk(join(ROOT, 'src'));
  for (const f of ['tsconfig.json', 'tsconfig.build.json', 'package.json']) newest = Math.max(newest, statSync(join(ROOT, f)).mtimeMs);
  return newest;
}

/**
 * Declarations with tsc (several seconds: it type-checks the whole API), skipped when dist/types/ is newer than
 * every input (a stamp file written after tsc succeeds), unless `force`.
 * @returns milliseconds spent, or undefined when skipped
 */
export function buildTypes(force = false) {
  const t0 = performance.now();
  const stamp = join(DIST, 'types', '.built');
  if (!force && existsSync(stamp) && statSync(stamp).mtimeMs > newestInput()) return undefined;
  rmSync(join(DIST, 'types'), { recursive: true, force: true });
  const tsc = require.resolve('typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) fail(`tsc could not write the declarations (exit ${r.status ?? r.signal})`);
  writeFileSync(stamp, `${new Date().toISOString()}\n`);
  return performance.now() - t0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const jsOnly = process.argv.includes('--js');
  // esbuild has already printed what failed (file, line, message)
  const jsMs = await buildJs().catch(() => fail('esbuild could not compile src/ (see above)'));
  const typesMs = jsOnly ? 0 : buildTypes(process.argv.includes('--force'));
  const types = jsOnly ? '' : typesMs === undefined ? ', declarations up to date' : `, declarations ${Math.round(typesMs)} ms`;
  console.error(`orrery build: ${relative(process.cwd(), DIST) || '.'}/ (JavaScript ${Math.round(jsMs)} ms${types})`);
}
