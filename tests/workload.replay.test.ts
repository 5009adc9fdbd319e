// Replay: exact step times and breakdowns on the analytical model, each derived in a comment.
// Defaults: 50 GB/s = 50 B/ns per link, 500 ns per hop; one message of m bytes to a ring neighbour takes
// round(500 + m/50) ns. A ring all-reduce of n bytes on p ranks takes 2(p−1)·(500 + n/(50p)) ns.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Op } from '../src/workload/trace.ts';
import { ring, run, spmd, topo, trace, traceFile } from './helpers/trace.ts';

const AR4 = 6 * (500 + 4_000_000 / (4 * 50)); // all-reduce of 4 MB on ring:4 = 123,000 ns

describe('traces/ files', () => {
  it('dp-overlap-4: gradient all-reduce of layer 1 overlaps the backward compute of layer 0', () => {
    // forward 0-10,000; backward L1 10,000-18,000; AR L1 18,000-141,000 (123,000 ns, overlapping backward L0
    // 18,000-26,000); AR L0 waits for AR L1 on the comm stream: 141,000-264,000; optimizer 264,000-266,000.
    const r = run(traceFile('dp-overlap-4.json'), ring(4));
    expect(AR4).toBe(123_000);
    expect(r.stepTimeNs).toBe(10_000 + 8_000 + 2 * AR4 + 2_000);
    for (const x of r.ranks) {
      expect(x).toEqual({
        rank: x.rank, endNs: 266_000,
        computeNs: 10_000 + 2 * 8_000 + 2_000, // forward, two backward, optimizer
        overlappedCommNs: 8_000, // backward L0 under AR L1
        exposedCommNs: 2 * AR4 - 8_000,
        otherNs: 0,
        idleNs: 0,
      });
    }
    expect(r.collectives.map((c) => [c.name, c.startNs, c.durationNs])).toEqual([
      ['grad all-reduce L1', 18_000, AR4],
      ['grad all-reduce L0', 141_000, AR4],
    ]);
    // busBw = (n / t)·2(p−1)/p = (4e6 / 123,000)·1.5
    expect(r.collectives[0]!.busBwGBps).toBeCloseTo((4e6 / AR4) * 1.5, 10);
    expect(r.collectiveSummary).toEqual([
      { op: 'allreduce', group: 'world', bytes: 4e6, algorithms: 'ring', count: 2, meanNs: AR4, minNs: AR4, maxNs: AR4, meanBusBwGBps: (4e6 / AR4) * 1.5 },
    ]);
  });

  it('pingpong-2: two 1 MB messages and 1 us of compute in between', () => {
    // ring:2: one hop each way; 2·round(500 + 1e6/50) + 1,000 = 2·20,500 + 1,000
    const r = run(traceFile('pingpong-2.json'), ring(2));
    expect(r.stepTimeNs).toBe(42_000);
    expect(r.ranks[1]!.endNs).toBe(42_000); // rank 1's send completes when it arrives at rank 0
    // rank 0: its send is in flight 0-20,500 and the reply 21,500-42,000 (the recv counts from the send's issue)
    expect(r.ranks[0]).toMatchObject({ computeNs: 0, exposedCommNs: 41_000, idleNs: 1_000 });
    expect(r.trace.p2p).toBe(4);
  });

  it('pipeline-4: GPipe, 4 stages × 2 microbatches, activations by send/recv', () => {
    // F = 10,000, B = 20,000, msg = round(500 + 500,000/50) = 10,500.
    // Microbatch 1 reaches stage 3 at 72,000: stage 0's send stream is busy with mb0 until 20,500, then
    // 3 hops of (msg + F): 20,500 + 10,500 + 10,000 + 10,500 + 10,000 + 10,500 = 72,000; F(3,1) ends 82,000.
    // Backward critical path: B(3,0) 102,000 → msg → B(2,0) 132,500 → msg → B(1,0) 163,000 → msg →
    // B(0,0) 193,500 → B(0,1) 213,500.
    const r = run(traceFile('pipeline-4.json'), ring(4));
    expect(r.stepTimeNs).toBe(82_000 + 20_000 + 3 * (10_500 + 20_000) + 20_000);
    expect(r.ranks.map((x) => x.endNs)).toEqual([213_500, 193_500, 163_000, 132_500]);
    // stage 0: exposed = mb0's send tail after F(0,1) (500) + mb1's send (10,500) + grad mb0 in flight (10,500);
    // overlapped = mb0's send under F(0,1) (10,000) + grad mb1 under B(0,0) (10,500); the rest is the bubble.
    expect(r.ranks[0]).toMatchObject({ computeNs: 60_000, exposedCommNs: 21_500, overlappedCommNs: 20_500, idleNs: 213_500 - 60_000 - 21_500 });
  });

  it('deadlock-2: reports each rank\'s stuck recv and the send it waits for, instead of hanging', () => {
    expect(() => run(traceFile('deadlock-2.json'), ring(2))).toThrowError(
      /^deadlock: 4 of 4 ops never finished; nothing was left to happen at 0 ns\. 2 ranks stuck; by cause \(ops that every member joined but never finished first\):\n {2}2 ranks \(0-1\), e\.g\. rank 0: op 0 "recv from 1" [^\n]*\nStuck ops of the first 2 ranks:\n {2}rank 0: op 0 "recv from 1" \(recv from rank 1, tag 0\) issued at 0 ns, waits for rank 1 op 1 "send to 0" \(send to rank 0, tag 0\), which is not issued\n {2}rank 0: op 1 "send to 1" \(send to rank 1, tag 0\) not issued: waits for op 0\n {2}rank 1: op 0/,
    );
  });

  it('a deadlock report gives a stuck collective\'s issue time (its join) and a stuck recv\'s', () => {
    // rank 0 waits in a recv (issued after its 50 ns compute) for a send that rank 1 makes only after an
    // all-reduce (joined after its 70 ns compute) that rank 0 never joins
    const t = trace(2, [
      { ranks: [0], ops: [{ id: 0, kind: 'compute', durationNs: 50 }, { id: 1, kind: 'recv', peer: 1, bytes: 10, deps: [0] }, { id: 2, kind: 'coll', op: 'allreduce', bytes: 100, deps: [1] }] as Op[] },
      { ranks: [1], ops: [{ id: 0, kind: 'compute', durationNs: 70 }, { id: 1, kind: 'coll', op: 'allreduce', bytes: 100, deps: [0] }, { id: 2, kind: 'send', peer: 0, bytes: 10, deps: [1] }] as Op[] },
    ]);
    for (const extra of [{}, { timeline: { path: join(mkdtempSync(join(tmpdir(), 'orrery-')), 't.json') } }]) {
      let msg = '';
      try { run(t, ring(2), extra); } catch (e) { msg = (e as Error).message; }
      expect(msg).toContain('rank 0: op 1 (recv from rank 1, tag 0) issued at 50 ns, waits for rank 1 op 2');
      expect(msg).toContain('rank 1: op 1 (allreduce on group "world") issued at 70 ns (collective #1 on this group), waits for rank 0 to join');
    }
  });
});

