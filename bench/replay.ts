/**
 * @bench 60 Trace replay: full training steps end to end
 *
 * bench/replay: replay big training steps end to end (validation, compilation, the run) and report ops, events,
 * wall time, events per second, CPU time (steadier than wall time when the machine is shared), peak RSS and the
 * simulated step time. Each case runs in a fresh process (so its peak RSS is its own); figures are medians of
 * `--runs` (default 3). Building the trace (the generator) is timed separately and excluded from wall time.
 *
 *   node --import tsx bench/replay.ts [--runs 3] [--case NAME[,NAME…]] [--quick]
 *
 * Then (not with `--quick` or `--case`) the kernel-level cases as a user runs them (`--cli`: only those): `node
 * bin/orrery.mjs run …` after `npm run build`, each in its own process under `/usr/bin/time` (skipped with a note
 * when it is missing): CPU time (user + sys, the figure to compare on a shared machine), wall time, peak RSS, and the
 * load average before each run. The command line generates a workload's programs lazily (workload/trace.ts
 * lazyProgram: each program's ops are made as validation reads them), so those figures include the generator; the
 * in-process cases above build plain traces first and time that apart.
 *
 *   node --import tsx bench/replay.ts --cli [--runs 1] [--case gpt3-175b-megatron,gpt-1t-512]
 *
 * `--quick`: the GPT-13B case only, once. Cases with an `id` are read by bench/claims.ts (the training-step rows
 * of its table). Adding a case is one entry in CASES: a name, a topology (shorthand, file or name in topologies/,
 * with optional per-dimension bandwidth and latency), how to get the trace, run options, and optionally a target.
 */
import { generateWorkload, resolveTopology, runTrace, type RunSpec, type Trace, type TopologyArgs } from '../src/api/index.ts';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { arg, fmt, isChild, isQuick, markdownTable, median, runChild, saveResult } from './lib.ts';
import { syntheticTrace } from './synthetic.ts';

interface Case {
  name: string;
  /** Id that bench/claims.ts refers to. */
  id?: string;
  description: string;
  topology: TopologyArgs;
  trace: () => Trace;
  spec: Partial<RunSpec> & { model: string };
  /** Target wall time (trace building excluded), ms. */
  targetMs?: number;
}

// DGX A100-like: NVSwitch in a node (300 GB/s per GPU per direction, 350 ns), InfiniBand HDR between nodes
// (200 Gb/s = 25 GB/s per GPU, 1 µs)
const DGX_A100 = { bandwidthGBps: [300, 25], latencyNs: [350, 1000] };

const CASES: Case[] = [
  {
    name: 'gpt3-175b-1024',
    id: 'gpt3-175b-1024',
    description: 'GPT-3 175B training step (workloads/gpt3-175b.json: TP 8, PP 8 1F1B, DP 16, 96 microbatches per pipeline), A100 roofline, 1,024 GPUs as 128 DGX A100-like nodes',
    topology: { topology: 'switch:8,switch:128', ...DGX_A100 },
    trace: () => generateWorkload('gpt3-175b', { dims: [8, 128] }),
    spec: { device: 'A100-SXM4-80GB', model: 'analytical' },
    targetMs: 10_000,
  },
  {
    name: 'gpt3-175b-1024-megatron',
    description: 'the same step with Megatron\'s kernel list (24 compute ops per layer per microbatch) on the dgx-a100:128 cluster preset, NCCL-timed collectives, flow network (what `orrery run --workload gpt3-175b --set training.kernels=megatron` runs)',
    topology: { topology: 'dgx-a100:128' },
    trace: () => generateWorkload('gpt3-175b', { dims: [8, 128], set: { 'training.kernels': 'megatron' } }),
    spec: { device: 'A100-SXM4-80GB', model: 'flow', algorithms: ['auto'] },
  },
  {
    name: 'gpt-13b-128',
    id: 'gpt-13b-128',
    description: 'GPT-3 13B training step (workloads/gpt-13b.json: TP 8, PP 4 1F1B, DP 4, 512 sequences of 2,048 tokens), A100 roofline, 128 GPUs as 16 DGX A100-like nodes, congestion-aware flow network',
    topology: { topology: 'switch:8,switch:16', ...DGX_A100 },
    trace: () => generateWorkload('gpt-13b', { dims: [8, 16] }),
    spec: { device: 'A100-SXM4-80GB', model: 'flow' },
  },
  {
    name: 'gpt-175b-96',
    id: 'gpt-175b-96',
    // H800: H100 compute, NVLink cut to 400 GB/s both ways (200 per direction); 8 × 400 Gb/s NICs (50 GB/s per GPU)
    description: 'GPT-3 175B training step with 3-D parallelism on 96 GPUs (gpt3-175b.json with PP 12, DP 1: TP 8 × PP 12, 8 layers per stage, 256 microbatches), H100 roofline, 12 H800-like nodes, congestion-aware flow network',
    topology: { topology: 'switch:8,switch:12', bandwidthGBps: [200, 50], latencyNs: [350, 1000] },
    trace: () => generateWorkload('gpt3-175b', {
      dims: [8, 12], set: { 'training.parallel.pp': 12, 'training.parallel.dp': 1, 'training.globalBatch': 256 },
    }),
    spec: { device: 'H100-SXM5-80GB', model: 'flow' },
  },
  {
    name: 'synthetic-1024',
    description: '1,024 ranks (TP 8 in dim 0 × DP 128 in dim 1), 250 layers: 1,010 ops per rank, one program per rank (as per-rank profiler files)',
    topology: { topology: 'ring:8,switch:128' },
    trace: () => syntheticTrace({ ranks: 1024, tp: 8, layers: 250, dpEvery: 25 }),
    spec: { model: 'analytical' },
  },
  {
    name: 'synthetic-1024-spmd',
    description: 'the same step with one program shared by every rank (SPMD)',
    topology: { topology: 'ring:8,switch:128' },
    trace: () => syntheticTrace({ ranks: 1024, tp: 8, layers: 250, dpEvery: 25, shared: true }),
    spec: { model: 'analytical' },
  },
];

