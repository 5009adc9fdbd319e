// ASTRA-sim parity from the closed forms of its congestion-unaware backend (tests/helpers/astra.ts, written from
// reference/ASTRA-SIM.md §1/§3 and the system-layer notes §5): 1-D ring, direct and halving-doubling on ring,
// switch and fully-connected dimensions of 4 to 1024 NPUs, for all-reduce, reduce-scatter, all-gather and
// all-to-all, with ASTRA-sim's system knobs (chunks, active chunks, endpoint delay, local-mem-bw), exact to the ns.
import { describe, expect, it } from 'vitest';
import { runCollective } from '../src/api/index.ts';
import type { DimensionKind } from '../src/network/index.ts';
import {
  astraTopology, directTime, GiB, hdTime, MiB, ringTime, type AstraParams,
} from './helpers/astra.ts';

type Algo = 'ring' | 'direct' | 'halvingDoubling';
interface Case extends AstraParams { algo: Algo; op: string }

function simulate(c: Case): number {
  const r = runCollective({
    topology: astraTopology(c.kind, c.n, c.gbps, c.alpha),
    op: c.op as 'allreduce',
    bytes: c.bytes,
    algorithms: [c.algo],
    model: 'astra-unaware',
    system: {
      flavor: 'astra', chunks: c.k, activeChunksPerDim: c.active ?? 1, endpointDelayNs: c.e ?? 10,
      localMemBwGBps: c.L ?? 1600, scheduling: 'LIFO',
    },
  });
  expect(r.minTimeNs).toBe(r.timeNs); // every rank alike
  return r.timeNs;
}

function expected(c: Case): number {
  return c.algo === 'ring' ? ringTime(c, c.op) : c.algo === 'direct' ? directTime(c, c.op) : hdTime(c, c.op);
}

const OPS = ['allreduce', 'reducescatter', 'allgather', 'alltoall'] as const;
const KINDS: DimensionKind[] = ['ring', 'switch', 'fullyConnected'];
const cases: Case[] = [];
for (const kind of KINDS) {
  for (const n of [4, 8, 16, 64, 256, 1024]) {
    for (const op of OPS) {
      // ring: p(p−1)/2 all-to-all steps and 2(p−1) all-reduce steps per rank: keep the message count modest
      // (1024-NPU rings, 2 M messages each, once: on a switch)
      if ((op !== 'alltoall' || n <= 64) && (n < 1024 || (kind === 'switch' && op !== 'alltoall'))) {
        cases.push({ kind, n, op, algo: 'ring', bytes: MiB, k: n >= 256 ? 1 : 4 });
      }
      if (kind !== 'ring' && n <= 256) cases.push({ kind, n, op, algo: 'direct', bytes: MiB, k: 4 });
      // (an all-gather's messages grow to the gathered size: 1 MiB per rank keeps them under ASTRA-sim's 2 GiB int)
      if (op !== 'alltoall') cases.push({ kind, n, op, algo: 'halvingDoubling', bytes: op === 'allgather' ? MiB : GiB, k: 4 });
    }
  }
}
// other sizes and knobs: bumped tiny chunks, a size that does not divide, several active chunks, other delays,
// other bandwidths and latencies
for (const kind of KINDS) {
  for (const algo of ['ring', 'direct', 'halvingDoubling'] as Algo[]) {
    if (algo === 'direct' && kind === 'ring') continue;
    cases.push(
      { kind, n: 8, op: 'allreduce', algo, bytes: 100, k: 4 },
      { kind, n: 8, op: 'allreduce', algo, bytes: 1_000_001, k: 4 },
      { kind, n: 8, op: 'reducescatter', algo, bytes: 1_000_001, k: 3 },
      { kind, n: 8, op: 'allgather', algo, bytes: 1_000_001, k: 3 },
      { kind, n: 16, op: 'allreduce', algo, bytes: 64 * MiB, k: 8, active: 3 },
      { kind, n: 16, op: 'allreduce', algo, bytes: 64 * MiB, k: 2, e: 1, L: 50, gbps: 400, alpha: 936.25 },
      { kind, n: 32, op: 'reducescatter', algo, bytes: GiB, k: 16, active: 4, e: 0, L: 3350, gbps: 25, alpha: 2000 },
    );
  }
}

describe('astra-unaware against its closed forms (1-D)', () => {
  it('covers the advertised range', () => {
    expect(cases.length).toBeGreaterThan(150);
    expect(Math.max(...cases.map((c) => c.n))).toBe(1024);
  });

  it.each(cases.map((c) => [`${c.algo} ${c.op} ${c.kind}:${c.n} ${c.bytes} B k=${c.k}${c.active ? ` a=${c.active}` : ''}`, c] as const))(
    '%s',
    (_, c) => {
      expect(simulate(c)).toBe(expected(c));
    },
  );
});