describe('streams and dependencies', () => {
  const c = (id: number, durationNs: number, extra: Partial<Op> = {}): Op => ({ id, kind: 'compute', durationNs, ...extra } as Op);

  it('ops on one stream run one at a time in program order; different streams overlap', () => {
    expect(run(spmd(1, [c(0, 100), c(1, 200), c(2, 300)]), ring(1)).stepTimeNs).toBe(600);
    expect(run(spmd(1, [c(0, 100, { stream: 'a' }), c(1, 200, { stream: 'b' }), c(2, 300, { stream: 'c' })]), ring(1)).stepTimeNs).toBe(300);
    // a dependency across streams: 300 waits for 100 → 400
    expect(run(spmd(1, [c(0, 100, { stream: 'a' }), c(1, 200, { stream: 'b' }), c(2, 300, { stream: 'c', deps: [0] })]), ring(1)).stepTimeNs).toBe(400);
  });

  it('`stream: null` opts out of the default stream: such ops issue as soon as their deps complete', () => {
    expect(run(spmd(1, [c(0, 100), c(1, 200)]), ring(1)).stepTimeNs).toBe(300);
    expect(run(spmd(1, [c(0, 100, { stream: null }), c(1, 200, { stream: null })]), ring(1)).stepTimeNs).toBe(200);
  });

  it('group-relative p2p: one program per pipeline stage serves every pipeline', () => {
    // pp = [[0,1],[2,3]] on ring:4: 0→1 and 2→3 are both one hop: round(500 + 1e6/50) = 20,500, then 1,000 of compute
    const t = trace(4, [
      { ranks: [0, 2], ops: [{ id: 0, kind: 'send', peer: 1, group: 'pp', bytes: 1_000_000 }] },
      { ranks: [1, 3], ops: [{ id: 0, kind: 'recv', peer: 0, group: 'pp', bytes: 1_000_000 }, c(1, 1_000, { deps: [0] })] },
    ], { pp: [[0, 1], [2, 3]] });
    const r = run(t, ring(4));
    expect(r.stepTimeNs).toBe(21_500);
    expect(r.ranks.map((x) => x.endNs)).toEqual([20_500, 21_500, 20_500, 21_500]);
  });

  it('forward dependencies (to an op listed later) are honoured', () => {
    // op 0 waits for op 1 (on its own stream): 50 then 100
    expect(run(spmd(1, [c(0, 100, { deps: [1] }), c(1, 50, { stream: 's' })]), ring(1)).stepTimeNs).toBe(150);
  });

  it('wait and marker ops: waits take their time, markers none; waits count as other', () => {
    const r = run(spmd(1, [c(0, 100), { id: 1, kind: 'wait', durationNs: 40, deps: [0] }, { id: 2, kind: 'marker', deps: [1] }, c(3, 10, { deps: [2] })]), ring(1));
    expect(r.stepTimeNs).toBe(150);
    expect(r.ranks[0]).toMatchObject({ computeNs: 110, otherNs: 40, idleNs: 0 });
  });

  it('a recv whose message arrived before it issued completes at its issue', () => {
    // message arrives at round(500 + 1e6/50) = 20,500; the recv waits for 50,000 ns of compute
    const t = trace(2, [
      { ranks: [0], ops: [{ id: 0, kind: 'send', peer: 1, bytes: 1_000_000 }] },
      { ranks: [1], ops: [c(0, 50_000), { id: 1, kind: 'recv', peer: 0, bytes: 1_000_000, deps: [0] }] },
    ]);
    const r = run(t, ring(2));
    expect(r.stepTimeNs).toBe(50_000);
    expect(r.ranks[0]!.endNs).toBe(20_500);
  });

  it('host (cpu) compute is not compute for overlap: it counts as other', () => {
    const r = run(spmd(1, [c(0, 100, { cpu: true }), c(1, 30)]), ring(1));
    // cpu 0-100 on stream cpu, gpu compute 0-30 on stream compute
    expect(r.stepTimeNs).toBe(100);
    expect(r.ranks[0]).toMatchObject({ computeNs: 30, otherNs: 70, idleNs: 0 });
  });
});

