// The importers' and generators' traces replay through the collectives layer and a network model. On an
// effectively free network (latency 0, 10^15 B/ns: every message rounds to 0 ns) the replay must reproduce, to the
// nanosecond, the free-communication schedule that tests/helpers/traceTools.ts computes independently (a collective
// finishes when its last member issues it, a recv when it and its send have issued), and the closed forms the
// importer tests use.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWorkload, loadAstraWorkload, loadChakra } from '../src/api/index.ts';
import { makeTopology } from '../src/network/index.ts';
import type { Op, Trace } from '../src/workload/trace.ts';
import { FIXTURES, untarGz } from './helpers/fixtures.ts';
import { run } from './helpers/trace.ts';
import { freeCommSchedule } from './helpers/traceTools.ts';

/** A topology of these dimension sizes where every message takes 0 ns. */
const free = (...npus: number[]) => makeTopology(npus.map((n) => ({ kind: 'ring' as const, npus: n, bandwidthGBps: 1e15, latencyNs: 0 })));

/** A copy of the trace with each compute op's durationNs set by `f`. */
function withDurations(t: Trace, f: (op: Op) => number): Trace {
  return { ...t, programs: t.programs.map((p) => ({ ranks: p.ranks, ops: p.ops.map((o) => (o.kind === 'compute' ? { ...o, durationNs: f(o) } : o)) })) };
}

/** A copy of the trace with every wait op taking 0 ns. */
function noWaits(t: Trace): Trace {
  return { ...t, programs: t.programs.map((p) => ({ ranks: p.ranks, ops: p.ops.map((o) => (o.kind === 'wait' ? { ...o, durationNs: 0 } : o)) })) };
}

const V1 = join(FIXTURES, 'astra-sim/v1/workload');

describe('ASTRA-sim 1.0 text workloads (collectives with stream: null, concurrent)', () => {
  it('Resnet50_DataParallel.txt on a free network: compute-only 1,082,450 ns (data/MANIFEST.md), + the last update', () => {
    const t = loadAstraWorkload(join(V1, 'Resnet50_DataParallel.txt'), { topology: 'ring:4' });
    // MANIFEST's compute-only makespan counts compute alone (the update waits zeroed)
    expect(run(noWaits(t), free(4)).stepTimeNs).toBe(1_082_450);
    // with the updates: the last layer's weight-gradient update (conv1.wg.update, 3,229 ns) ends the step
    const r = run(t, free(4));
    expect(r.stepTimeNs).toBe(1_082_450 + 3_229);
    expect(r.stepTimeNs).toBe(freeCommSchedule(t).makespan);
  });

  it('DLRM_HybridParallel.txt on a free network: compute-only 51,378 ns (data/MANIFEST.md)', () => {
    const t = loadAstraWorkload(join(V1, 'DLRM_HybridParallel.txt'), { topology: 'ring:4,ring:2' });
    expect(run(noWaits(t), free(4, 2)).stepTimeNs).toBe(51_378);
    expect(run(t, free(4, 2)).stepTimeNs).toBe(freeCommSchedule(t).makespan);
  });

  it.each(['MLP_HybridParallel_Data_Model.txt', 'MLP_HybridParallel_Model_Data.txt', 'MLP_ModelParallel.txt', 'Transformer_HybridParallel.txt'])(
    '%s: free network = the free-communication schedule; a real network is slower',
    (f) => {
      const t = loadAstraWorkload(join(V1, f), { topology: 'ring:4,ring:2' });
      expect(run(t, free(4, 2)).stepTimeNs).toBe(freeCommSchedule(t).makespan);
      const slow = run(t, makeTopology([{ kind: 'ring', npus: 4, bandwidthGBps: 50, latencyNs: 500 }, { kind: 'ring', npus: 2, bandwidthGBps: 25, latencyNs: 1000 }]));
      expect(slow.stepTimeNs).toBeGreaterThan(freeCommSchedule(t).makespan);
    },
  );
});