interface Result {
  [k: string]: number;
  ranks: number;
  ops: number;
  collectives: number;
  events: number;
  buildMs: number;
  wallMs: number;
  /** CPU time of the same span (user + system). */
  cpuMs: number;
  rssMB: number;
  stepTimeNs: number;
}

function child(name: string): Result {
  const c = CASES.find((x) => x.name === name)!;
  const t0 = performance.now();
  const trace = c.trace();
  const buildMs = performance.now() - t0;
  const { topology } = resolveTopology(c.topology);
  const c0 = process.cpuUsage();
  const r = runTrace({ topology, trace, ...c.spec });
  const cpu = process.cpuUsage(c0);
  return {
    ranks: r.trace.ranks, ops: r.trace.ops, collectives: r.trace.collectives, events: r.events, buildMs,
    wallMs: r.wallMs, cpuMs: (cpu.user + cpu.system) / 1000, rssMB: process.resourceUsage().maxRSS / 1024,
    stepTimeNs: r.stepTimeNs,
  };
}

/** Kernel-level training steps run through the command line (issue 13, item 3), with their CPU-time targets. */
// (peak RSS in MiB, as /usr/bin/time's %M / 1024: issue 13's 1 GB = 1e9 B = 954 MiB)
const CLI_CASES: { name: string; description: string; args: string[]; targetCpuS: number; targetRssMiB?: number }[] = [
  {
    name: 'gpt3-175b-megatron',
    description: 'GPT-3 175B on 1,024 ranks (workloads/gpt3-175b.json: TP 8, PP 8, DP 16, 96 microbatches) on dgx-a100:128 with Megatron\'s kernel list (24 compute ops per layer per microbatch), NCCL-timed collectives, flow network',
    args: ['run', '--workload', 'gpt3-175b', '--set', 'training.kernels=megatron'],
    targetCpuS: 5,
  },
  {
    name: 'gpt-1t-512',
    description: 'the 1T GPT on 512 GPUs (workloads/gpt-1t.json: TP 8, PP 64, 512 microbatches, full recompute, Megatron kernels) on dgx-a100:64, NCCL-timed collectives, flow network',
    args: ['run', '--workload', 'gpt-1t'],
    targetCpuS: 15,
    targetRssMiB: 954,
  },
];

interface CliResult { cpuS: number; wallS: number; rssMiB: number; load1: number; ops: string; step: string }

function runCli(args: string[]): CliResult {
  const root = join(import.meta.dirname, '..');
  const load1 = loadavg()[0]!;
  const r = spawnSync('/usr/bin/time', ['-f', 'TIME %U %S %M %e', process.execPath, join(root, 'bin', 'orrery.mjs'), ...args], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28 });
  const t = /TIME ([\d.]+) ([\d.]+) (\d+) ([\d.]+)/.exec(r.stderr ?? '');
  if (r.status !== 0 || !t) throw new Error(`bench/replay --cli: orrery ${args.join(' ')} failed: ${r.stderr}`);
  const ops = /(\d[\d,]*) ops/.exec(r.stdout)?.[1] ?? '?';
  const step = /step time\s+(.+?)\s+\(/.exec(r.stdout)?.[1] ?? '?';
  return { cpuS: Number(t[1]) + Number(t[2]), wallS: Number(t[4]), rssMiB: Number(t[3]) / 1024, load1, ops, step };
}

