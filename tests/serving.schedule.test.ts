// Hand-computed schedules: one replica, a few requests, a toy step-time model whose every step costs
// 1000 ns + 10 ns per prefill token + 100 ns per decoding request, so each TTFT and TBT below follows from the
// schedulers' rules by hand (the derivation is in each test's comments).
import { describe, expect, it } from 'vitest';
import { serveTimeline } from '../src/api/serve-timeline.ts';
import { serveMetrics, simulateServing, type BatchShape, type Request, type StepTimeModel } from '../src/serving/index.ts';

const toy: StepTimeModel = {
  stepNs: (b: BatchShape) => 1000 + 10 * b.prefillTokens.reduce((a, q) => a + q, 0) + 100 * b.decodeKv.length,
};

// A: prompt 4, output 3, arrives at 0; B: prompt 2, output 2, arrives at 500
const AB: Request[] = [
  { id: 0, arrivalNs: 0, promptTokens: 4, outputTokens: 3 },
  { id: 1, arrivalNs: 500, promptTokens: 2, outputTokens: 2 },
];

function run(scheduler: string, requests = AB, extra: { kvBlocks?: number; blockSize?: number; config?: object } = {}) {
  return simulateServing({
    requests, replicas: 1, stepTime: toy, kvBlocks: extra.kvBlocks ?? 1000, blockSize: extra.blockSize ?? 16,
    scheduler, schedulerConfig: { watermark: 0, ...extra.config }, router: 'round-robin', seed: 1,
  });
}

/** [first token, done, max TBT] per request. */
const times = (r: ReturnType<typeof run>) => r.seqs.map((s) => [s.firstTokenNs, s.doneNs, s.maxTbtNs]);