describe('collectives through the collectives layer', () => {
  it('partition groups: tensor-parallel all-reduce in dimension 0, then data-parallel in dimension 1', () => {
    // torus 4x2: tp blocks are the dim-0 rings, dp blocks the dim-1 pairs.
    // tp: 6·(500 + 4e6/200) = 123,000; dp on a ring of 2: 2·(500 + 2e6/100) = 41,000.
    const t = spmd(8, [
      { id: 0, kind: 'coll', op: 'allreduce', group: 'tp', bytes: 4_000_000 },
      { id: 1, kind: 'coll', op: 'allreduce', group: 'dp', bytes: 2_000_000, deps: [0] },
    ], { tp: [[0, 1, 2, 3], [4, 5, 6, 7]], dp: [[0, 4], [1, 5], [2, 6], [3, 7]] });
    const r = run(t, topo({ kind: 'ring', npus: 4, bandwidthGBps: 50, latencyNs: 500 }, { kind: 'ring', npus: 2, bandwidthGBps: 50, latencyNs: 500 }));
    expect(r.stepTimeNs).toBe(123_000 + 41_000);
    expect(r.collectives.map((x) => `${x.group}[${x.block}] ${x.members} ${x.durationNs}`)).toEqual([
      'tp[0] 4 123000', 'tp[1] 4 123000', 'dp[0] 2 41000', 'dp[1] 2 41000', 'dp[2] 2 41000', 'dp[3] 2 41000',
    ]);
  });

  it('the n-th collective each member issues on a group is one instance, whenever each member issues it', () => {
    // Ring of 2, d = 500 + 2e6/100 = 20,500 per step; a member sends step s+1 once it has received step s.
    // Rank 0 joins at 0 and sends step 0 (arrives 20,500); rank 1 joins at 10,000 and sends step 0 (arrives
    // 30,500). Rank 1 sends step 1 at 20,500 (arrives 41,000: rank 0 done); rank 0 sends step 1 at 30,500
    // (arrives 51,000: rank 1 done = 10,000 + 2d). Members progress independently: the collective is not a barrier.
    const t = trace(2, [
      { ranks: [0], ops: [{ id: 0, kind: 'coll', op: 'allreduce', bytes: 2_000_000 }] },
      { ranks: [1], ops: [{ id: 0, kind: 'compute', durationNs: 10_000 }, { id: 1, kind: 'coll', op: 'allreduce', bytes: 2_000_000, deps: [0] }] },
    ]);
    const r = run(t, ring(2));
    expect(r.stepTimeNs).toBe(51_000);
    expect(r.collectives[0]).toMatchObject({ startNs: 0, skewNs: 10_000, durationNs: 51_000 });
    // busBw over the transfer time (41,000): (2e6/41,000)·2(p−1)/p = (2e6/41,000)·1
    expect(r.collectives[0]!.busBwGBps).toBeCloseTo(2e6 / 41_000, 10);
    // rank 0 counts communication from the last join (10,000) to its done (41,000); waiting before is idle
    expect(r.ranks[0]).toMatchObject({ endNs: 41_000, exposedCommNs: 31_000, idleNs: 10_000 + 10_000 });
    expect(r.ranks[1]).toMatchObject({ endNs: 51_000, computeNs: 10_000, exposedCommNs: 41_000, idleNs: 0 });
  });

  it('per-op algorithms and chunks override the run\'s', () => {
    // direct all-reduce on a switch of 4, one chunk: reduce-scatter then all-gather, each one step of 3 parallel
    // messages of n/4 over 2 hops: 2·(2·500 + 4e6/4/50) = 42,000; ring would be 6·(1,000 + 20,000) = 126,000
    const sw4 = topo({ kind: 'switch', npus: 4, bandwidthGBps: 50, latencyNs: 500 });
    const ar = (extra = {}): Op[] => [{ id: 0, kind: 'coll', op: 'allreduce', bytes: 4_000_000, ...extra } as Op];
    expect(run(spmd(4, ar()), sw4).stepTimeNs).toBe(126_000);
    expect(run(spmd(4, ar({ algorithms: ['direct'] })), sw4).stepTimeNs).toBe(42_000);
    expect(run(spmd(4, ar()), sw4, { algorithms: ['direct'] }).stepTimeNs).toBe(42_000);
    // 2 chunks on ring:4 (one dimension): the ring runs chunk after chunk in the same queue: 2·6·(500 + 2e6/200)
    expect(run(spmd(4, ar({ chunks: 2 })), ring(4)).stepTimeNs).toBe(2 * 6 * (500 + 10_000));
    expect(() => run(spmd(4, ar({ algorithms: ['rign'] })), ring(4))).toThrowError(/op 0: field "algorithms": unknown algorithm "rign"/);
  });

  it('rejects a trace with more ranks than the topology has NPUs', () => {
    expect(() => run(spmd(8, []), ring(4))).toThrowError(/the trace has 8 ranks but topology ring:4 has 4 NPUs/);
  });
});

