// `orrery run` with --algo auto on cluster presets: each collective takes the NCCL-like model's time
// (src/workload/nccl-timing.ts), from its last member's join; explicit algorithms and non-preset topologies keep the
// message-level simulation.
import { describe, expect, it } from 'vitest';
import { resolveTopology, runCollective, runTrace } from '../src/api/index.ts';
import { ncclShape } from '../src/collectives/index.ts';
import { NcclTimer, type Op, type Trace } from '../src/workload/index.ts';
import { orrery } from './helpers/cli.ts';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MiB = 2 ** 20;
const topo = (t: string) => resolveTopology({ topology: t }).topology;

/** A 2-rank trace: rank 1 computes `delayNs` first, then both all-reduce `bytes`. */
function allreduce2(bytes: number, delayNs = 0): Trace {
  const ar: Op = { id: 1, kind: 'coll', op: 'allreduce', bytes };
  return {
    format: 'orrery-trace', version: 1, units: { time: 'ns', size: 'B' }, ranks: 2, groups: {},
    programs: [
      { ranks: [0], ops: [ar] },
      { ranks: [1], ops: [{ id: 0, kind: 'compute', durationNs: delayNs }, { ...ar, deps: [0] }] },
    ],
  };
}

describe('orrery run --algo auto on a cluster preset', () => {
  it('a 64 MiB all-reduce of 2 ranks on dgx-a100:1 takes the NCCL-like model\'s time, as orrery collective', () => {
    const r = runTrace({ topology: topo('dgx-a100:1'), trace: allreduce2(64 * MiB), algorithms: ['auto'] });
    // NCCL's choice for 1 node × 2 ranks at 64 MiB is ring/Simple (tuner.ts, tuning.cc figures):
    // latency = baseLat ring Simple 8.4 µs + 2(p−1) = 2 steps × NVLink hwLat ring Simple 3.4 µs = 15.2 µs;
    // algBw = NVLink 300 GB/s × A100 efficiency 0.65 × p / (2(p−1)) = 195 GB/s; time rounded once
    const hand = Math.round(15_200 + (64 * MiB) / 195);
    expect(hand).toBe(359_348);
    expect(r.stepTimeNs).toBe(hand);
    const c = runCollective({ topology: topo('dgx-a100:1'), op: 'allreduce', bytes: 64 * MiB, group: [0, 1], algorithms: ['auto'] });
    expect(r.stepTimeNs).toBe(c.timeNs);
    expect(r.collectives[0]).toMatchObject({ algorithms: 'nccl:ring/Simple', durationNs: hand });
    // no messages: the model is closed-form
    expect(r.messages).toBe(0);
    expect(r.algorithms).toEqual(['auto (NCCL-like model per collective)']);
  });

  it('counts from the last member\'s join: rank 1 joins 10 µs late, the step is 10 µs + the model\'s time', () => {
    const r = runTrace({ topology: topo('dgx-a100:1'), trace: allreduce2(64 * MiB, 10_000), algorithms: ['auto'] });
    expect(r.stepTimeNs).toBe(10_000 + 359_348);
    // rank 0 waits for rank 1 (idle), then communicates for the model's time (exposed)
    expect(r.ranks[0]).toMatchObject({ idleNs: 10_000, exposedCommNs: 359_348 });
  });

  it('explicit --algo ring on a preset keeps the message-level simulation', () => {
    const r = runTrace({ topology: topo('dgx-a100:1'), trace: allreduce2(64 * MiB), algorithms: ['ring'] });
    expect(r.collectives[0]!.algorithms).toBe('ring');
    // a ring all-reduce of 2 ranks: 2(p−1) = 2 steps, each a message per rank (1 chunk)
    expect(r.messages).toBeGreaterThan(0);
    expect(r.stepTimeNs).not.toBe(359_348);
  });

  it('keeps ring, and its numbers exactly, on a topology without cluster facts', () => {
    const trace = allreduce2(4 * MiB, 1_000);
    for (const t of ['switch:2', 'ring:2']) {
      const auto = runTrace({ topology: topo(t), trace, algorithms: ['auto'] });
      const ring = runTrace({ topology: topo(t), trace });
      expect(auto.stepTimeNs).toBe(ring.stepTimeNs);
      expect(auto.collectives).toEqual(ring.collectives);
      expect(auto.algorithms).toEqual(['ring']);
    }
  });

  it('refuses auto with an ASTRA-sim model in one line', () => {
    expect(() => runTrace({ topology: topo('dgx-a100:1'), trace: allreduce2(MiB), algorithms: ['auto'], model: 'astra-unaware' }))
      .toThrow(/--algo auto applies to the native models .*astra-unaware takes explicit algorithms/);
  });

  it('decides once per (op, bytes, group shape): blocks of one shape share the decision', () => {
    const t = topo('dgx-a100:2');
    const timer = new NcclTimer(t);
    // two tp blocks, one per node: the same shape (1 node × 8 ranks over NVLink)
    const a = timer.time(0, 0, [0, 1, 2, 3, 4, 5, 6, 7], 'allreduce', 20 * MiB)!;
    const b = timer.time(1, 0, [8, 9, 10, 11, 12, 13, 14, 15], 'allreduce', 20 * MiB)!;
    expect(b).toBe(a);
    expect(ncclShape(t, t.cluster!, [0, 8])).toMatchObject({ nNodes: 2, ranksPerNode: 1 });
    // a group across the two nodes is another shape, with its own (network-bound, slower) time
    const c = timer.time(2, 0, [0, 8], 'allreduce', 20 * MiB)!;
    expect(c.timeNs).toBeGreaterThan(a.timeNs);
    // barrier is not in the model: the replay runs it message by message
    expect(timer.time(0, 1, [0, 1, 2, 3, 4, 5, 6, 7], 'barrier', 0)).toBeNull();
  });

  it('runs barrier with the fallback ring and times p2p on the network model', () => {
    const trace: Trace = {
      format: 'orrery-trace', version: 1, units: { time: 'ns', size: 'B' }, ranks: 2, groups: {},
      programs: [
        { ranks: [0], ops: [{ id: 0, kind: 'coll', op: 'barrier', bytes: 0 }, { id: 1, kind: 'send', peer: 1, tag: 0, bytes: MiB, deps: [0] }] },
        { ranks: [1], ops: [{ id: 0, kind: 'coll', op: 'barrier', bytes: 0 }, { id: 1, kind: 'recv', peer: 0, tag: 0, bytes: MiB, deps: [0] }] },
      ],
    };
    const auto = runTrace({ topology: topo('dgx-a100:1'), trace, algorithms: ['auto'] });
    const ring = runTrace({ topology: topo('dgx-a100:1'), trace, algorithms: ['ring'] });
    expect(auto.collectives[0]!.algorithms).toBe('ring');
    expect(auto.stepTimeNs).toBe(ring.stepTimeNs);
    expect(auto.messages).toBe(ring.messages);
  });
});

describe('orrery run CLI', () => {
  it('defaults to auto on a cluster preset: the same time as orrery collective --npus 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'orrery-run-nccl-'));
    const p = join(dir, 'ar2.json');
    writeFileSync(p, JSON.stringify(allreduce2(64 * MiB)));
    const run = orrery(['run', '-t', 'dgx-a100:1', '--trace', p, '--json']);
    expect(run.code).toBe(0);
    const coll = orrery(['collective', '-t', 'dgx-a100:1', '--npus', '2', '-o', 'allreduce', '-s', String(64 * MiB), '--json']);
    expect(coll.code).toBe(0);
    const j = JSON.parse(run.stdout);
    expect(j.stepTimeNs).toBe(JSON.parse(coll.stdout).timeNs);
    expect(j.collectives[0].algorithms).toBe('nccl:ring/Simple');
    // an explicit --algo ring is message-level
    const ring = JSON.parse(orrery(['run', '-t', 'dgx-a100:1', '--trace', p, '--json', '--algo', 'ring']).stdout);
    expect(ring.collectives[0].algorithms).toBe('ring');
    expect(ring.messages).toBeGreaterThan(0);
  });
});