describe('hand-computed schedules (one replica)', () => {
  it('vllm: prefills first, then decodes together', () => {
    // t=0: A prefills 4 tokens: 1000 + 40 = 1040 → A's first token at 1040 (TTFT 1040)
    // t=1040: B (waiting since 500) prefills 2 tokens: 1020 → 2060, B's first token (TTFT 1560)
    // t=2060: A and B decode: 1000 + 200 = 1200 → 3260: A's 2nd token (gap 2220), B's 2nd and last (gap 1200)
    // t=3260: A decodes alone: 1100 → 4360, A's 3rd and last token (gap 1100)
    const r = run('vllm');
    expect(times(r)).toEqual([[1040, 4360, 2220], [2060, 3260, 1200]]);
    expect(Array.from(r.tbtNs).sort((a, b) => a - b)).toEqual([1100, 1200, 2220]);
    expect(r.steps).toBe(4);
    const m = serveMetrics(r);
    expect(m.ttftNs).toEqual({ p50: 1040, p90: 1560, p99: 1560, max: 1560 }); // nearest rank of [1040, 1560]
    expect(m.e2eNs.max).toBe(4360); // A: 4360 − 0; B: 3260 − 500 = 2760
    // 5 output tokens over 0 … 4360 ns
    expect(m.throughputTokensPerS).toBeCloseTo((5 * 1e9) / 4360, 6);
    // TPOT: A (4360 − 1040) / 2 = 1660, B (3260 − 2060) / 1 = 1200
    expect(m.tpotNs).toEqual({ p50: 1200, p90: 1660, p99: 1660, max: 1660 });
    // batch sizes: 1, 1, 2, 1
    expect(r.batchSizeCounts).toEqual([0, 3, 1]);
  });

  it('sarathi: decodes and a prefill chunk share a step under the token budget', () => {
    // budget 4. t=0: A's whole prompt (4) → 1040, A's 1st token.
    // t=1040: A decodes (1 of the budget) and B prefills min(2, 3) = 2: 1000 + 20 + 100 = 1120 → 2160:
    //   A's 2nd token (gap 1120), B's 1st (TTFT 1660)
    // t=2160: A and B decode: 1200 → 3360: A's 3rd (gap 1200) and B's 2nd (gap 1200), both done
    const r = run('sarathi', AB, { config: { chunkSize: 4 } });
    expect(times(r)).toEqual([[1040, 3360, 1200], [2160, 3360, 1200]]);
  });

  it('sarathi: a prompt longer than the budget is prefilled in chunks, its first token after the last chunk', () => {
    // budget 3, one request of prompt 7, output 2: chunks 3, 3, 1 (1030 ns, 1030, 1010), first token at 3070;
    // then one decode (1100) → 4170
    const r = run('sarathi', [{ id: 0, arrivalNs: 0, promptTokens: 7, outputTokens: 2 }], { config: { chunkSize: 3 } });
    expect(times(r)).toEqual([[3070, 4170, 1100]]);
  });

  it('trtllm: decodes first, then whole contexts while the step stays within max_num_tokens', () => {
    // three requests at 0, prompt 6, output 3; max_num_tokens 10
    // t=0: r0's context (6); r1 would make 12 > 10: 1000 + 60 = 1060 → r0's 1st token at 1060
    // t=1060: r0 decodes (1) + r1's context (1 + 6 = 7 ≤ 10); r2 would make 13: 1160 → 2220 (r0 2nd, r1 1st)
    // t=2220: r0, r1 decode (2) + r2's context (8 ≤ 10): 1260 → 3480 (r0 3rd and done, r1 2nd, r2 1st)
    // t=3480: r1, r2 decode: 1200 → 4680 (r1 done, r2 2nd); t=4680: r2 alone: 1100 → 5780 (r2 done)
    const three: Request[] = [0, 1, 2].map((id) => ({ id, arrivalNs: 0, promptTokens: 6, outputTokens: 3 }));
    const r = run('trtllm', three, { config: { maxBatchTokens: 10 } });
    expect(times(r)).toEqual([[1060, 3480, 1260], [2220, 4680, 1260], [3480, 5780, 1200]]);
    expect(r.preemptions).toBe(0);
  });

  it('trtllm: GUARANTEED_NO_EVICT admits a request only when KV for its prompt + output fits', () => {
    // 16 blocks of 1 token; each request holds 6 + 3 − 1 = 8: r0 and r1 are admitted at 0 (12 tokens ≤ 100),
    // r2 is not (no blocks). t=0: 1000 + 120 = 1120; two decode steps of 1200 → 2320, 3520 (r0, r1 done, blocks
    // free); t=3520: r2's context 1060 → 4580 (1st), then 1100 → 5680, 1100 → 6780
    const three: Request[] = [0, 1, 2].map((id) => ({ id, arrivalNs: 0, promptTokens: 6, outputTokens: 3 }));
    const r = run('trtllm', three, { kvBlocks: 16, blockSize: 1, config: { maxBatchTokens: 100 } });
    expect(times(r)).toEqual([[1120, 3520, 1200], [1120, 3520, 1200], [4580, 6780, 1100]]);
    expect(r.kv.peakBlocks).toEqual([16]);
    expect(r.kv.freeAtEnd).toEqual([16]);
  });

  it('vllm with swap: the victim\'s blocks go to host memory and come back, the PCIe time charged to the step', () => {
    // 6 blocks of 1 token; A and B (prompt 2, output 4) at 0; a swap moves 1000 B per block at 1 B/ns
    // t=0: both prefill (4 blocks): 1000 + 40 → 1040, 1st tokens. t=1040: both decode to 3 tokens (6 blocks): 1200 → 2240
    // t=2240: A needs a 4th block, none free: B (latest) is swapped out (3 blocks), A decodes: 3000 + 1100 → 6340
    // t=6340: A needs a 5th block (2 free → 1); nothing preempted, but B needs 4 blocks back: A alone, 1100 → 7440, A done
    // t=7440: B swaps in (3 blocks moved, 4 allocated) and decodes: 3000 + 1100 → 11540; t=11540: 1100 → 12640, B done
    const two: Request[] = [0, 1].map((id) => ({ id, arrivalNs: 0, promptTokens: 2, outputTokens: 4 }));
    const r = simulateServing({
      requests: two, replicas: 1, stepTime: toy, kvBlocks: 6, blockSize: 1, scheduler: 'vllm', schedulerConfig: { watermark: 0 },
      router: 'round-robin', seed: 1, swap: { hostBlocks: 100, swapNs: (n) => n * 1000 },
    });
    expect(times(r)).toEqual([[1040, 7440, 4100], [1040, 12640, 9300]]);
    expect(r.preemptions).toBe(1);
    expect(r.swap).toEqual({ swaps: 1, totalNs: 6000, hostFreeAtEnd: [100] });
    expect(r.kv.freeAtEnd).toEqual([6]);
    // the same with no host room falls back to recompute: B re-prefills its 2 + 2 tokens later, and no swap time
    const rc = simulateServing({
      requests: two, replicas: 1, stepTime: toy, kvBlocks: 6, blockSize: 1, scheduler: 'vllm', schedulerConfig: { watermark: 0 },
      router: 'round-robin', seed: 1, swap: { hostBlocks: 2, swapNs: (n) => n * 1000 },
    });
    expect(rc.swap).toEqual({ swaps: 0, totalNs: 0, hostFreeAtEnd: [2] });
    expect(rc.preemptions).toBe(1);
    expect(rc.seqs[1]!.cached).toBe(5); // re-prefilled, finished with 2 + 4 − 1 tokens cached
  });

  it('orca: the new request prefills in the same iteration as the running one decodes', () => {
    // t=0: A prefills → 1040. t=1040: A decodes + B prefills 2: 1120 → 2160 (A 2nd, B 1st).
    // t=2160: both decode: 1200 → 3360 (A 3rd and B 2nd, both done)
    const r = run('orca');
    expect(times(r)).toEqual([[1040, 3360, 1200], [2160, 3360, 1200]]);
  });

  it('static: B waits for the whole batch of A to end', () => {
    // t=0: batch {A}: prefill 1040; decodes 1100 each → 2140, 3240 (A done, batch over)
    // t=3240: batch {B}: prefill 1020 → 4260 (TTFT 3760), decode 1100 → 5360
    const r = run('static');
    expect(times(r)).toEqual([[1040, 3240, 1100], [4260, 5360, 1100]]);
  });

  it('static: a finished request stays in its batch as padding until the longest one ends', () => {
    // both at 0, batch {A, B}: prefill 6 tokens 1060 → both first tokens; decode both: 1200 → 2260 (B done);
    // decode A with B as padding: still 2 rows, 1200 → 3460 (A done)
    const r = run('static', [{ ...AB[0]! }, { ...AB[1]!, arrivalNs: 0 }]);
    expect(times(r)).toEqual([[1060, 3460, 1200], [1060, 2260, 1200]]);
    expect(r.batchSizeCounts).toEqual([0, 0, 3]);
  });

  it('vllm: max batch tokens splits prefills over steps (the first prefill of a step always goes)', () => {
    // three requests of prompt 3 at 0, maxBatchTokens 5: step 1 prefills req 0 alone (3 + 3 > 5) → 1030;
    // step 2 prefills req 1 → 2060; step 3 prefills req 2 → 3090; output 1 each, so each is done at its first token
    const reqs = [0, 1, 2].map((id) => ({ id, arrivalNs: 0, promptTokens: 3, outputTokens: 1 }));
    const r = run('vllm', reqs, { config: { maxBatchTokens: 5 } });
    expect(times(r)).toEqual([[1030, 1030, 0], [2060, 2060, 0], [3090, 3090, 0]]);
  });
});

