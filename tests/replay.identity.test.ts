// Replay identity: the optimised replay (folded compute chains, compact per-op state) reports exactly what the
// replay before it did, to the nanosecond, on committed generated traces (tests/helpers/replay-identity.ts).
//
// Expected values: the output of `node --import tsx tests/helpers/replay-identity-make.ts` on the pre-change build
// (commit c01b784, src/workload/replay.ts of 1,069 lines, every compute op its own event), which also wrote the
// fixtures. The digest covers step time, per-rank end and breakdown, every collective record (with its id), and
// every op's start, end and collective; step time, op and collective counts are also given in the clear.
import { describe, expect, it } from 'vitest';
import { IDENTITY_CASES, identityTrace, replayIdentity } from './helpers/replay-identity.ts';

const EXPECTED: Record<string, { stepNs: number; ops: number; collectives: number; digest: string }> = {
  'coarse-1f1b-nccl-flow': { stepNs: 255790993, ops: 2648, collectives: 548, digest: 'a4b753646781485a' },
  'megatron-interleaved-recompute-nccl-flow': { stepNs: 292162806, ops: 5584, collectives: 460, digest: 'd23df4ffe37f1945' },
  'megatron-sp-selective-ring-analytical-jitter': { stepNs: 291342289, ops: 6680, collectives: 402, digest: 'c26970d9bf1cb8e5' },
  'megatron-gpipe-zero1-ring-flow': { stepNs: 136886814, ops: 3896, collectives: 320, digest: 'dcb70560c631beb7' },
  'megatron-1f1b-32-ranks-nccl-flow': { stepNs: 290205204, ops: 32112, collectives: 1288, digest: 'b27c0abe28a822b8' },
  'dp-overlap-astra-policy': { stepNs: 266000, ops: 24, collectives: 2, digest: 'ea02c5d4ae47998d' },
  'pipeline-4-streams': { stepNs: 213500, ops: 40, collectives: 0, digest: 'c705274a3f617c8d' },
};

describe('replay identity with the pre-optimisation replay', () => {
  it('covers every case', () => {
    expect(IDENTITY_CASES.map((c) => c.name).sort()).toEqual(Object.keys(EXPECTED).sort());
  });
  for (const c of IDENTITY_CASES) {
    it(c.name, () => {
      const r = replayIdentity(c, identityTrace(c));
      const { events: _events, ...got } = r;
      expect(got).toEqual(EXPECTED[c.name]);
    });
  }
});
