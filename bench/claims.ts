/**
 * @bench 90 Claims: published simulator speeds next to Orrery's nearest equivalent
 *
 * bench/claims: a table of published claims about how fast simulators of distributed training are, each next to
 * what Orrery measures for the nearest equivalent workload on this machine, with what "equivalent" means in that
 * row. Where Orrery has no equivalent workload yet, the row says so and names the hook that will fill it.
 *
 * Run inside `npm run bench`, it reads the figures the other scripts just measured (bench/collective.ts and
 * bench/replay.ts). Run alone, it measures the collective rows itself (the replay rows need bench/replay.ts's results):
 *
 *   node --import tsx bench/claims.ts [--runs 1] [--quick]
 *
 * The peer figures are as the project's issue #6 gives them (ASTRA-sim's were measured on this machine class for
 * issue #2; the others are the papers' own statements, not reproduced here).
 */
import { join } from 'node:path';
import { arg, fmt, isQuick, loadResult, markdownTable, median, runChild, saveResult } from './lib.ts';
import { ASTRA_CASES as CASES } from './peers.ts';

interface Claim {
  who: string;
  claim: string;
  source: string;
  /** The peer's wall time, s (undefined for a relative claim). */
  peerSec?: number;
  /** Where Orrery's figure comes from: a bench script's case id, or none yet. */
  orrery?: { script: string; caseId: string };
  /** What "equivalent" means in this row (or why there is none). */
  equivalent: string;
}

const ASTRA = 'ASTRA-sim 2.0, analytical backend (congestion-unaware), measured on this machine class (issue #2)';
const astraRow = (id: string, claim: string, sec: number): Claim => ({
  who: 'ASTRA-sim 2.0 analytical',
  claim,
  source: ASTRA,
  peerSec: sec,
  orrery: { script: 'collective', caseId: `${id}@analytical` },
  equivalent: 'the same workload: the same topology, 1 GiB ring all-reduce split into 4 chunks, analytical (α-β, no contention) network, one process on the same class of machine; Orrery\'s time includes building the topology and network',
});

export const CLAIMS: Claim[] = [
  astraRow('astra-switch-1024', '1 GiB all-reduce on 1024 NPUs (one switch): 9.75 s, 352 MB', 9.75),
  astraRow('astra-switch-4096', '1 GiB all-reduce on 4096 NPUs (one switch): 302 s, 5.4 GB', 302),
  astraRow('astra-16x16x16', '1 GiB all-reduce on 4096 NPUs (16×16×16): 7.6 s, 177 MB', 7.6),
  astraRow('astra-32x32x16', '1 GiB all-reduce on 16,384 NPUs (32×32×16): 66 s, 862 MB', 66),
  {
    who: 'ns-3, packet level',
    claim: 'about 9 hours to simulate one GPT-13B training iteration on 128 GPUs',
    source: 'arXiv 2602.10615 (Wormhole), as cited in issue #6',
    peerSec: 9 * 3600,
    orrery: { script: 'replay', caseId: 'gpt-13b-128' },
    equivalent: 'the same model and cluster size, not the same network fidelity: one GPT-3 13B training step (workloads/gpt-13b.json: TP 8, PP 4, DP 4, 512 sequences of 2,048 tokens) replayed end to end on 128 GPUs as 16 DGX A100-like nodes (bench/replay.ts case gpt-13b-128), with Orrery\'s flow model (max-min fair bandwidth sharing per message) where ns-3 simulates every packet and its queues. The parallelism plan and cluster are ours; the paper\'s may differ',
  },
  {
    who: 'accelerated ns-3 (Wormhole)',
    claim: 'about 5 minutes for the same GPT-13B iteration on 128 GPUs',
    source: 'arXiv 2602.10615, as cited in issue #6',
    peerSec: 5 * 60,
    orrery: { script: 'replay', caseId: 'gpt-13b-128' },
    equivalent: 'as above (bench/replay.ts case gpt-13b-128): the same training step size, flow-level rather than packet-level network',
  },
  {
    who: 'Echo',
    claim: 'under 2 minutes to simulate a GPT-175B training step on 96 GPUs (3-D parallelism)',
    source: 'arXiv 2412.12487 (abstract)',
    peerSec: 120,
    orrery: { script: 'replay', caseId: 'gpt-175b-96' },
    equivalent: 'GPT-3 175B with 3-D parallelism on 96 GPUs (bench/replay.ts case gpt-175b-96: TP 8 × PP 12, 256 microbatches, H100 roofline, 12 H800-like nodes with NVLink 200 GB/s per direction and 50 GB/s per GPU between nodes, flow network). Echo traces the real job and estimates collectives with a white-box NCCL model; its 2 minutes may include work Orrery does not do (tracing), and its plan and batch may differ from ours',
  },
  {
    who: 'Multiverse (GPU-accelerated)',
    claim: '43-73x faster than CPU simulators',
    source: 'NSDI\'25, "Accelerating Design Space Exploration for LLM Training Systems with Multi-experiment Parallel Simulation", as cited in issue #6',
    equivalent: 'a relative claim. The nearest Orrery figure is its own speedup over a CPU simulator (ASTRA-sim\'s analytical backend) on that simulator\'s workloads, the range of the four ASTRA-sim rows above. Different baselines (Multiverse runs a packet-level network with DCQCN on a GPU) and different workloads: compare orders of magnitude only',
  },
];

