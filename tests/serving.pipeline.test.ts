// Pipeline parallelism inside a replica (serving/pipeline.ts): P stages, P virtual engines with their own
// requests and 1/P of the KV blocks, micro-batches through the stages in issue order, activations sent between
// stages. Hand-computed with a toy stage time, then the plumbing through runServe.
import { describe, expect, it } from 'vitest';
import { buildReplicas, runServe } from '../src/api/serve.ts';
import { PipelineReplica, simulateServing, stageLayers, type BatchShape, type Request, type StepTimeModel } from '../src/serving/index.ts';

// every stage costs 1000 ns + 10 ns per prefill token + 100 ns per decode; a hand-over 50 ns + 1 ns per token
const stage: StepTimeModel = { stepNs: (b: BatchShape) => 1000 + 10 * b.prefillTokens.reduce((a, q) => a + q, 0) + 100 * b.decodeKv.length };
const send = (_s: number, tokens: number) => 50 + tokens;

describe('pipeline stages inside a replica', () => {
  it('two virtual engines keep two micro-batches in flight, one per stage (hand-computed)', () => {
    // A and B (prompt 4, output 2) at 0: A goes to engine 0, B to engine 1 (fewest unfinished, lowest first)
    // A's prefill: stage 0 [0, 1040], hand-over 54 → stage 1 [1094, 2134]: A's 1st token at 2134
    // B's prefill, issued at 0 too: stage 0 is busy until 1040 → [1040, 2080], +54 → 2134; stage 1 [2134, 3174]
    // t=2134, engine 0: A decodes: stage 0 [2134, 3234], +51 → 3285, stage 1 (free at 3174) [3285, 4385]: A done
    // t=3174, engine 1: B decodes: stage 0 (free at 3234) [3234, 4334], +51 → 4385, stage 1 [4385, 5485]: B done
    const reqs: Request[] = [0, 1].map((id) => ({ id, arrivalNs: 0, promptTokens: 4, outputTokens: 2 }));
    const pipe = new PipelineReplica([stage, stage], send);
    const r = simulateServing({
      requests: reqs, replicas: 1, stepTime: stage, pipelines: [pipe], virtualEngines: 2, kvBlocks: 100, blockSize: 16,
      scheduler: 'vllm', schedulerConfig: { watermark: 0 }, router: 'round-robin', seed: 1, recordSteps: true,
    });
    expect(r.seqs.map((s) => [s.firstTokenNs, s.doneNs, s.maxTbtNs])).toEqual([[2134, 4385, 2251], [3174, 5485, 2311]]);
    expect(r.stepLog!.map((s) => [s.replica, s.startNs, s.durNs])).toEqual([[0, 0, 2134], [1, 0, 3174], [0, 2134, 2251], [1, 3174, 2311]]);
    expect(pipe.issued).toBe(4);
    expect(r.enginesPerReplica).toBe(2);
  });

  it('splits layers as vLLM does: ⌊L / P⌋ each, the remainder on the last stages', () => {
    expect(stageLayers(80, 4)).toEqual([20, 20, 20, 20]);
    expect(stageLayers(126, 4)).toEqual([31, 31, 32, 32]); // 126 = 4 · 31 + 2
    expect(() => stageLayers(2, 3)).toThrow('--pp 3: more stages than the model\'s 2 layers');
  });

  it('runServe: stage times from each stage\'s layers, activations (hidden + residual) sent over the network model', () => {
    const opts = {
      workload: 'llama-2-70b', topology: 'dgx-a100', replicas: 1, tp: 4, pp: 2, scheduler: 'vllm', requests: 1,
      promptTokens: '100', outputTokens: '1', seed: 1, networkModel: 'analytical',
    };
    const built = buildReplicas(opts);
    expect(built.stageLayers).toEqual([40, 40]);
    const [s0, s1] = built.pipelines![0]!.stages;
    const shape = { prefillTokens: [100], prefillContext: [0], decodeKv: [], samples: 1 };
    // 100 tokens × 2 tensors × 8192 × 2 B = 3,276,800 B from each GPU of stage 0 (NPUs 0-3) to its peer in stage 1
    // (NPUs 4-7): dgx-a100 is one switch, 2 hops × 700 ns + bytes / 195.1 GB/s (analytical)
    const hand = 2 * 700 + 3_276_800 / 195.1;
    expect(Math.abs(built.kvTransfer.transferNs(0, 1, 3_276_800) - hand)).toBeLessThanOrEqual(1);
    const { report, result } = runServe(opts);
    expect(result.seqs[0]!.firstTokenNs).toBe(s0!.stepNs(shape) + Math.round(built.kvTransfer.transferNs(0, 1, 3_276_800)) + s1!.stepNs(shape));
    // half the layers per GPU: the KV plan is per stage, and each of the 2 virtual engines gets half its blocks
    expect(report.setup.kvBlocksPerEngine).toBe(Math.floor(report.setup.memory.blocks / 2));
    expect(report.kv.blocksPerReplica).toBe(report.setup.kvBlocksPerEngine);
    expect(() => runServe({ ...opts, replicas: 2 })).toThrow('--replicas 2 × --tp 4 × --pp 2 needs 16 GPUs; the topology dgx-a100 has 8');
  });

  it('the LM head only on the last stage, the embedding only on the first', () => {
    const built = buildReplicas({ workload: 'llama-2-70b', topology: 'dgx-a100', replicas: 1, tp: 4, pp: 2, scheduler: 'vllm', seed: 1 });
    const [s0, s1] = built.pipelines![0]!.stages as unknown as { headNs(n: number): number; stage: { first: boolean; last: boolean } }[];
    expect(s0!.stage).toEqual({ first: true, last: false });
    expect(s0!.headNs(8)).toBe(0);
    expect(s1!.headNs(8)).toBeGreaterThan(0);
  });
});
