// trtllm-bench's setup of the published TensorRT-LLM runs (src/api/validate/trtllm-bench.ts), by hand.
import { describe, expect, it } from 'vitest';
import { finetuneSetting, trtllmBenchSettings, TRTLLM_BENCH_REQUESTS } from '../src/api/validate/trtllm-bench.ts';
import { SERVING_CASES, servingCaseOptions } from '../src/api/validate/serving.ts';

// Llama 3.1 8B: 32 layers, 8 KV heads of 128; matrices 32 · (4096 · 6144 + 4096² + 3 · 4096 · 14336) + 2 · 128256 · 4096
const P8B = 32 * (4096 * 6144 + 4096 * 4096 + 3 * 4096 * 14336) + 2 * 128256 * 4096; // 8,029,995,008
const LLAMA8B = { layers: 32, kvHeads: 8, headSize: 128, params: P8B, weightBytes: 1, kvBytes: 1 };
const HBM = 80 * 2 ** 30;

describe('trtllm-bench settings (tuning.py calc_engine_setting / finetune_setting, general.py get_settings)', () => {
  it('Llama 3.1 8B FP8, TP 1, 1000/1000: 564 requests fit → max_batch_size 640, max_num_tokens 2048', () => {
    // KV per token 2 · 32 · 8 · 128 · 1 B = 65,536 B; cache 0.95 · (80 − P8B / 2^30) GiB = 68.895 GiB;
    // requests = 68.895 GiB / (65,536 B · 2000) = 564.4
    const s = trtllmBenchSettings(LLAMA8B, 1, 1, 1000, 1000, HBM, 0.95);
    expect(s.kvCacheMaxRequests).toBeCloseTo((0.95 * (HBM - P8B)) / (65_536 * 2000), 9);
    expect(Math.floor(s.kvCacheMaxRequests)).toBe(564);
    // 564.4 in [256, 1024): 128 · ⌈564.4 / 128⌉ = 640; tokens 564.4 · (1 + 1) = 1129 < 4096: max(2048, 1280) = 2048,
    // and at least 1000 + 640 = 1640 without chunked prefill
    expect([s.maxBatchSize, s.maxNumTokens]).toEqual([640, 2048]);
  });

  it('2048/2048: 276 requests → 384; the token floor input + max_batch_size = 2432 beats 2048', () => {
    const s = trtllmBenchSettings(LLAMA8B, 1, 1, 2048, 2048, HBM, 0.95);
    expect(Math.floor(s.kvCacheMaxRequests)).toBe(275); // 68.895 GiB / (65,536 B · 4096)
    expect([s.maxBatchSize, s.maxNumTokens]).toEqual([384, 2048 + 384]);
  });

  it('128/128: 4,409 requests, capped at 4,096 → 4096 and 8192 tokens (1,024s from 8,192 up)', () => {
    const s = trtllmBenchSettings(LLAMA8B, 1, 1, 128, 128, HBM, 0.95);
    expect(Math.floor(s.kvCacheMaxRequests)).toBe(4409);
    expect([s.maxBatchSize, s.maxNumTokens]).toEqual([4096, 8192]);
  });

  it('finetune_setting rounding: floor of 64 requests, 32s below 256, 256s from 1024; 512s for tokens in [4096, 8192)', () => {
    expect(finetuneSetting(10, 100, 100, 1)).toEqual({ maxBatchSize: 64, maxNumTokens: 2048 });
    expect(finetuneSetting(100, 100, 100, 1)).toEqual({ maxBatchSize: 128, maxNumTokens: 2048 });
    expect(finetuneSetting(1500, 100, 100, 1)).toEqual({ maxBatchSize: 1536, maxNumTokens: 3072 });
    expect(finetuneSetting(2200, 100, 100, 1)).toEqual({ maxBatchSize: 2304, maxNumTokens: 4608 }); // 4400 → 9 · 512
    expect(finetuneSetting(3000, 1000, 100, 2)).toEqual({ maxBatchSize: 1536, maxNumTokens: 17408 }); // PP 2: 1500; 1500 · 11 = 16,500 → 17 · 1024
  });

  it('the suite runs each case with its $num_requests and these settings on the trtllm scheduler', () => {
    expect(TRTLLM_BENCH_REQUESTS['128/128']).toBe(30_000);
    const o = servingCaseOptions(SERVING_CASES[1]!);
    expect([o.scheduler, o.requests, o.maxBatchSize, o.maxBatchTokens, o.topology]).toEqual(['trtllm', 3000, 640, 2048, 'dgx-h100:1']);
  });
});
