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
    // 405B FP8 at TP 8: 126 · (16384·(2048 + 2·128) + 2048·16384 + 3·16384·6656) · 1 B for the blocks, and the
    // embedding and LM head (2 · 16032 · 16384) in bf16, 2 B each
    expect(memory.weightBytesPerGpu).toBe(126 * (16384 * (2048 + 256) + 2048 * 16384 + 3 * 16384 * 6656) + 2 * 16032 * 16384 * 2);
  });
});

describe('the serving suite\'s result', () => {
  it('predicts each published figure within 15 % (the suite\'s target) with trtllm-bench\'s setup', async () => {
    // measured: TensorRT-LLM perf-overview.md (PEERS.md §7). With CUDA-graph padding of decode-only steps and the KV
    // cache sized from cudaMemGetInfo's total (79.22 GiB), the predictions of this commit are +9.8, +4.3, +4.2,
    // +5.2, −12.1 and +13.3 %; before them +10.8, +4.8, +5.9, +7.8, −6.4 and +15.9 % (405B was the one miss of issue 12).
    const cases = await servingSuite.run();
    for (const c of cases) {
      const err = c.predicted / c.measured - 1;
      expect(Math.abs(err), `${c.id}: ${(100 * err).toFixed(1)} %`).toBeLessThanOrEqual(0.15);
      expect(c.inFit).toBe(false);
    }
    expect(cases).toHaveLength(6);
  }, 180_000);
});

describe('disaggregated serving through runServe', () => {
  it('moves each request\'s KV over the network model: 2 hops × 700 ns + bytes / 195.1 GB/s on dgx-a100 (analytical)', async () => {
    const { runServe } = await import('../src/api/serve.ts');
    const { report } = runServe({
      workload: 'llama-2-70b', topology: 'dgx-a100', replicas: 2, tp: 4, prefillReplicas: 1, scheduler: 'vllm', requests: 1,
      promptTokens: '100', outputTokens: '2', seed: 1, networkModel: 'analytical',
    });
    // 100 cached tokens × 81,920 B per token per GPU (Llama-2-70B at TP 4) = 8,192,000 B from each GPU of replica 0
    // to its peer in replica 1, all four at once on separate NVSwitch ports (dgx-a100: switch, 195.1 GB/s, 700 ns a hop)
    const expected = 2 * 700 + 8_192_000 / 195.1;
    expect(report.kvTransfers!.count).toBe(1);
    expect(Math.abs(report.kvTransfers!.maxNs - expected)).toBeLessThanOrEqual(1);
    expect(report.setup.prefillReplicas).toBe(1);
  });
});

describe('serving SVG', () => {
  it('draws a CDF per latency (points at (value, rank/n)) and a KV line per replica, the same bytes each run', async () => {
    const { serveSvg } = await import('../src/io/index.ts');
    const data = {
      title: 't',
      cdfs: [{ label: 'TTFT', sortedNs: Float64Array.from([1e6, 1e7]) }],
      kv: [{ label: 'replica 0', points: [[0, 0], [5e9, 0.5], [1e10, 1]] as [number, number][] }],
    };
    const svg = serveSvg(data);
    expect(svg).toBe(serveSvg(data));
    // axis 1 ms … 10 ms over the 413 px wide panel from x = 64; y from 364 (0) up to 56 (1)
    expect(svg).toContain('<polyline points="64,210 477,56"');
    // KV: 0 → 0 %, 5 s → 50 %, 10 s → 100 % on the right panel (x from 547)
    expect(svg).toContain('<polyline points="547,364 753.5,210 960,56"');
  });
});

describe('--find-max-qps', () => {
  it('brackets the capacity: the rate it returns meets the SLO target, the one above it does not', async () => {
    const { findMaxQps, runServe } = await import('../src/api/index.ts');
    const opts = {
      workload: 'llama-2-70b', topology: 'dgx-a100', replicas: 1, tp: 4, scheduler: 'sarathi', requests: 60,
      promptTokens: 'uniform:200-2000', outputTokens: '32', seed: 2, slo: 'ttft=500ms', qps: 1, networkModel: 'analytical',
    };
    const c = findMaxQps(opts, 0.9, 6);
    expect(c.maxQps).toBeGreaterThan(0);
    expect(c.failQps).toBeGreaterThan(c.maxQps);
    // the bracket starts as [q, 2q] and halves 6 times: width q / 64
    expect((c.failQps - c.maxQps) / c.maxQps).toBeLessThanOrEqual(1 / 64 + 1e-12);
    expect(runServe({ ...opts, qps: c.maxQps }).report.slo!.attainment).toBeGreaterThanOrEqual(0.9);
    expect(runServe({ ...opts, qps: c.failQps }).report.slo!.attainment).toBeLessThan(0.9);
    expect(() => findMaxQps({ ...opts, slo: undefined } as never)).toThrow('--find-max-qps: needs --slo');
  });
});
