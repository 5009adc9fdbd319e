// Request streams (seeded, byte-identical), the routers' fairness, and the trace readers.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseLlmServingSimJsonl, parseVidurCsv, readRequestTrace } from '../src/io/index.ts';
import { createRouter, simulateServing, syntheticRequests, traceRequests, type BatchShape } from '../src/serving/index.ts';
import { ROOT } from './helpers/cli.ts';

const toy = { stepNs: (b: BatchShape) => 1000 + 10 * b.prefillTokens.reduce((a, q) => a + q, 0) + 100 * b.decodeKv.length };

describe('synthetic requests', () => {
  const spec = (seed: number) => ({
    count: 20000, arrival: { kind: 'poisson' as const, qps: 10 }, prompt: { kind: 'uniform' as const, min: 100, max: 300 },
    output: { kind: 'zipf' as const, max: 1000, s: 1.2 }, seed,
  });

  it('same seed, same requests; another seed, others', () => {
    expect(JSON.stringify(syntheticRequests(spec(1)))).toBe(JSON.stringify(syntheticRequests(spec(1))));
    expect(JSON.stringify(syntheticRequests(spec(2)))).not.toBe(JSON.stringify(syntheticRequests(spec(1))));
  });

  it('Poisson at 10 QPS: mean gap 0.1 s; uniform 100..300: mean 200', () => {
    const r = syntheticRequests(spec(1));
    // mean of 19,999 exponential gaps of mean 1e8 ns: standard error 1e8/√19999 ≈ 0.7 %; allow 3 %
    expect(r.at(-1)!.arrivalNs / (r.length - 1)).toBeGreaterThan(0.97e8);
    expect(r.at(-1)!.arrivalNs / (r.length - 1)).toBeLessThan(1.03e8);
    const mean = r.reduce((a, q) => a + q.promptTokens, 0) / r.length;
    expect(Math.abs(mean - 200)).toBeLessThan(2); // sd 58 / √20000 = 0.4
    expect(Math.min(...r.map((q) => q.promptTokens))).toBe(100);
    expect(Math.max(...r.map((q) => q.promptTokens))).toBe(300);
  });

  it('Zipf(1.2) over 1..1000: P(1) = 1 / H, H = Σ r^−1.2', () => {
    const r = syntheticRequests(spec(1));
    let H = 0;
    for (let k = 1; k <= 1000; k++) H += k ** -1.2;
    const ones = r.filter((q) => q.outputTokens === 1).length / r.length;
    expect(Math.abs(ones - 1 / H)).toBeLessThan(0.015); // 1/H ≈ 0.22; sd √(0.22·0.78/20000) ≈ 0.003
  });

  it('gamma arrivals with cv 3: mean gap 1/QPS and the gaps\' coefficient of variation about 3', () => {
    const r = syntheticRequests({ ...spec(4), arrival: { kind: 'gamma', qps: 10, cv: 3 } });
    const gaps = r.slice(1).map((q, i) => q.arrivalNs - r[i]!.arrivalNs);
    const mean = gaps.reduce((a, g) => a + g, 0) / gaps.length;
    const sd = Math.sqrt(gaps.reduce((a, g) => a + (g - mean) ** 2, 0) / gaps.length);
    expect(mean / 1e8).toBeGreaterThan(0.9);
    expect(mean / 1e8).toBeLessThan(1.1);
    expect(sd / mean).toBeGreaterThan(2.6);
    expect(sd / mean).toBeLessThan(3.4);
  });

  it('burst: every request at time 0', () => {
    const r = syntheticRequests({ ...spec(1), count: 5, arrival: { kind: 'burst' } });
    expect(r.map((q) => q.arrivalNs)).toEqual([0, 0, 0, 0, 0]);
  });
});

describe('routers', () => {
  it('round-robin gives each of 4 replicas exactly 25 of 100 requests', () => {
    const route = createRouter('round-robin', 4, 1);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 100; i++) counts[route(() => 0)]!++;
    expect(counts).toEqual([25, 25, 25, 25]);
  });

  it('random: 8,000 requests over 4 replicas, each within 4.5 σ of 2,000 (σ = √(8000·¼·¾) ≈ 38.7), seeded', () => {
    const draw = (seed: number) => {
      const route = createRouter('random', 4, seed);
      const c = [0, 0, 0, 0];
      for (let i = 0; i < 8000; i++) c[route(() => 0)]!++;
      return c;
    };
    for (const c of draw(1)) expect(Math.abs(c - 2000)).toBeLessThan(175);
    expect(draw(1)).toEqual(draw(1));
    expect(draw(2)).not.toEqual(draw(1));
  });

  it('least-outstanding sends a burst evenly and avoids a replica stuck with long requests', () => {
    // 3 replicas; request 0 is very long; requests arrive 10 µs apart. Round-robin keeps sending every 3rd request
    // to replica 0, least-outstanding sends none there while request 0 runs.
    const reqs = Array.from({ length: 30 }, (_, id) => ({ id, arrivalNs: id * 10_000, promptTokens: 10, outputTokens: id === 0 ? 500 : 2 }));
    const run = (router: string) => simulateServing({ requests: reqs, replicas: 3, stepTime: toy, kvBlocks: 1000, blockSize: 16, scheduler: 'vllm', router, seed: 1 });
    const lo = run('least-outstanding').seqs.filter((s) => s.replica === 0).map((s) => s.req.id);
    expect(lo).toEqual([0]);
    const rr = run('round-robin').seqs.filter((s) => s.replica === 0).length;
    expect(rr).toBe(10);
  });

  it('unknown router names list the valid ones', () => {
    expect(() => createRouter('fastest', 2, 1)).toThrow('--router "fastest": expected one of: round-robin, least-outstanding, random');
  });
});