interface Measured { wallMs: number; rssMB: number; events: number }

/** Orrery's figure for a claim: from this run-all's results, or measured now (collective cases only). */
function orreryFigure(c: Claim, runs: number): Measured | undefined {
  if (!c.orrery) return undefined;
  const saved = loadResult(c.orrery.script)?.cases.find((x) => x.id === c.orrery!.caseId);
  if (saved) return { wallMs: saved.wallMs as number, rssMB: saved.rssMB as number, events: saved.events as number };
  if (c.orrery.script !== 'collective') return undefined; // replay cases come only from bench/replay.ts
  const [caseId, model] = c.orrery.caseId.split('@') as [string, string];
  const pc = CASES.find((x) => x.id === caseId)!;
  if (isQuick() && pc.oneDimensional && pc.npus > 1024) return undefined;
  const script = join(import.meta.dirname, 'collective.ts');
  const rs = Array.from({ length: runs }, () => runChild<Measured & { [k: string]: number }>(script, [pc.topology, model]));
  return { wallMs: median(rs.map((r) => r.wallMs)), rssMB: Math.max(...rs.map((r) => r.rssMB)), events: rs[0]!.events };
}

const runs = Number(arg('runs', '1'));
const rows: string[][] = [];
const speedups: number[] = [];
const summary: string[] = [];
for (const c of CLAIMS) {
  const m = orreryFigure(c, runs);
  let orrery = 'no equivalent yet';
  let ratio = '';
  if (m) {
    orrery = `${fmt(m.wallMs / 1000, 2)} s, ${fmt(m.rssMB, 0)} MB peak RSS, ${m.events.toLocaleString('en-US')} events`;
    if (c.peerSec !== undefined) {
      const x = c.peerSec / (m.wallMs / 1000);
      ratio = `${fmt(x, 1)}x faster`;
      if (c.source === ASTRA) speedups.push(x);
    }
  } else if (c.orrery?.script === 'collective') {
    orrery = 'not measured in this run (--quick)';
  } else if (c.orrery) {
    orrery = `not measured in this run (bench/${c.orrery.script}.ts saves it when run by \`npm run bench\`)`;
  }
  if (!c.orrery && speedups.length > 0) {
    orrery = `${fmt(Math.min(...speedups), 1)}-${fmt(Math.max(...speedups), 1)}x faster than ASTRA-sim analytical (its rows above)`;
  }
  rows.push([c.who, c.claim, c.source, orrery, ratio, c.equivalent]);
  // the ASTRA-sim rows are in bench/collective.ts's summary already
  if (c.source !== ASTRA) summary.push(`Claim: ${c.who}, ${c.claim} (${c.source}). Orrery: ${orrery}.`);
}

console.log(markdownTable(['simulator', 'published claim', 'source', 'Orrery on this machine', 'ratio', 'what "equivalent" means here'], rows, ['l', 'l', 'l', 'l', 'r', 'l']));
console.log('\nRerun: `npm run bench` (all of it), or `node --import tsx bench/claims.ts --runs 3` (measures the collective rows itself).');
saveResult('claims', { summary, cases: [] });