describe('timeline', () => {
  it('one slice per step, named by what it did (the vllm schedule above)', () => {
    const r = simulateServing({
      requests: AB, replicas: 1, stepTime: toy, kvBlocks: 1000, blockSize: 16, scheduler: 'vllm', router: 'round-robin', seed: 1, recordSteps: true,
    });
    const tl = serveTimeline(r.stepLog!, 1, 4, 1000);
    expect(tl.slices.n).toBe(4);
    expect([0, 1, 2, 3].map((i) => tl.name(i))).toEqual(['prefill 1 (4 tok)', 'prefill 1 (2 tok)', 'decode 2', 'decode 1']);
    expect(Array.from(tl.slices.ts)).toEqual([0, 1040, 2060, 3260]);
    expect(Array.from(tl.slices.dur)).toEqual([1040, 1020, 1200, 1100]);
    expect(tl.processes[0]!.name).toBe('replica 0 (NPUs 0-3)');
    const capped = serveTimeline(r.stepLog!, 1, 4, 2);
    expect(capped.slices.n).toBe(2);
    expect(capped.cut).toBe('kept the first 2 of 4 steps; fewer --requests shows a whole run');
  });
});

describe('disaggregated prefill/decode', () => {
  it('prefill on replica 0, KV moved to replica 1, decode there (hand-computed)', () => {
    // replica 0 prefills, replica 1 decodes; the transfer takes 1 ns per byte per GPU, 10 B of KV per token.
    // t=0: A prefills on 0: 1040 → A's 1st token at 1040; its 4 tokens of KV (40 B) leave: lands on 1 at 1080.
    // t=1040: B (arrived 500) prefills on 0: 1020 → 2060 (TTFT 1560); 2 tokens → 20 B → lands at 2080.
    // t=1080: A joins replica 1 and decodes: 1100 → 2180 (2nd token, gap 1140).
    // t=2180: A and B (landed at 2080) decode: 1200 → 3380: A's 3rd and last (gap 1200), B's 2nd and last (gap 1320).
    const sent: number[][] = [];
    const r = simulateServing({
      requests: AB, replicas: 2, stepTime: toy, kvBlocks: 1000, blockSize: 16, scheduler: 'vllm', router: 'round-robin', seed: 1,
      disaggregation: { prefillReplicas: 1, kvBytesPerToken: 10, transferNs: (from, to, bytes) => (sent.push([from, to, bytes]), bytes) },
    });
    expect(times(r)).toEqual([[1040, 3380, 1200], [2060, 3380, 1320]]);
    expect(sent).toEqual([[0, 1, 40], [0, 1, 20]]);
    expect(r.seqs.map((s) => s.replica)).toEqual([1, 1]);
    expect(r.transfers).toEqual({ count: 2, totalNs: 60, maxNs: 40 });
    expect(r.kv.freeAtEnd).toEqual([1000, 1000]);
  });

  it.each(['vllm', 'sarathi', 'orca'])('%s: 300 random requests over 2 prefill + 2 decode replicas finish with every block free', (scheduler) => {
    const reqs = Array.from({ length: 300 }, (_, id) => ({ id, arrivalNs: id * 3000, promptTokens: 1 + ((id * 37) % 50), outputTokens: 1 + ((id * 11) % 30) }));
    const r = simulateServing({
      requests: reqs, replicas: 4, stepTime: toy, kvBlocks: 30, blockSize: 4, scheduler, schedulerConfig: { chunkSize: 32 }, router: 'least-outstanding', seed: 1,
      disaggregation: { prefillReplicas: 2, kvBytesPerToken: 1, transferNs: () => 500 },
    });
    expect(r.kv.freeAtEnd).toEqual([30, 30, 30, 30]);
    for (const s of r.seqs) expect(s.generated).toBe(s.req.outputTokens);
    // requests with one output token finish on the prefill pool; all others move
    expect(r.transfers!.count).toBe(reqs.filter((q) => q.outputTokens > 1).length);
  });
});