describe('trace files', () => {
  it('Vidur CSV: seconds to ns, columns by name', () => {
    const r = parseVidurCsv('arrived_at,num_prefill_tokens,num_decode_tokens\n0.0,374,44\n4.314579,396,109\n', 't.csv');
    expect(r).toEqual([{ arrivalNs: 0, promptTokens: 374, outputTokens: 44 }, { arrivalNs: 4_314_579_000, promptTokens: 396, outputTokens: 109 }]);
    expect(() => parseVidurCsv('a,b\n1,2\n', 't.csv')).toThrow('t.csv: line 1: expected columns num_prefill_tokens and num_decode_tokens');
    expect(() => parseVidurCsv('num_prefill_tokens,num_decode_tokens\n5,x\n', 't.csv')).toThrow('t.csv: line 2: num_decode_tokens: expected an integer ≥ 1, got "x"');
  });

  it('LLMServingSim JSONL: input_toks, output_toks, arrival_time_ns', () => {
    const r = parseLlmServingSimJsonl('{"input_toks":10,"output_toks":70,"arrival_time_ns":46926808,"input_tok_ids":[1]}\n', 'w.jsonl');
    expect(r).toEqual([{ arrivalNs: 46926808, promptTokens: 10, outputTokens: 70 }]);
    expect(() => parseLlmServingSimJsonl('{"input_toks":10}\n', 'w.jsonl')).toThrow('w.jsonl: line 1: arrival_time_ns: expected ns ≥ 0, got undefined');
  });

  it('the shipped traces load: 2,000 splitwise conversation requests, the first as in Vidur\'s file', () => {
    const conv = readRequestTrace(join(ROOT, 'traces/serving/splitwise_conv.csv'));
    expect(conv).toHaveLength(2000);
    expect(conv[0]).toEqual({ arrivalNs: 0, promptTokens: 374, outputTokens: 44 });
    expect(readRequestTrace(join(ROOT, 'traces/serving/llmservingsim_example.jsonl'))).toHaveLength(10);
    expect(readRequestTrace(join(ROOT, 'traces/serving/arxiv_summarization.csv'))[0]).toEqual({ promptTokens: 3772, outputTokens: 54 });
  });

  it('a trace without times needs a rate; with one, the trace gives lengths and the seed gives times', () => {
    const recs = [{ promptTokens: 5, outputTokens: 2 }, { promptTokens: 7, outputTokens: 3 }];
    expect(() => traceRequests(recs, { seed: 1, source: 'x.csv' })).toThrow('x.csv: has no arrival times; give --qps');
    const r = traceRequests(recs, { seed: 1, source: 'x.csv', arrival: { kind: 'poisson', qps: 1 } });
    expect(r.map((q) => q.promptTokens)).toEqual([5, 7]);
    expect(r[0]!.arrivalNs).toBe(0);
    expect(r[1]!.arrivalNs).toBeGreaterThan(0);
  });
});

describe('percentiles', () => {
  it('nearest rank by selection equals the sorted array\'s ⌈p·n/100⌉-th value, for many sizes and duplicates', async () => {
    const { percentiles } = await import('../src/serving/index.ts');
    const { createRng } = await import('../src/engine/index.ts');
    const rng = createRng(5, 'pct');
    for (const n of [1, 2, 3, 10, 99, 100, 101, 1000, 4321]) {
      const xs = Float64Array.from({ length: n }, () => Math.floor(rng.next() * (n < 50 ? 5 : 1e6)));
      const sorted = xs.slice().sort();
      const at = (p: number) => sorted[Math.max(0, Math.ceil((p * n) / 100) - 1)];
      expect(percentiles(xs)).toEqual({ p50: at(50), p90: at(90), p99: at(99), max: sorted[n - 1] });
    }
  });
});
