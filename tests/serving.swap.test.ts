// --preemption swap through runServe: host blocks from the swap space, PCIe time from the device's host link.
import { describe, expect, it } from 'vitest';
import { runServe } from '../src/api/serve.ts';

describe('orrery serve --preemption swap', () => {
  const opts = {
    workload: 'llama-2-70b', topology: 'dgx-a100', replicas: 1, tp: 4, scheduler: 'vllm', requests: 300, qps: 40,
    promptTokens: 'uniform:500-3000', outputTokens: 'uniform:200-1500', seed: 1, gpuMemoryUtilization: 0.5, networkModel: 'analytical',
  };

  it('sizes host memory in KV blocks and charges each moved block blockBytes / PCIe bandwidth', () => {
    const { report } = runServe({ ...opts, preemption: 'swap' });
    // Llama-2-70B at TP 4: KV per token per GPU 2 · 80 layers · (8 / 4) KV heads · 128 · 2 B = 81,920 B; a block of
    // 16 tokens 1,310,720 B; 4 GiB of swap space (vLLM's default) holds ⌊4 GiB / 1,310,720 B⌋ = 3,276 blocks
    expect(report.setup.memory.kvBytesPerToken).toBe(81_920);
    expect(report.setup.swap).toEqual({ hostBlocksPerEngine: 3276, swapSpaceBytes: 4 * 2 ** 30, hostBandwidthGBps: 32 });
    expect(report.swaps!.count).toBeGreaterThan(0);
    expect(report.swaps!.count).toBe(report.preemptions);
    // each block crosses PCIe Gen4 (32 GB/s = 32 B/ns) out and back: 2 · 1,310,720 / 32 = 81,920 ns per block
    expect(report.swaps!.totalNs % 81_920).toBe(0);
  });

  it('recompute (the default) moves nothing; a bad mode is named', () => {
    const { report } = runServe(opts);
    expect(report.swaps).toBeUndefined();
    expect(report.preemptions).toBeGreaterThan(0);
    expect(() => runServe({ ...opts, preemption: 'drop' as never })).toThrow('--preemption "drop": expected recompute or swap');
  });
});
