// Replay identity: the optimised replay (compute chains folded into one event, compact per-op state) reports exactly
// what the replay before it did, to the nanosecond, on committed generated traces (tests/helpers/replay-identity.ts).
//
// Expected values: the output of `node --import tsx tests/helpers/replay-identity-make.ts --no-write` (these helpers,
// as committed here) run against the pre-change replay (src/workload/replay.ts of 1,069 lines, every compute op its
// own event): first at commit 80ff654, where the same script wrote the traces; the megatron cases re-recorded at
// 5136e69 (main with the refitted kernel constants and the NCCL model of that round, replay still the old one), since
// their kernel times come from those constants. `digest` covers step time, per-rank end and
// breakdown, every collective record but its id, and every op's start, end and collective (by its place in the
// report); `idDigest` the collective ids in report order.
//
// Collective ids number collectives in the order they were made. A folded chain's completion is queued when its first
// op issues, not when its last does, so among events at the same nanosecond it can run earlier than it did, and two
// collectives first joined at that nanosecond can be made in the other order: the times are the same, the ids swap.
// That happens in one case here (interleaved schedule with recompute: equal kernel times on every stage); its
// idDigest is not compared.
import { describe, expect, it } from 'vitest';
import { IDENTITY_CASES, identityTrace, replayIdentity } from './helpers/replay-identity.ts';

const EXPECTED: Record<string, { stepNs: number; ops: number; collectives: number; digest: string; idDigest?: string }> = {
  'coarse-1f1b-nccl-flow': { stepNs: 255790993, ops: 2648, collectives: 548, digest: '47327ce88fb4484c', idDigest: 'd86cbe3a1c6d29a8' },
  'megatron-interleaved-recompute-nccl-flow': { stepNs: 292706065, ops: 5584, collectives: 460, digest: 'eaca6c4bae972ed4' },
  'megatron-sp-selective-ring-analytical-jitter': { stepNs: 293149587, ops: 6680, collectives: 402, digest: '80f52abf90383c1c', idDigest: '1dc0ec57c6d52b04' },
  'megatron-gpipe-zero1-ring-flow': { stepNs: 137019822, ops: 3896, collectives: 320, digest: '15a6ce1616836c0c', idDigest: '1919b5df6f45d432' },
  'megatron-1f1b-32-ranks-nccl-flow': { stepNs: 289449068, ops: 32112, collectives: 1288, digest: '195b433d756f4eb9', idDigest: 'b99b620fe26612c7' },
  'dp-overlap-astra-policy': { stepNs: 266000, ops: 24, collectives: 2, digest: '31ca473193d2b46e', idDigest: '4290a836daf3e3e6' },
  'pipeline-4-streams': { stepNs: 213500, ops: 40, collectives: 0, digest: 'c705274a3f617c8d', idDigest: 'e3b0c44298fc1c14' },
};

describe('replay identity with the pre-optimisation replay', () => {
  it('covers every case', () => {
    expect(IDENTITY_CASES.map((c) => c.name).sort()).toEqual(Object.keys(EXPECTED).sort());
  });
  for (const c of IDENTITY_CASES) {
    it(c.name, () => {
      const r = replayIdentity(c, identityTrace(c));
      const want = EXPECTED[c.name]!;
      expect({ stepNs: r.stepNs, ops: r.ops, collectives: r.collectives, digest: r.digest }).toEqual({ ...want, idDigest: undefined });
      if (want.idDigest) expect(r.idDigest).toBe(want.idDigest);
    });
  }

  it('folds compute chains: the 32-rank megatron step takes fewer events than ops', () => {
    // 32,112 ops; with one event per compute op the replay took 27,560 events (replay-identity-make.ts at 80ff654)
    const c = IDENTITY_CASES.find((x) => x.name === 'megatron-1f1b-32-ranks-nccl-flow')!;
    expect(replayIdentity(c).events).toBeLessThan(27_560 / 2);
  });
});
