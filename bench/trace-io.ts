/**
 * @bench 50 Trace encodings: size and load time of JSON and msgpack
 *
 * bench/trace-io: size and load time of one big trace in each encoding. The trace is synthetic (bench/synthetic.ts)
 * with one program per rank (no SPMD sharing, as per-rank profiler traces are) and compute durations that vary by
 * up to ±5% per (rank, op) as measured ones do, so every op is stored and ranks do not compress into each other.
 *
 *   node --import tsx bench/trace-io.ts [--ranks 128] [--layers 200] [--runs 5]
 *
 * Load = read the file, gunzip if needed, decode into the trace data model (what `orrery run --trace` does before
 * validation); validation is the same work for every encoding and is timed once, separately. Times are medians
 * of --runs loads, encodings interleaved so machine noise hits them alike. Target (issue #4): msgpack markedly
 * smaller and faster to load than JSON.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTraceFile, writeTraceFile } from '../src/io/index.ts';
import { validateTrace } from '../src/workload/validate.ts';
import { syntheticTrace } from './synthetic.ts';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

const quick = process.argv.includes('--quick');
const ranks = arg('ranks', quick ? 16 : 128), layers = arg('layers', quick ? 50 : 200), runs = arg('runs', quick ? 1 : 5);
const trace = syntheticTrace({ ranks, tp: 8, layers, dpEvery: 10, vary: 0.05 });
const ops = trace.programs.reduce((n, p) => n + p.ops.length, 0);
const dir = mkdtempSync(join(tmpdir(), 'orrery-trace-io-'));
const files = ['trace.json', 'trace.json.gz', 'trace.msgpack', 'trace.msgpack.gz'].map((f) => join(dir, f));

console.log(`trace: ${ranks} ranks × ${ops / ranks} ops = ${ops.toLocaleString('en-US')} ops, one program per rank, durations ±5% (node ${process.version})`);
const sizes = files.map((f) => writeTraceFile(f, trace));
const times: number[][] = files.map(() => []);
for (let k = 0; k < runs; k++) {
  files.forEach((f, i) => {
    const t0 = performance.now();
    readTraceFile(f);
    times[i]!.push(performance.now() - t0);
  });
}
const loaded = readTraceFile(files[2]!).trace;
const vt: number[] = [];
for (let k = 0; k < runs; k++) {
  const t0 = performance.now();
  validateTrace(loaded);
  vt.push(performance.now() - t0);
}
rmSync(dir, { recursive: true, force: true });

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const jsonSize = sizes[0]!, jsonMs = median(times[0]!);
console.log('\nencoding          size        B/op   load (median)   vs JSON size   vs JSON load');
files.forEach((f, i) => {
  const ms = median(times[i]!);
  console.log(
    `${f.split('/').pop()!.padEnd(16)} ${(sizes[i]! / 1e6).toFixed(2).padStart(7)} MB ${(sizes[i]! / ops).toFixed(1).padStart(7)}  ${ms.toFixed(0).padStart(9)} ms` +
      `   ${(sizes[i]! / jsonSize).toFixed(3).padStart(10)}x   ${(ms / jsonMs).toFixed(2).padStart(10)}x`,
  );
});
console.log(`\nvalidation (same work for every encoding, median of ${runs}): ${median(vt).toFixed(0)} ms`);
