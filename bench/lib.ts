/**
 * Shared bench plumbing: run a case in a fresh Node process (so its peak RSS is its own), collect its JSON result,
 * take medians, and print aligned tables.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const OUT = join(dirname(fileURLToPath(import.meta.url)), 'out');
const built = new Map<string, string>();

/**
 * Bundles a bench script into plain JavaScript (bench/out/*.mjs) once per process. Children run the bundle with
 * plain `node`: the same code the CLI runs through tsx, without tsx's loader thread (about 30 MB of RSS that is
 * not the simulator's) and without its startup time.
 */
export function bundle(script: string): string {
  let out = built.get(script);
  if (!out) {
    mkdirSync(OUT, { recursive: true });
    // loaded here, not at the top, so that bundled children (which import this file too) do not load esbuild
    const { buildSync } = createRequire(import.meta.url)('esbuild') as typeof import('esbuild');
    out = join(OUT, basename(script).replace(/\.ts$/, '.mjs'));
    buildSync({
      entryPoints: [script], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: out,
      logLevel: 'warning', packages: 'external',
    });
    built.set(script, out);
  }
  return out;
}

export interface Measured {
  [k: string]: number | string;
}

/**
 * Runs `script --child <args…>` (bundled, see {@link bundle}) in a fresh Node process and parses the last stdout
 * line as JSON. The child should print `JSON.stringify(result)` and nothing after it.
 */
export function runChild<T extends Measured>(script: string, args: string[], nodeArgs: string[] = []): T {
  const out = execFileSync(process.execPath, [...nodeArgs, bundle(script), '--child', ...args], {
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
