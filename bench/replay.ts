/**
 * bench/replay: replay big traces end to end (validation, compilation, the run) and report events, wall time,
 * events per second, CPU time (steadier than wall time when the machine is shared) and peak RSS. Each case runs in a fresh child process so its peak RSS is its own.
 *
 *   node --import tsx bench/replay.ts [--case NAME] [--runs 1]
 *
 * Adding a case is one entry in CASES: a name, a topology (shorthand, file or name in topologies/, with optional
 * per-dimension bandwidth and latency), how to get the trace, run options, and optionally a target wall time.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { generateWorkload, resolveTopology, runTrace, type RunSpec, type Trace, type TopologyArgs } from '../src/api/index.ts';
import { syntheticTrace } from './synthetic.ts';

interface Case {
  name: string;
  description: string;
  topology: TopologyArgs;
  trace: () => Trace;
  spec?: Partial<RunSpec>;
  /** Target wall time (load excluded), ms. */
  targetMs?: number;
}

const CASES: Case[] = [
  {
    name: 'synthetic-1024',
    description: '1,024 ranks (TP 8 in dim 0 × DP 128 in dim 1), 250 layers: 1,010 ops per rank, one program per rank',
    topology: { topology: 'ring:8,switch:128' },
    trace: () => syntheticTrace({ ranks: 1024, tp: 8, layers: 250, dpEvery: 25 }),
  },
  {
    name: 'synthetic-1024-spmd',
    description: 'the same step with one program shared by every rank (SPMD)',
    topology: { topology: 'ring:8,switch:128' },
    trace: () => syntheticTrace({ ranks: 1024, tp: 8, layers: 250, dpEvery: 25, shared: true }),
  },
  {
    name: 'gpt3-175b-tp8-pp8-dp16',
    description: 'GPT-3 175B training step from workloads/gpt3-175b.json (TP 8, PP 8 1F1B, DP 16, 96 microbatches), A100 roofline',
    // DGX A100-like: NVSwitch in a node (300 GB/s, 350 ns), InfiniBand between nodes (25 GB/s per GPU, 1 µs)
    topology: { topology: 'switch:8,switch:128', bandwidthGBps: [300, 25], latencyNs: [350, 1000] },
    trace: () => generateWorkload('gpt3-175b', { dims: [8, 128] }),
    spec: { device: 'A100-SXM4-80GB', model: 'analytical' },
    targetMs: 10_000,
  },
];

interface Result {
  name: string;
  ranks: number;
  ops: number;
  collectives: number;
  events: number;
  buildMs: number;
  wallMs: number;
  /** CPU time of the same span (user + system): steadier than wall time on a shared machine. */
  cpuMs: number;
  eventsPerSec: number;
  peakRssMB: number;
  stepTimeNs: number;
}

function child(name: string): Result {
  const c = CASES.find((x) => x.name === name)!;
  const t0 = performance.now();
  const trace = c.trace();
  const buildMs = performance.now() - t0;
  const { topology } = resolveTopology(c.topology);
  const c0 = process.cpuUsage();
  const r = runTrace({ topology, trace, model: 'analytical', ...c.spec });
  const cpu = process.cpuUsage(c0);
  return {
    name, ranks: r.trace.ranks, ops: r.trace.ops, collectives: r.trace.collectives, events: r.events, buildMs,
    wallMs: r.wallMs, cpuMs: (cpu.user + cpu.system) / 1000, eventsPerSec: r.events / (r.wallMs / 1000), peakRssMB: process.resourceUsage().maxRSS / 1024,
    stepTimeNs: r.stepTimeNs,
  };
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

if (process.argv[2] === '--child') {
  console.log(JSON.stringify(child(process.argv[3]!)));
} else {
  const only = arg('case');
  const runs = Number(arg('runs') ?? 1);
  const cases = CASES.filter((c) => !only || c.name === only);
  if (cases.length === 0) throw new Error(`unknown case ${only}; cases: ${CASES.map((c) => c.name).join(', ')}`);
  console.log(`bench/replay (node ${process.version}, analytical model; wall = validation + compilation + run, trace building excluded)`);
  for (const c of cases) {
    const bw = c.topology.bandwidthGBps ? ` (${c.topology.bandwidthGBps.join(', ')} GB/s, ${c.topology.latencyNs?.join(', ') ?? 500} ns)` : '';
    console.log(`\n${c.name}: ${c.description}, on ${c.topology.topology}${bw}`);
    for (let k = 0; k < runs; k++) {
      const out = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', c.name], { encoding: 'utf8', maxBuffer: 1 << 24 });
      const r = JSON.parse(out.trim().split('\n').pop()!) as Result;
      console.log(
        `  ${r.ops.toLocaleString('en-US')} ops, ${r.collectives.toLocaleString('en-US')} collectives, ${r.events.toLocaleString('en-US')} events; ` +
          `wall ${(r.wallMs / 1000).toFixed(2)} s (${(r.eventsPerSec / 1e6).toFixed(2)} M events/s), CPU ${(r.cpuMs / 1000).toFixed(2)} s, peak RSS ${r.peakRssMB.toFixed(0)} MB; ` +
          `trace built in ${(r.buildMs / 1000).toFixed(2)} s; step ${(r.stepTimeNs / 1e6).toFixed(3)} ms` +
          (c.targetMs ? `; target < ${(c.targetMs / 1000).toFixed(0)} s: ${r.wallMs < c.targetMs ? 'met' : 'MISSED'}` : ''),
      );
    }
  }
}