function cliBench(): void {
  if (!existsSync('/usr/bin/time')) {
    console.log('bench/replay --cli: /usr/bin/time is not installed; skipped (it measures the child\'s CPU time and peak RSS)');
    return;
  }
  if (!existsSync(join(import.meta.dirname, '..', 'dist', 'cli.js'))) {
    console.log('bench/replay --cli: dist/cli.js is missing; run `npm run build` first');
    return;
  }
  const runs = Number(arg('runs', '1'));
  const only = arg('case', '').split(',').filter(Boolean);
  const cases = CLI_CASES.filter((c) => only.length === 0 || only.includes(c.name));
  console.log(`Kernel-level training steps through the command line (\`node bin/orrery.mjs …\` under /usr/bin/time), median of ${runs} run${runs > 1 ? 's' : ''}; CPU = user + sys.\n`);
  const rows: string[][] = [];
  for (const c of cases) {
    process.stderr.write(`bench/replay --cli: ${c.name} ×${runs}\n`);
    const rs = Array.from({ length: runs }, () => runCli(c.args));
    const cpu = median(rs.map((x) => x.cpuS)), rss = Math.max(...rs.map((x) => x.rssMiB));
    const met = cpu < c.targetCpuS && (c.targetRssMiB === undefined || rss < c.targetRssMiB);
    rows.push([
      c.name, `orrery ${c.args.join(' ')}`, rs.map((x) => fmt(x.load1, 1)).join(', '), rs[0]!.ops, fmt(cpu, 2), fmt(median(rs.map((x) => x.wallS)), 1),
      fmt(rss, 0), rs[0]!.step, `CPU < ${c.targetCpuS} s${c.targetRssMiB ? `, RSS < ${c.targetRssMiB} MiB (1 GB)` : ''}: ${met ? 'met' : 'MISSED'}`,
    ]);
  }
  console.log(markdownTable(['case', 'command', 'load (1 min)', 'ops', 'CPU s', 'wall s', 'peak RSS MiB', 'step time', 'target'], rows));
  console.log('');
  for (const c of cases) console.log(`- \`${c.name}\`: ${c.description}.`);
}

if (process.argv.includes('--cli')) {
  cliBench();
} else if (isChild()) {
  console.log(JSON.stringify(child(process.argv[3]!)));
} else {
  const quick = isQuick();
  const runs = quick ? 1 : Number(arg('runs', '3'));
  const only = arg('case', quick ? 'gpt-13b-128' : '').split(',').filter(Boolean);
  const unknown = only.filter((n) => !CASES.some((c) => c.name === n));
  if (unknown.length > 0) {
    console.error(`bench/replay: unknown case ${unknown.join(', ')}; cases: ${CASES.map((c) => c.name).join(', ')}`);
    process.exit(2);
  }
  const cases = CASES.filter((c) => only.length === 0 || only.includes(c.name));
  console.log(`Trace replay, end to end: wall = validation + compilation + run (building the trace excluded, shown apart); median of ${runs} fresh-process run${runs > 1 ? 's' : ''}.\n`);
  const rows: string[][] = [];
  const saved: Record<string, unknown>[] = [];
  const summary: string[] = [];
  for (const c of cases) {
    process.stderr.write(`bench/replay: ${c.name} ×${runs}\n`);
    const rs = Array.from({ length: runs }, () => runChild<Result>(import.meta.filename, [c.name]));
    const steps = new Set(rs.map((r) => r.stepTimeNs));
    if (steps.size !== 1) throw new Error(`${c.name}: runs disagree on the step time (${[...steps].join(', ')} ns): replay is not deterministic`);
    const r = rs[0]!;
    const wallMs = median(rs.map((x) => x.wallMs));
    const cpuMs = median(rs.map((x) => x.cpuMs));
    const rssMB = Math.max(...rs.map((x) => x.rssMB));
    const target = c.targetMs === undefined ? '' : `< ${c.targetMs / 1000} s: ${wallMs < c.targetMs ? 'met' : 'MISSED'}`;
    const bw = c.topology.bandwidthGBps ? ` (${c.topology.bandwidthGBps.join('/')} GB/s)` : '';
    rows.push([
      c.name, `${c.topology.topology}${bw}`, c.spec.model, r.ranks.toLocaleString('en-US'), r.ops.toLocaleString('en-US'),
      r.collectives.toLocaleString('en-US'), r.events.toLocaleString('en-US'), fmt(median(rs.map((x) => x.buildMs)) / 1000, 2),
      fmt(wallMs / 1000, 2), fmt(cpuMs / 1000, 2), fmt(r.events / (wallMs / 1000) / 1e6, 2), fmt(rssMB, 0),
      fmt(r.stepTimeNs / 1e6, 3), target,
    ]);
    if (c.id) saved.push({ id: c.id, name: c.name, model: c.spec.model, ranks: r.ranks, ops: r.ops, events: r.events, wallMs, cpuMs, rssMB, stepTimeNs: r.stepTimeNs });
    summary.push(`Replay ${c.name} (${r.ranks.toLocaleString('en-US')} ranks, ${r.ops.toLocaleString('en-US')} ops, ${c.spec.model}): ${fmt(wallMs / 1000, 2)} s wall, ${fmt(rssMB, 0)} MB peak RSS, step ${fmt(r.stepTimeNs / 1e6, 3)} ms${target ? `; target ${target}` : ''}.`);
  }
  console.log(markdownTable(
    ['case', 'topology', 'model', 'ranks', 'ops', 'collectives', 'events', 'build s', 'wall s', 'CPU s', 'M events/s', 'peak RSS MB', 'step ms', 'target'],
    rows, ['l', 'l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l'],
  ));
  console.log('');
  for (const c of cases) console.log(`- \`${c.name}\`: ${c.description}.`);
  saveResult('replay', { summary, cases: saved });
  if (!quick && only.length === 0) {
    console.log('');
    cliBench();
  }
}
