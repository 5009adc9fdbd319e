/**
 * @bench 40 The flow model beside analytical on the same collectives
 *
 * bench/flow: the flow model against the analytical model on the same collectives, side by side in one run, each
 * case in a fresh process (bundled, see lib.ts). Prints simulated time, messages, flows, events, rate recomputations
 * (recompute events; components rated / flows rated), wall and CPU time, peak RSS, and flow's wall (CPU) time as a
 * multiple of analytical's.
 *
 *   node --import tsx bench/flow.ts [--runs 3] [--only switch1024,a2a256] [--extra]
 *
 * Targets (issue #5): flow within 5x of analytical's wall time on each case; the 1024-NPU all-reduce under 10 s.
 * `--extra` adds two contended cases: a direct all-reduce on 1024 NPUs (every uplink shared by 1023 flows, all
 * finishing together) and a direct all-to-all on the 2:1 fat-tree (ECMP collisions: flows finish at many instants,
 * each re-rating the whole component).
 * Profile one case: node --cpu-prof --cpu-prof-dir=/tmp/prof bench/out/flow.mjs --child flow switch1024
 */
import { fileURLToPath } from 'node:url';
import { resolveTopology } from '../src/api/index.ts';
import { CollectiveSystem, parseAlgorithm, type CollectiveOp } from '../src/collectives/index.ts';
import { Engine } from '../src/engine/index.ts';
import { createNetworkModel, makeTopology, withPhysical, type Topology } from '../src/network/index.ts';
import { arg, fmt, isChild, isQuick, median, peakRssMB, printTable, runChild } from './lib.ts';

interface Case {
  name: string;
  describe: string;
  topology: () => Topology;
  op: CollectiveOp;
  bytes: number;
  algo: string;
  chunks: number;
  extra?: boolean;
}

const GiB = 2 ** 30, MiB = 2 ** 20;
const sw = (n: number) => makeTopology([{ kind: 'switch', npus: n, bandwidthGBps: 50, latencyNs: 500 }], `switch:${n}`);

export const CASES: Case[] = [
  { name: 'switch1024', describe: 'all-reduce 1 GiB, ring, 4 chunks, switch:1024', topology: () => sw(1024), op: 'allreduce', bytes: GiB, algo: 'ring', chunks: 4 },
  {
    name: 'torus8x8x8', describe: 'all-reduce 1 GiB, ring, 4 chunks, torus 8x8x8', op: 'allreduce', bytes: GiB, algo: 'ring', chunks: 4,
    topology: () => makeTopology([0, 1, 2].map(() => ({ kind: 'ring' as const, npus: 8, bandwidthGBps: 50, latencyNs: 500 })), 'torus:8x8x8'),
  },
  { name: 'a2a256', describe: 'all-to-all 64 MiB, direct, switch:256', topology: () => sw(256), op: 'alltoall', bytes: 64 * MiB, algo: 'direct', chunks: 1 },
  {
    name: 'rail4096', describe: 'all-reduce 1 GiB, ring, 4 chunks, 512 DGX H100 nodes rail-optimized (16 units of 32 nodes, 32 spines)',
    op: 'allreduce', bytes: GiB, algo: 'ring', chunks: 4,
    topology: () => withPhysical(
      makeTopology([
        { kind: 'switch', npus: 8, bandwidthGBps: 450, latencyNs: 350 },
        { kind: 'switch', npus: 512, bandwidthGBps: 50, latencyNs: 1000 },
      ], 'rail-4096'),
      { family: 'railOptimized', nodes: 512, gpusPerNode: 8, nvlinkGBps: 450, nvlinkLatencyNs: 350, nicGBps: 50, nicLatencyNs: 1000, nodesPerLeaf: 32, spines: 32 },
      'bench',
    ),
  },
  {
    name: 'direct1024', describe: 'all-reduce 1 GiB, direct, switch:1024 (1023 flows per uplink, all finishing together)',
    topology: () => sw(1024), op: 'allreduce', bytes: GiB, algo: 'direct', chunks: 1, extra: true,
  },
  {
    name: 'fattree-a2a', describe: 'all-to-all 64 MiB, direct, fattree-2to1 (128 NPUs; ECMP collisions, flows finish at many instants)',
    topology: () => resolveTopology({ topology: 'fattree-2to1' }).topology, op: 'alltoall', bytes: 64 * MiB, algo: 'direct', chunks: 1, extra: true,
  },
];

