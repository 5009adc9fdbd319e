/**
 * Worker threads for sweeps. A worker needs the TypeScript sources; two ways to give them, measured on this
 * 2-core machine (two workers, time until both have run one small point):
 *
 * - `bundle` (default): esbuild bundles src/api/sweep-worker.ts and what it imports into one plain ESM file in the
 *   OS temp folder, named by a hash of the sources (size and mtime of every file under src/) and the esbuild
 *   version, so later sweeps reuse it. About 0.2-0.35 s to build once, then 0.1-0.3 s for the workers to start.
 * - `tsx`: each worker registers tsx's loader and imports the .ts entry: 0.9-2.2 s, every time, because every
 *   worker runs its own loader thread and transforms every file.
 *
 * Set ORRERY_SWEEP_WORKER=tsx to force the second (for comparison, or should esbuild be missing).
 *
 * Both are for the sources (tests, benchmarks, development). The compiled package (dist/, scripts/build.mjs) ships
 * the worker prebuilt as dist/sweep-worker.js beside the bundle this file is compiled into, and uses it: no esbuild
 * or tsx at run time.
 *
 * Points are dispatched in the order given, one at a time per worker; each result is handed to `onResult` as it
 * arrives (completion order), and the caller puts results back in point order. A worker that dies (out of memory,
 * a crash) or runs past the timeout fails its point and is replaced; a worker that cannot even start is an internal
 * error that stops the sweep.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { PointRequest, PointResult } from './sweep-point.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const SRC = resolve(HERE, '..');
const ENTRY = join(HERE, 'sweep-worker.ts');
/** Bump when the bundling below changes, so old bundles are not reused. */
const BUNDLE_VERSION = 1;

type WorkerSource = { kind: 'bundle'; url: URL } | { kind: 'tsx'; code: string };

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []))
    .sort();
}

let cached: Promise<WorkerSource> | undefined;

/** How workers load the sources: the compiled worker, a cached esbuild bundle, or tsx (see the file comment). */
export function workerSource(): Promise<WorkerSource> {
  cached ??= (async (): Promise<WorkerSource> => {
    // compiled into dist/*.js: the worker was built beside it
    if (!import.meta.url.endsWith('.ts')) return { kind: 'bundle', url: new URL('./sweep-worker.js', import.meta.url) };
    if (process.env.ORRERY_SWEEP_WORKER !== 'tsx') {
      try {
        return { kind: 'bundle', url: pathToFileURL(await bundle()) };
      } catch (e) {
        if (process.env.ORRERY_SWEEP_WORKER === 'bundle') throw e;
        // fall through to tsx
      }
    }
    const tsx = import.meta.resolve('tsx/esm/api');
    const entry = pathToFileURL(ENTRY).href;
    return { kind: 'tsx', code: `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });` };
  })();
  return cached;
}

async function bundle(): Promise<string> {
  const esbuild = createRequire(import.meta.url)('esbuild') as typeof import('esbuild');
  const h = createHash('sha256').update(`${BUNDLE_VERSION} ${esbuild.version}\n`);
  for (const f of sourceFiles(SRC)) {
    const s = statSync(f);
    h.update(`${relative(SRC, f)} ${s.size} ${s.mtimeMs}\n`);
  }
  const out = join(tmpdir(), `orrery-sweep-worker-${h.digest('hex').slice(0, 20)}.mjs`);
  if (existsSync(out)) return out;
  const result = await esbuild.build({
    entryPoints: [ENTRY],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    logLevel: 'silent',
    // CommonJS packages in the bundle (seedrandom) may require Node built-ins
    banner: { js: "import { createRequire as __orreryCreateRequire } from 'node:module'; const require = __orreryCreateRequire(import.meta.url);" },
    plugins: [{
      // Each source file keeps its own import.meta.url (topologies/ is found relative to src/api/topology.ts).
      name: 'orrery-import-meta',
      setup(build) {
        build.onLoad({ filter: /\.ts$/ }, async (args) => {
          const { readFile } = await import('node:fs/promises');
          const text = await readFile(args.path, 'utf8');
          return {
            loader: 'ts',
            contents: text
              .replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href))
              .replaceAll('import.meta.dirname', JSON.stringify(dirname(args.path)))
              .replaceAll('import.meta.filename', JSON.stringify(args.path)),
          };
        });
      },
    }],
  });
  const tmp = `${out}.${process.pid}.tmp`;
  writeFileSync(tmp, result.outputFiles[0]!.contents);
  renameSync(tmp, out); // atomic: concurrent sweeps never see half a file
  return out;
}

export interface PoolOptions {
  /** Workers (at most one per point). */
  jobs: number;
  /** Fail a point that runs longer than this, ms (its worker is replaced). */
  timeoutMs?: number;
}

/**
 * Runs `requests` on worker threads, handing each result to `onResult` as it completes. Resolves when all are
 * done; rejects only if a worker cannot start at all.
 */
export async function runPoints(requests: readonly PointRequest[], options: PoolOptions, onResult: (r: PointResult) => void): Promise<void> {
  if (requests.length === 0) return;
  const source = await workerSource();
  const slots = Math.max(1, Math.min(options.jobs, requests.length));
  let next = 0;
  let running = 0;
  return new Promise<void>((done, fail) => {
    let failed = false;
    const failPoint = (req: PointRequest, error: string): PointResult => ({ id: req.id, metrics: {}, wallMs: 0, peakMemMB: 0, error });

    const startWorker = (): void => {
      running++;
      const w = source.kind === 'bundle' ? new Worker(source.url) : new Worker(source.code, { eval: true });
      let current: PointRequest | undefined;
      let timer: NodeJS.Timeout | undefined;
      let ended = false;

      const retire = (replace: boolean): void => {
        if (ended) return;
        ended = true;
        clearTimeout(timer);
        void w.terminate();
        running--;
        if (failed) return;
        if (replace && next < requests.length) startWorker();
        else if (running === 0) done();
      };
      const dispatch = (): void => {
        if (failed || next >= requests.length) {
          retire(false);
          return;
        }
        const req = requests[next++]!;
        current = req;
        if (options.timeoutMs !== undefined) {
          timer = setTimeout(() => {
            const r = failPoint(req, `timed out after ${formatSeconds(options.timeoutMs!)} (worker stopped)`);
            current = undefined;
            onResult(r);
            retire(true);
          }, options.timeoutMs);
        }
        w.postMessage(req);
      };
      let ready = false;
      w.on('message', (r: PointResult | { ready: true }) => {
        if (ended) return;
        if ('ready' in r) {
          ready = true;
          dispatch();
          return;
        }
        clearTimeout(timer);
        current = undefined;
        onResult(r);
        dispatch();
      });
      w.on('error', (e: Error) => {
        if (ended) return;
        if (!ready) {
          // the sources did not load: every worker would fail the same way
          failed = true;
          retire(false);
          fail(new Error(`a sweep worker could not start: ${e.message}`));
          return;
        }
        if (current) onResult(failPoint(current, `worker died: ${e.message}`));
        current = undefined;
        retire(true);
      });
      w.on('exit', (code) => {
        if (ended) return;
        if (current) onResult(failPoint(current, `worker exited with code ${code}`));
        current = undefined;
        retire(true);
      });
    };
    for (let i = 0; i < slots; i++) startWorker();
  });
}

function formatSeconds(ms: number): string {
  return ms >= 1000 ? `${+(ms / 1000).toPrecision(4)} s` : `${ms} ms`;
}
