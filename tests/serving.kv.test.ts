// KV-cache accounting: blocks are never double-used or leaked, preemption by recompute frees a request's blocks
// and the request resumes with its output so far recomputed; reservations (orca, static) hold the whole request.
import { describe, expect, it } from 'vitest';
import { KvCache, simulateServing, syntheticRequests, type BatchShape, type StepTimeModel } from '../src/serving/index.ts';

const toy: StepTimeModel = {
  stepNs: (b: BatchShape) => 1000 + 10 * b.prefillTokens.reduce((a, q) => a + q, 0) + 100 * b.decodeKv.length,
};

describe('KvCache', () => {
  it('hands out each block once and takes back only what the owner holds', () => {
    const kv = new KvCache(4, 16);
    const a: number[] = [], b: number[] = [];
    expect(kv.allocate(1, 3, a)).toBe(true);
    expect(kv.allocate(2, 2, b)).toBe(false); // only 1 free: nothing taken
    expect(b).toEqual([]);
    expect(kv.allocate(2, 1, b)).toBe(true);
    expect(new Set([...a, ...b]).size).toBe(4);
    expect(kv.freeBlocks).toBe(0);
    expect(() => kv.release(2, a)).toThrow(/owned by 1/);
    kv.release(1, a);
    expect(a).toEqual([]);
    expect(kv.freeBlocks).toBe(3);
    expect(kv.blocksFor(33)).toBe(3); // ⌈33 / 16⌉
  });

  it('time-averaged utilization: 2 of 4 blocks for 10 ns, then 4 of 4 for 10 ns → 75 %', () => {
    const kv = new KvCache(4, 1);
    const x: number[] = [];
    kv.allocate(1, 2, x);
    kv.advance(10);
    kv.allocate(1, 2, x);
    expect(kv.meanUtilization(20)).toBe((2 * 10 + 4 * 10) / (4 * 20));
    expect(kv.peak).toBe(4);
  });
});

describe('preemption by recompute (vllm)', () => {
  it('the latest request loses its blocks when the cache is full and resumes after the other finishes', () => {
    // blocks of 2 tokens, 3 blocks; A and B: prompt 2, output 4 (each needs ⌈(2 + 4 − 1)/2⌉ = 3 blocks at the end)
    // t=0: both prefill (1 block each, 1 free): 1000 + 40 → 1040, first tokens; cached 2 each
    // t=1040: decode: A needs a 2nd block (takes the last); B needs one, none free → B (the latest) is preempted.
    //         A decodes alone: 1100 → 2140 (A 2nd token)
    // t=2140: B needs ⌈3/2⌉ = 2 blocks, 1 free: waits. A decodes (cached 3 fits 2 blocks) → 3240 (3rd token)
    // t=3240: A takes the 3rd block (cached 4 → 5 tokens) → 4340, A's 4th and last token; its 3 blocks freed
    // t=4340: B re-prefills prompt 2 + its 1 generated token = 3 tokens: 1030 → 5370, B's 2nd token
    //         (gap 5370 − 1040 = 4330); then decodes at 6470 and 7570 (needs a 3rd block for its 5th token)
    const reqs = [0, 1].map((id) => ({ id, arrivalNs: 0, promptTokens: 2, outputTokens: 4 }));
    const r = simulateServing({
      requests: reqs, replicas: 1, stepTime: toy, kvBlocks: 3, blockSize: 2, scheduler: 'vllm', schedulerConfig: { watermark: 0 },
      router: 'round-robin', seed: 1,
    });
    const [a, b] = r.seqs;
    expect([a!.firstTokenNs, a!.doneNs, a!.preemptions]).toEqual([1040, 4340, 0]);
    expect([b!.firstTokenNs, b!.doneNs, b!.maxTbtNs, b!.preemptions]).toEqual([1040, 7570, 4330, 1]);
    expect(r.preemptions).toBe(1);
    expect(r.kv.freeAtEnd).toEqual([3]);
    expect(r.kv.peakBlocks).toEqual([3]);
  });

  it.each(['vllm', 'sarathi', 'orca', 'static'])('%s: 400 random requests on a tight cache finish with every block free', (scheduler) => {
    // KvCache throws on any double allocation or foreign free, so finishing is itself the no-double-use check
    const reqs = syntheticRequests({
      count: 400, arrival: { kind: 'poisson', qps: 2e5 }, prompt: { kind: 'uniform', min: 1, max: 60 },
      output: { kind: 'uniform', min: 1, max: 40 }, seed: 3,
    });
    const r = simulateServing({
      requests: reqs, replicas: 2, stepTime: toy, kvBlocks: 40, blockSize: 4, scheduler, schedulerConfig: { chunkSize: 32 },
      router: 'round-robin', seed: 1,
    });
    expect(r.kv.freeAtEnd).toEqual([40, 40]);
    for (const s of r.seqs) {
      expect(s.generated).toBe(s.req.outputTokens);
      expect(s.blocks).toEqual([]);
      expect(s.doneNs).toBeGreaterThanOrEqual(s.firstTokenNs);
    }
    // paged schedulers preempt here (the cache holds 160 tokens, a request up to 99); reserving ones never do
    if (scheduler === 'vllm' || scheduler === 'sarathi') expect(r.preemptions).toBeGreaterThan(0);
    else expect(r.preemptions).toBe(0);
    // tokens emitted = Σ output, so TBT gaps = Σ (output − 1)
    expect(r.tbtNs.length).toBe(reqs.reduce((a, q) => a + q.outputTokens - 1, 0));
  });

  it.each(['vllm', 'sarathi'])('%s with swap: 400 random requests swap out and back, every GPU and host block free at the end', (scheduler) => {
    const reqs = syntheticRequests({
      count: 400, arrival: { kind: 'poisson', qps: 2e5 }, prompt: { kind: 'uniform', min: 1, max: 60 },
      output: { kind: 'uniform', min: 1, max: 40 }, seed: 3,
    });
    // 30 host blocks per replica: some victims fit (swap), others do not (recompute)
    const r = simulateServing({
      requests: reqs, replicas: 2, stepTime: toy, kvBlocks: 40, blockSize: 4, scheduler, schedulerConfig: { chunkSize: 32 },
      router: 'round-robin', seed: 1, swap: { hostBlocks: 30, swapNs: (n) => 50 * n },
    });
    expect(r.kv.freeAtEnd).toEqual([40, 40]);
    expect(r.swap!.hostFreeAtEnd).toEqual([30, 30]);
    expect(r.swap!.swaps).toBeGreaterThan(0);
    // each swapped request's blocks cross PCIe twice (out and back): the charged time is 2 · 50 ns per block moved
    expect(r.swap!.totalNs % 100).toBe(0);
    for (const s of r.seqs) {
      expect(s.generated).toBe(s.req.outputTokens);
      expect([s.blocks, s.swappedBlocks]).toEqual([[], 0]);
    }
    expect(r.tbtNs.length).toBe(reqs.reduce((a, q) => a + q.outputTokens - 1, 0));
  });

  it('refuses a request longer than a replica\'s whole cache', () => {
    expect(() => simulateServing({
      requests: [{ id: 0, arrivalNs: 0, promptTokens: 100, outputTokens: 10 }], replicas: 1, stepTime: toy, kvBlocks: 4, blockSize: 16,
      scheduler: 'vllm', router: 'round-robin', seed: 1,
    })).toThrow(/request 0 \(100 prompt \+ 10 output tokens\) needs 7 KV blocks of 16 tokens; a replica holds 4/);
  });
});