interface Result {
  [k: string]: number | string;
  timeNs: number; messages: number; flows: number; events: number; recomputes: number; components: number;
  ratedFlows: number; wallMs: number; cpuMs: number; rssMB: number;
}

function child(model: string, name: string): Result {
  const c = CASES.find((x) => x.name === name);
  if (!c) throw new Error(`unknown case ${name}; expected one of: ${CASES.map((x) => x.name).join(', ')}`);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const topology = c.topology();
  const engine = new Engine();
  const network = createNetworkModel(model, engine, topology);
  const system = new CollectiveSystem(engine, network, { chunks: c.chunks });
  const coll = system.start({ op: c.op, bytes: c.bytes, algorithms: [parseAlgorithm(c.algo)] });
  const run = engine.run();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  if (coll.membersDone !== coll.size) throw new Error(`${name} on ${model} did not finish`);
  const s = network.stats();
  return {
    timeNs: coll.endNs, messages: s.messages, flows: s.flows ?? 0, events: run.events, recomputes: s.recomputes ?? 0,
    components: s.components ?? 0, ratedFlows: s.ratedFlows ?? 0, wallMs, cpuMs: (cpu.user + cpu.system) / 1000, rssMB: peakRssMB(),
  };
}

const n = (x: number) => x.toLocaleString('en-US');

if (isChild()) {
  console.log(JSON.stringify(child(process.argv[3]!, process.argv[4]!)));
} else {
  const runs = isQuick() ? 1 : Number(arg('runs', '3'));
  const only = isQuick() ? 'torus8x8x8,a2a256' : arg('only', '');
  const extra = process.argv.includes('--extra');
  const self = fileURLToPath(import.meta.url);
  const cases = CASES.filter((c) => (only ? only.split(',').includes(c.name) : !c.extra || extra));
  console.log(`flow vs analytical: median of ${runs} fresh-process run(s) each, models interleaved; wall and CPU include setup`);
  for (const c of cases) console.log(`  ${c.name}: ${c.describe}`);
  console.log('');
  const rows: (string | number)[][] = [];
  for (const c of cases) {
    const samples: Record<string, Result[]> = { analytical: [], flow: [] };
    for (let r = 0; r < runs; r++) for (const model of ['analytical', 'flow']) samples[model]!.push(runChild<Result>(self, [model, c.name]));
    const med = (model: string, k: 'wallMs' | 'cpuMs') => median(samples[model]!.map((x) => x[k]));
    for (const model of ['analytical', 'flow']) {
      const x = samples[model]![0]!;
      rows.push([
        model === 'analytical' ? c.name : '', model, fmt(x.timeNs / 1e6, 4), n(x.messages), n(x.flows), n(x.events),
        `${n(x.recomputes)} (${n(x.components)} / ${n(x.ratedFlows)})`, fmt(med(model, 'wallMs'), 0), fmt(med(model, 'cpuMs'), 0),
        fmt(Math.max(...samples[model]!.map((s) => s.rssMB)), 0),
        model === 'flow' ? `${fmt(med('flow', 'wallMs') / med('analytical', 'wallMs'))}x (${fmt(med('flow', 'cpuMs') / med('analytical', 'cpuMs'))}x)` : '',
      ]);
    }
  }
  printTable(['case', 'model', 'sim ms', 'messages', 'flows', 'events', 'recomputes (components / flows rated)', 'wall ms', 'cpu ms', 'peak RSS MB', 'flow / analytical wall (cpu)'], rows);
}