describe('astra issue policy', () => {
  const ar = (id: number, stream: string): Op => ({ id, kind: 'coll', op: 'allreduce', bytes: 4_000_000, stream });

  it('one communication op in flight per rank: two independent all-reduces take exactly twice one', () => {
    // ASTRA-SIM.md §3 "one collective in flight per rank"; on separate streams the streams policy lets them share
    // the queue instead, which is not faster here (one queue per dimension, one active chunk)
    const t = spmd(4, [ar(0, 'a'), ar(1, 'b')]);
    expect(run(t, ring(4), { policy: 'astra' }).stepTimeNs).toBe(2 * AR4);
  });

  it('issues the dependency-free op with the smallest id, not program order', () => {
    const t = spmd(1, [{ id: 5, kind: 'compute', durationNs: 100 }, { id: 2, kind: 'compute', durationNs: 200 }]);
    const astra = run(t, ring(1), { policy: 'astra', timeline: undefined });
    expect(astra.stepTimeNs).toBe(300);
    // streams policy: program order on the compute stream, same total
    expect(run(t, ring(1)).stepTimeNs).toBe(300);
  });

  it('a 0 ns compute op takes 1 ns; compute and communication classes overlap', () => {
    const zeros = spmd(1, [0, 1, 2].map((id) => ({ id, kind: 'compute', durationNs: 0, deps: id > 0 ? [id - 1] : [] }) as Op));
    expect(run(zeros, ring(1), { policy: 'astra' }).stepTimeNs).toBe(3);
    expect(run(zeros, ring(1)).stepTimeNs).toBe(0);
    // a compute of 50,000 and an independent all-reduce overlap: max(50,000, 123,000)
    const t = spmd(4, [{ id: 0, kind: 'compute', durationNs: 50_000 }, ar(1, 'x')]);
    expect(run(t, ring(4), { policy: 'astra' }).stepTimeNs).toBe(AR4);
  });

  it('ignores streams: ops that share a stream but not a class run at once', () => {
    const t = spmd(1, [{ id: 0, kind: 'compute', durationNs: 100, stream: 's' }, { id: 1, kind: 'wait', durationNs: 100, stream: 's' }]);
    expect(run(t, ring(1)).stepTimeNs).toBe(200);
    expect(run(t, ring(1), { policy: 'astra' }).stepTimeNs).toBe(100);
  });
});

