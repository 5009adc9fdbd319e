// The serving roofline and the memory plan, against hand arithmetic and the published parameter count.
import { describe, expect, it } from 'vitest';
import { modelShape } from '../src/api/serve.ts';
import { kvBytesPerToken, paramsPerRank, planMemory, rankShapes, RooflineStepTime, type ModelShape } from '../src/serving/index.ts';

// 1 layer, hidden 4, 2 heads (d = 2), 2 KV heads, GELU FFN 8, vocab 16, 2 B per element; a device doing
// 1,000 FLOP/ns and 1 B/ns, so each kernel's time is max(FLOPs / 1000, bytes) ns
const tiny: ModelShape = { name: 'tiny', layers: 1, hidden: 4, heads: 2, kvHeads: 2, ffn: 8, mlp: 'gelu', vocab: 16, precision: 'fp16', bytesPerElement: 2 };
const dev = { name: 'unit', peakTFLOPS: { fp16: 1 }, memBwGBps: 1, computeEfficiency: 1, memoryEfficiency: 1 };

describe('RooflineStepTime', () => {
  it('TP 1, one prefill of 4 tokens: 1000 ns by hand', () => {
    // m = 4. QKV [4×4]·[4×12]: 2·(16 + 48 + 48) = 224 B; output [4×4]·[4×4]: 2·(16+16+16) = 96 B;
    // FFN up [4×4]·[4×8] and down [4×8]·[8×4]: 2·(16+32+32) = 160 B each; all memory-bound → 640 ns.
    // Attention: causal pairs 4·5/2 = 10, 4·hq·10 = 160 FLOPs; bytes 2·(2·4·4 + 2·(0 + 2·4)·4) = 192 → 192 ns.
    // LM head for 1 sequence [1×4]·[4×16]: 2·(4 + 64 + 16) = 168 B → 168 ns. Total 1000.
    const st = new RooflineStepTime(rankShapes(tiny, 1), dev, { allReduceNs: () => { throw new Error('no TP'); } });
    expect(st.stepNs({ prefillTokens: [4], prefillContext: [0], decodeKv: [], samples: 1 })).toBe(1000);
  });

  it('TP 1, one decode with 3 cached tokens: 616 ns by hand', () => {
    // m = 1: QKV 2·(4+48+12) = 128, output 2·(4+16+4) = 48, up and down 2·(4+32+8) = 88 each → 352.
    // Attention over 4 keys: 2·2·(3 + 2)·4 = 80 B of K/V read + written, 2·2·1·4 = 16 B of Q and O → 96.
    // LM head 168. Total 616.
    const st = new RooflineStepTime(rankShapes(tiny, 1), dev, { allReduceNs: () => 0 });
    expect(st.stepNs({ prefillTokens: [], prefillContext: [], decodeKv: [3], samples: 1 })).toBe(616);
  });

  it('TP 2 adds two all-reduces of m·h·w bytes per layer, timed by the comm model', () => {
    // per rank hq = 2, kvd = 2, f/T = 4, V/T = 8. m = 4: QKV 2·(16+24+24) = 128, output 2·(8+8+16) = 64,
    // up and down 2·(16+16+16) = 96 each → 384; attention 80 FLOPs, 2·(2·4·2 + 2·8·2) = 96 B → 96;
    // LM head [1×4]·[4×8]: 2·(4+32+8) = 88; two all-reduces of 4·4·2 = 32 B at 1000 ns each. 568 + 2000.
    const calls: number[] = [];
    const st = new RooflineStepTime(rankShapes(tiny, 2), dev, { allReduceNs: (b) => (calls.push(b), 1000) });
    expect(st.stepNs({ prefillTokens: [4], prefillContext: [0], decodeKv: [], samples: 1 })).toBe(2568);
    expect(calls).toEqual([32]);
    st.stepNs({ prefillTokens: [4], prefillContext: [0], decodeKv: [], samples: 1 });
    expect(calls).toEqual([32]); // memoized by token count
  });
});

describe('memory plan', () => {
  it('Llama-2-70B has 68,975,329,280 matrix parameters: Hugging Face\'s 68,976,648,192 minus 161 RMSNorm vectors of 8,192', () => {
    const m = modelShape({ workload: 'llama-2-70b' });
    expect(paramsPerRank(rankShapes(m, 1))).toBe(68_976_648_192 - 161 * 8192);
    // KV per token at TP 4: 2 · 80 layers · (8 KV heads / 4) · 128 · 2 B = 81,920 B
    expect(kvBytesPerToken(rankShapes(m, 4))).toBe(81_920);
  });

  it('blocks = ⌊(0.9 · 80 GiB − weights) / (16 tokens · KV per token)⌋ and a clear refusal when weights do not fit', () => {
    const m = modelShape({ workload: 'llama-2-70b' });
    const s = rankShapes(m, 4);
    const p = planMemory(s, 80 * 2 ** 30, 0.9, 16);
    expect(p.blocks).toBe(Math.floor((0.9 * 80 * 2 ** 30 - paramsPerRank(s) * 2) / (16 * 81_920)));
    expect(() => planMemory(rankShapes(m, 1), 80 * 2 ** 30, 0.9, 16)).toThrow(
      'llama-2-70b does not fit: its weights take 138.0 GB per GPU at TP 1, more than 77.3 GB (0.9 × 85.9 GB of HBM); raise --tp, --pp or --gpu-memory-utilization',
    );
  });
});

describe('TP all-reduce table', () => {
  it('interpolating between powers of two matches a direct run of the analytical model within 2(p − 1) = 6 ns (its per-message rounding)', async () => {
    const { InterpolatedAllReduce } = await import('../src/api/serve-comm.ts');
    const { resolveTopology, runCollective } = await import('../src/api/index.ts');
    const { topology } = resolveTopology({ topology: 'dgx-a100' });
    const group = [4, 5, 6, 7];
    const comm = new InterpolatedAllReduce(topology, group, 'analytical');
    for (const bytes of [16_384 * 3, 1_000_000, 8192 * 2 * 777, 123_456_789]) {
      const direct = runCollective({ topology, op: 'allreduce', bytes, group, model: 'analytical' }).timeNs;
      expect(Math.abs(comm.allReduceNs(bytes) - direct)).toBeLessThanOrEqual(6);
    }
    expect(new InterpolatedAllReduce(topology, [3], 'analytical').allReduceNs(1e6)).toBe(0); // TP 1: no collective
  });
});