describe('transformer generator (group-relative pipeline peers, tp/dp streams)', () => {
  // the generator tests' unit costs: 1 ns per forward block, 2 per backward, embedding/head/optimizer free
  const unit = (o: Op) => (/embed|head|optimizer/.test(o.name ?? '') ? 0 : o.name?.includes('.bwd') ? 2 : 1);
  const small = (set: Record<string, unknown>): Trace =>
    withDurations(generateWorkload('gpt3-175b', { set: { 'model.layers': 8, 'training.globalBatch': 16, 'training.parallel.dp': 2, 'training.parallel.tp': 2, ...set } }), unit);

  for (const schedule of ['1f1b', 'gpipe']) {
    it(`${schedule}, P 4, M 8, free network: (M + P − 1)·(tF + tB) = 11·12 = 132 ns`, () => {
      const t = small({ 'training.parallel.pp': 4, 'training.parallel.schedule': schedule });
      expect(t.ranks).toBe(16);
      expect(run(t, free(2, 8)).stepTimeNs).toBe((8 + 4 - 1) * (4 + 8));
    });
  }

  it('interleaved 1F1B, free network: M·t + (P − 1)·t/V = 8·12 + 3·12/2 = 114 ns', () => {
    const t = small({ 'training.parallel.pp': 4, 'training.parallel.virtualStages': 2 });
    expect(run(t, free(2, 8)).stepTimeNs).toBe(8 * 12 + (3 * 12) / 2);
  });

  it.each([
    ['llama-70b (SP, ZeRO-1, interleaved)', 'llama-70b', { 'model.layers': 4, 'training.globalBatch': 8, 'training.parallel.pp': 2, 'training.parallel.dp': 2, 'training.parallel.tp': 2 }, [2, 4]],
    ['mixtral-8x7b (EP all-to-all)', 'mixtral-8x7b', { 'model.layers': 2, 'training.globalBatch': 8, 'training.parallel.dp': 4, 'training.parallel.ep': 2 }, [2, 4]],
  ] as const)('%s with roofline compute: free network = free-communication schedule; A100 + real network slower', (_, w, set, dims) => {
    const t = generateWorkload(w, { set: { ...set }, dims: [...dims] });
    const free0 = run(t, free(...dims), { device: 'A100-SXM4-80GB' });
    // with no compute time and free communication, nothing takes time
    expect(run(withDurations(t, () => 0), free(...dims)).stepTimeNs).toBe(0);
    // the reference schedule with the same roofline durations (A100 datasheet peaks, efficiencies 0.8 / 0.85)
    const ref = freeCommSchedule(withDurations(t, rooflineA100));
    expect(free0.stepTimeNs).toBe(ref.makespan);
    expect(ref.stuck).toEqual([]);
    const real = run(t, makeTopology([{ kind: 'switch', npus: dims[0], bandwidthGBps: 300, latencyNs: 350 }, { kind: 'switch', npus: dims[1], bandwidthGBps: 25, latencyNs: 1000 }]), { device: 'A100-SXM4-80GB' });
    expect(real.stepTimeNs).toBeGreaterThan(free0.stepTimeNs);
  });
});

/** A100 bf16 roofline with the preset's efficiencies, rounded once (devices.ts). */
function rooflineA100(o: Op): number {
  if (o.kind !== 'compute') return 0;
  const peaks: Record<string, number> = { fp64: 19.5, fp32: 19.5, tf32: 156, bf16: 312, fp16: 312, int8: 624 };
  const peak = peaks[o.precision ?? 'bf16']!;
  return Math.round(Math.max((o.flops ?? 0) / (peak * 1e3 * 0.8), (o.bytes ?? 0) / (2039 * 0.85)));
}

describe('Chakra ET: the real PyTorch trace (feeder_tests_trace.tar.gz, 3,664 nodes)', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'orrery-chakra-replay-'));
    untarGz(join(FIXTURES, 'chakra/feeder_tests_trace.tar.gz'), dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('replays (one rank: its collectives complete at once) to exactly the free-communication makespan', () => {
    const t = loadChakra(join(dir, 'tests/data/chakra'), { keepIo: false });
    const r = run(t, free(1));
    expect(r.trace.ops).toBe(3664);
    expect(r.stepTimeNs).toBe(freeCommSchedule(t).makespan);
    expect(r.stepTimeNs).toBeGreaterThan(0);
  });
});
