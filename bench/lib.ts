/**
 * Shared bench plumbing: run a case in a fresh Node process (so its peak RSS is its own), collect its JSON result,
 * take medians, and print aligned tables.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { basename, dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const OUT = join(dirname(fileURLToPath(import.meta.url)), 'out');
const built = new Map<string, string>();

/**
 * Bundles a bench script into plain JavaScript (bench/out/*.mjs) once per process. Children run the bundle with
 * plain `node`, as the CLI runs its esbuild bundle (dist/, scripts/build.mjs): no tsx loader thread (about 30 MB of
 * RSS that is not the simulator's) and no transform at start. bench/startup.ts times the CLI itself.
 */
export function bundle(script: string, opts: BundleOptions = {}): string {
  const key = `${script}${opts.inline ? ' inline' : ''}`;
  let out = built.get(key);
  if (!out) {
    mkdirSync(OUT, { recursive: true });
    // loaded here, not at the top, so that bundled children (which import this file too) do not load esbuild
    const { buildSync } = createRequire(import.meta.url)('esbuild') as typeof import('esbuild');
    out = join(OUT, basename(script).replace(/\.ts$/, opts.inline ? '.inline.mjs' : '.mjs'));
    buildSync({
      entryPoints: [script], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: out,
      logLevel: 'warning',
      ...(opts.inline
        ? { banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" } }
        : { packages: 'external' as const }),
    });
    built.set(key, out);
  }
  return out;
}

export interface BundleOptions {
  /**
   * Bundle the npm packages in too (one file, no node_modules lookups at start): Node's ESM loader then never
   * resolves and links packages, which saves about 16 MB of peak RSS that is the loader's, not the simulator's.
   */
  inline?: boolean;
}

export interface Measured {
  [k: string]: number | string;
}

/**
 * Runs `script --child <args…>` (bundled, see {@link bundle}) in a fresh Node process and parses the last stdout
 * line as JSON. The child should print `JSON.stringify(result)` and nothing after it.
 */
export function runChild<T extends Measured>(script: string, args: string[], nodeArgs: string[] = [], opts: BundleOptions = {}): T {
  const out = execFileSync(process.execPath, [...nodeArgs, bundle(script, opts), '--child', ...args], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(out.trim().split('\n').at(-1)!) as T;
}

/** Peak resident set size of this process so far, MB. */
export function peakRssMB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : dflt;
}

export function isChild(): boolean {
  return process.argv[2] === '--child';
}

/** Prints rows as a Markdown table (readable in a terminal and pasteable into RESULTS.md). */
export function printTable(headers: string[], rows: (string | number)[][]): void {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const w = headers.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join(' | ')} |`;
  console.log(line(headers));
  console.log(`|${w.map((x, i) => (i === 0 ? ':' : '-') + '-'.repeat(x) + (i === 0 ? '-' : ':')).join('|')}|`);
  for (const r of cells.slice(1)) console.log(line(r));
}

export function fmt(x: number, digits = 2): string {
  return x.toFixed(digits);
}

// ---------------------------------------------------------------------------------------------------------------
// The suite's conventions (bench/README.md): --quick, results as JSON for run-all and claims, machine facts, fits.

/** `--quick`: a smoke run (fewer runs, smaller cases), for checking the scripts work, not for figures. */
export function isQuick(): boolean {
  return process.argv.includes('--quick');
}

/** Where run-all collects each script's JSON results (unset when a script runs alone). */
export function resultsDir(): string | undefined {
  return process.env.ORRERY_BENCH_RESULTS || undefined;
}

/**
 * What a bench script hands to run-all: its cases (free-form records) and summary lines for RESULTS.md's summary.
 * Cases that other scripts refer to (bench/claims.ts) carry an `id`.
 */
export interface BenchResult {
  summary: string[];
  cases: ({ id?: string } & Record<string, unknown>)[];
}

/** Saves this script's results for run-all (no-op when run alone). */
export function saveResult(name: string, result: BenchResult): void {
  const d = resultsDir();
  if (!d) return;
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, `${name}.json`), `${JSON.stringify(result, null, 2)}\n`);
}

/** Another script's saved results from this run-all, if any. */
export function loadResult(name: string): BenchResult | undefined {
  const d = resultsDir();
  if (!d || !existsSync(join(d, `${name}.json`))) return undefined;
  return JSON.parse(readFileSync(join(d, `${name}.json`), 'utf8')) as BenchResult;
}

/** The machine, for the head of RESULTS.md. */
export function machineInfo(): Record<string, string> {
  const cpus = os.cpus();
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    // not a git checkout
  }
  return {
    CPU: `${cpus[0]?.model ?? 'unknown'}`,
    cores: `${os.availableParallelism()} (${cpus.length} logical CPUs)`,
    RAM: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    Node: process.version,
    OS: `${os.type()} ${os.release()} ${os.arch()}`,
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    commit,
    'load average at start': os.loadavg().map((x) => x.toFixed(2)).join(', '),
  };
}

/** Least squares on log-log: y ≈ a·x^k. Returns the exponent k, and r² of the fit. */
export function fitPowerLaw(xs: readonly number[], ys: readonly number[]): { k: number; r2: number; n: number } {
  const pts = xs.map((x, i) => [Math.log(x), Math.log(ys[i]!)] as const).filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b));
  const n = pts.length;
  if (n < 2) return { k: NaN, r2: NaN, n };
  const mx = pts.reduce((s, p) => s + p[0], 0) / n, my = pts.reduce((s, p) => s + p[1], 0) / n;
  let sxy = 0, sxx = 0, syy = 0;
  for (const [x, y] of pts) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
    syy += (y - my) ** 2;
  }
  const k = sxy / sxx;
  return { k, r2: syy === 0 ? 1 : (sxy * sxy) / (sxx * syy), n };
}

/**
 * Largest clusters each network model is benchmarked at, so that `npm run bench` stays near 15 minutes on a
 * 2-core machine: `npus1D` for one-dimensional topologies (a ring all-reduce there costs 2(p−1)·p messages),
 * `npus` for 2-D and 3-D. Models that are not listed (new ones, as they register) get `DEFAULT_LIMITS`; a series
 * also stops early once a run is projected to take more than `CASE_BUDGET_MS`.
 */
export const MODEL_LIMITS: Record<string, { npus1D: number; npus: number }> = {
  analytical: { npus1D: 4096, npus: 16384 },
  'astra-unaware': { npus1D: 4096, npus: 16384 },
};
export const DEFAULT_LIMITS = { npus1D: 1024, npus: 4096 };
export const CASE_BUDGET_MS = 30_000;

export function modelLimits(model: string): { npus1D: number; npus: number } {
  return MODEL_LIMITS[model] ?? DEFAULT_LIMITS;
}

/**
 * Markdown table as a string (printTable prints the same). `align` gives 'l' or 'r' per column; by default the
 * first column is left-aligned and the rest (numbers) right-aligned.
 */
export function markdownTable(headers: string[], rows: (string | number)[][], align?: ('l' | 'r')[]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const w = headers.map((_, i) => Math.max(3, ...cells.map((r) => r[i]!.length)));
  const left = (i: number) => (align ? align[i] === 'l' : i === 0);
  const line = (r: string[]) => `| ${r.map((c, i) => (left(i) ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join(' | ')} |`;
  return [
    line(headers),
    `|${w.map((x, i) => (left(i) ? ':' : '-') + '-'.repeat(x) + (left(i) ? '-' : ':')).join('|')}|`,
    ...cells.slice(1).map(line),
  ].join('\n');
}
