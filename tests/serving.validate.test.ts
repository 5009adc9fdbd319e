// The serving validation suite: PEERS.md §7 S1-S3 as cases, each set up as its source describes.
import { describe, expect, it } from 'vitest';
import { buildReplicas } from '../src/api/serve.ts';
import { SERVING_CASES, servingCaseOptions, servingSuite } from '../src/api/validate/serving.ts';

describe('validation suite: serving', () => {
  it('holds the six published TensorRT-LLM H100 FP8 figures of PEERS.md §7', () => {
    expect(servingSuite.name).toBe('serving');
    expect(SERVING_CASES.map((c) => [c.workload, c.tp, c.input, c.output, c.measured])).toEqual([
      ['llama-3.1-8b', 1, 128, 128, 28_312], ['llama-3.1-8b', 1, 1000, 1000, 15_220], ['llama-3.1-8b', 1, 2048, 2048, 9_305],
      ['llama-70b', 2, 1000, 1000, 4_205], ['llama-70b', 2, 128, 2048, 6_651], ['llama-3.1-405b', 8, 1000, 1000, 2_919],
    ]);
  });

  it('every case fits on its H100s in FP8 (405B at TP 8: 126 layers … ≈ 50.7 GB of weights per GPU)', () => {
    for (const c of SERVING_CASES) {
      const { memory } = buildReplicas(servingCaseOptions(c));
      expect(memory.blocks).toBeGreaterThan(0);
    }
    const { memory } = buildReplicas(servingCaseOptions(SERVING_CASES[5]!));
    // 405B FP8 at TP 8: (126 · (16384·(2048 + 2·128) + 2048·16384 + 3·16384·6656) + 2·16032·16384) · 1 B
    expect(memory.weightBytesPerGpu).toBe(126 * (16384 * (2048 + 256) + 2048 * 16384 + 3 * 16384 * 6656) + 2 * 16032 * 16384);
  });
});
