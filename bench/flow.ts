/**
 * bench/flow: the flow model against the analytical model on the same collectives, each case in a fresh child
 * process (so peak RSS is its own), side by side in one run. Prints simulated time, messages, flows, events, rate
 * recomputations (components rated / flows rated), wall time, peak RSS, and flow's wall time as a multiple of
 * analytical's.
 *
 *   node --import tsx bench/flow.ts [--runs 1] [--only name,name] [--extra]
 *
 * Targets (issue #5): flow within 5x of analytical's wall time on each case, and the 1024-NPU all-reduce under 10 s.
 * `--extra` adds a contended worst case (direct all-reduce on 1024 NPUs: every uplink shared by 1023 flows).
 * Profile one case: node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/flow.ts --child flow switch1024
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CollectiveSystem, parseAlgorithm, type CollectiveOp } from '../src/collectives/index.ts';
import { Engine } from '../src/engine/index.ts';
import { createNetworkModel, makeTopology, withPhysical, type Topology } from '../src/network/index.ts';

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

const CASES: Case[] = [
  { name: 'switch1024', describe: 'all-reduce 1 GiB, ring, 4 chunks, switch:1024', topology: () => sw(1024), op: 'allreduce', bytes: GiB, algo: 'ring', chunks: 4 },
  {
    name: 'torus8x8x8', describe: 'all-reduce 1 GiB, ring, 4 chunks, torus 8x8x8', op: 'allreduce', bytes: GiB, algo: 'ring', chunks: 4,
    topology: () => makeTopology([0, 1, 2].map(() => ({ kind: 'ring' as const, npus: 8, bandwidthGBps: 50, latencyNs: 500 })), 'torus:8x8x8'),
  },
  { name: 'a2a256', describe: 'all-to-all 64 MiB, direct, switch:256', topology: () => sw(256), op: 'alltoall', bytes: 64 * MiB, algo: 'direct', chunks: 1 },
  {
    name: 'rail4096', describe: 'all-reduce 1 GiB, ring, 4 chunks, 512 DGX-H100 nodes rail-optimized (16 units, 32 spines)',
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
  { name: 'direct1024', describe: 'all-reduce 1 GiB, direct, 1 chunk, switch:1024 (contended: 1023 flows per uplink)', topology: () => sw(1024), op: 'allreduce', bytes: GiB, algo: 'direct', chunks: 1, extra: true },
];

interface Result {
  case: string; model: string; timeNs: number; messages: number; flows: number; events: number;
  recomputes: number; components: number; ratedFlows: number; wallMs: number; cpuMs: number; peakRssMB: number;
}

function child(model: string, name: string): Result {
  const c = CASES.find((x) => x.name === name)!;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
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
    case: name, model, timeNs: coll.endNs, messages: s.messages, flows: s.flows ?? 0, events: run.events,
    recomputes: s.recomputes ?? 0, components: s.components ?? 0, ratedFlows: s.ratedFlows ?? 0,
    wallMs, cpuMs: (cpu.user + cpu.system) / 1000, peakRssMB: process.resourceUsage().maxRSS / 1024,
  };
}

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : dflt;
}

const fmt = (x: number) => x.toLocaleString('en-US');

if (process.argv[2] === '--child') {
  console.log(JSON.stringify(child(process.argv[3]!, process.argv[4]!)));
} else {
  const runs = Number(arg('runs', '1'));
  const only = arg('only', '');
  const extra = process.argv.includes('--extra');
  const self = fileURLToPath(import.meta.url);
  const cases = CASES.filter((c) => (only ? only.split(',').includes(c.name) : !c.extra || extra));
  console.log(`flow vs analytical, fresh process per run, median wall of ${runs} run(s); node ${process.version}`);
  console.log('case | model | sim time | messages | flows | events | recomputes (components / flows rated) | wall ms | cpu ms | peak RSS MB | flow/analytical wall (cpu)');
  for (const c of cases) {
    const med: Record<string, Result> = {};
    for (const model of ['analytical', 'flow']) {
      const rs: Result[] = [];
      for (let r = 0; r < runs; r++) {
        const out = execFileSync(process.execPath, ['--import', 'tsx', self, '--child', model, c.name], { encoding: 'utf8', maxBuffer: 1 << 24 });
        rs.push(JSON.parse(out.trim().split('\n').at(-1)!) as Result);
      }
      rs.sort((a, b) => a.wallMs - b.wallMs);
      med[model] = rs[Math.floor(rs.length / 2)]!;
    }
    console.log(`\n${c.name}: ${c.describe}`);
    for (const model of ['analytical', 'flow']) {
      const x = med[model]!;
      const ratio = model === 'flow' ? `${(x.wallMs / med.analytical!.wallMs).toFixed(2)}x (${(x.cpuMs / med.analytical!.cpuMs).toFixed(2)}x)` : '';
      console.log(
        `  ${model.padEnd(10)} ${(x.timeNs / 1e6).toFixed(4).padStart(10)} ms  ${fmt(x.messages).padStart(11)}  ${fmt(x.flows).padStart(11)}  ` +
          `${fmt(x.events).padStart(11)}  ${fmt(x.recomputes).padStart(7)} (${fmt(x.components)} / ${fmt(x.ratedFlows)})  ` +
          `${x.wallMs.toFixed(0).padStart(7)}  ${x.cpuMs.toFixed(0).padStart(7)}  ${x.peakRssMB.toFixed(0).padStart(6)}  ${ratio}`,
      );
    }
  }
}