describe('compute time', () => {
  const flopsOp = (flops: number, bytes = 0, extra = {}): Op[] => [{ id: 0, kind: 'compute', flops, bytes, ...extra } as Op];

  it('roofline from FLOPs and bytes on a device preset', () => {
    // H100 bf16 dense 989.5 TFLOPS = 989,500 FLOP/ns; 1e12 FLOP at efficiency 1: 1e12/989,500 = 1,010,611.4 → 1,010,611
    expect(run(spmd(1, flopsOp(1e12)), ring(1), { device: 'H100-SXM5-80GB', computeEfficiency: 1 }).stepTimeNs).toBe(1_010_611);
    // with the preset's assumed efficiency 0.8: 1e12/(989,500·0.8) = 1,263,264.3 → 1,263,264
    expect(run(spmd(1, flopsOp(1e12)), ring(1), { device: 'h100' }).stepTimeNs).toBe(1_263_264);
    // memory-bound: 3.35e9 B at 3,350 B/ns (efficiency 1) = 1,000,000 ns, more than the 1e9 FLOP's 1,011 ns
    expect(run(spmd(1, flopsOp(1e9, 3.35e9)), ring(1), { device: 'H100-SXM5-80GB', computeEfficiency: 1, memoryEfficiency: 1 }).stepTimeNs).toBe(1_000_000);
    // A100 fp16 312 TFLOPS: 3.12e11 FLOP = 1,000,000 ns at efficiency 1
    expect(run(spmd(1, flopsOp(3.12e11, 0, { precision: 'fp16' })), ring(1), { device: 'A100-SXM4-80GB', computeEfficiency: 1 }).stepTimeNs).toBe(1_000_000);
    // the trace's meta.device is the default device
    const t = { ...spmd(1, flopsOp(3.12e11)), meta: { device: 'A100-SXM4-80GB' } };
    expect(run(t, ring(1), { computeEfficiency: 1 }).stepTimeNs).toBe(1_000_000);
  });

  it('names the op when the roofline cannot be computed', () => {
    expect(() => run(spmd(1, flopsOp(1e9)), ring(1))).toThrowError(/program 0|rank 0, op 0: compute op has no durationNs, so its time comes from the roofline, which needs a device: pass --device \(A100-SXM4-80GB, H100-SXM5-80GB, A40, A100-PCIe-80GB, H100-PCIe-80GB\)/);
    expect(() => run(spmd(1, flopsOp(1e9, 0, { precision: 'fp8' })), ring(1), { device: 'a100' })).toThrowError(/rank 0, op 0: compute op asks for fp8, which A100-SXM4-80GB does not have; it has: fp64, fp32, tf32, bf16, fp16, int8/);
    expect(() => run(spmd(1, flopsOp(1e9)), ring(1), { device: 'B200' })).toThrowError(/unknown device "B200"; expected one of: A100-SXM4-80GB, H100-SXM5-80GB, A40, A100-PCIe-80GB, H100-PCIe-80GB/);
  });

  it('--compute-scale multiplies compute time; stragglers slow one rank and the others wait at the collective', () => {
    // scale 2 on dp-overlap: forward 20,000, backward 16,000 each, optimizer 4,000:
    // AR L1 at 36,000-159,000, AR L0 159,000-282,000, optimizer → 286,000
    expect(run(traceFile('dp-overlap-4.json'), ring(4), { computeScale: 2 }).stepTimeNs).toBe(36_000 + 2 * AR4 + 4_000);
    // Rank 1 at 2×: it joins AR L1 at 36,000, the others at 18,000. In a ring all-reduce (step d = 20,500) member
    // m sends step s when it has joined and received step s−1 from m−1; working the recurrence, the 18,000 delay
    // fits in one step's slack for every member except rank 3 (two after the late rank), so ranks 0-2 finish AR L1
    // at 18,000 + 6d = 141,000 and rank 3 at 36,000 + 6d = 159,000. AR L0 is the same with rank 3 late (joins
    // at 159,000): rank 1 finishes at 159,000 + 6d = 282,000, the others at 264,000. Optimizer: 2,000 (rank 1:
    // 4,000) → [266,000, 286,000, 266,000, 266,000].
    const r = run(traceFile('dp-overlap-4.json'), ring(4), { stragglers: { 1: 2 } });
    expect(r.ranks.map((x) => x.endNs)).toEqual([266_000, 286_000, 266_000, 266_000]);
    expect(r.stepTimeNs).toBe(286_000);
    expect(r.ranks.map((x) => x.computeNs)).toEqual([28_000, 56_000, 28_000, 28_000]);
    expect(r.collectives.map((c) => [c.startNs, c.skewNs, c.durationNs])).toEqual([[18_000, 18_000, 159_000 - 18_000], [141_000, 18_000, 282_000 - 141_000]]);
  });

  it('jitter is seeded: the same seed gives the same result, another seed another, 0 none', () => {
    const t = traceFile('dp-overlap-4.json');
    const a = run(t, ring(4), { jitter: 0.1, seed: 42 });
    const b = run(t, ring(4), { jitter: 0.1, seed: 42 });
    const c = run(t, ring(4), { jitter: 0.1, seed: 43 });
    expect({ ...a, wallMs: 0 }).toEqual({ ...b, wallMs: 0 });
    expect(a.stepTimeNs).not.toBe(c.stepTimeNs);
    expect(a.stepTimeNs).not.toBe(266_000);
    expect(run(t, ring(4), { jitter: 0, seed: 42 }).stepTimeNs).toBe(266_000);
  });

  it('rejects a straggler rank outside the trace', () => {
    expect(() => run(traceFile('dp-overlap-4.json'), ring(4), { stragglers: { 9: 2 } })).toThrowError(/straggler rank 9 is not a rank of this 4-rank trace/);
  });
});
