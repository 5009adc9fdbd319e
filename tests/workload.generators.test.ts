// The transformer generator and the shipped workload descriptions (workloads/*.json). Expected values are derived
// by hand from the model shapes with the formulas in src/workload/generators/transformer.ts (cited per test).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exportChakra, generateWorkload, loadChakra, loadWorkload, loadWorkloadSpec, namedWorkloads } from '../src/api/index.ts';
import { readChakraFile } from '../src/io/chakra.ts';
import { pipelineSchedule } from '../src/workload/generators/transformer.ts';
import type { Op, Trace } from '../src/workload/trace.ts';
import { blockOf, freeCommSchedule, programOf, rankView } from './helpers/traceTools.ts';

const kinds = (ops: Op[]): Record<string, number> => ops.reduce<Record<string, number>>((c, o) => ({ ...c, [o.kind]: (c[o.kind] ?? 0) + 1 }), {});
const find = (ops: Op[], name: string): Op => {
  const o = ops.find((x) => x.name === name);
  if (!o) throw new Error(`no op ${name}`);
  return o;
};
/** Free-communication makespan with 1 ns per forward block and 2 ns per backward block (embed, head, optimizer free). */
const unitMakespan = (t: Trace): { makespan: number; stuck: string[] } =>
  freeCommSchedule(t, {
    computeNs: (o) => (/embed|head|optimizer/.test(o.name ?? '') ? 0 : o.name?.includes('.bwd') ? 2 : 1),
  });

describe('shipped workloads', () => {
  it('are gpt-13b, gpt-1t, gpt3-175b, llama-70b, mixtral-8x7b and the serving models, and each validates', () => {
    expect(namedWorkloads()).toEqual(['gpt-13b', 'gpt-1t', 'gpt3-175b', 'llama-2-70b', 'llama-3.1-405b', 'llama-3.1-8b', 'llama-70b', 'mixtral-8x7b']);
    for (const n of namedWorkloads()) expect(loadWorkloadSpec(n).name).toBe(n);
  });

  it('gpt-13b: TP 8 × PP 4 × DP 4 = 128 ranks, one program per stage, TP all-reduces of b·s·h·2 bytes', () => {
    const t = generateWorkload('gpt-13b');
    expect(t.ranks).toBe(128);
    expect(t.programs.map((p) => p.ranks.length)).toEqual([32, 32, 32, 32]);
    const tp = t.programs[0]!.ops.filter((o) => o.kind === 'coll' && o.group === 'tp');
    // microbatch 1 × sequence 2,048 × hidden 5,120 × 2 bytes (bf16)
    expect(new Set(tp.map((o) => (o as { bytes: number }).bytes))).toEqual(new Set([1 * 2048 * 5120 * 2]));
  });
});

describe('GPT-3 175B, TP 8 × PP 8 × DP 16 = 1,024 ranks (the headline bench)', () => {
  const t = generateWorkload('gpt3-175b');
  const h = 12288;
  const s = 2048;

  it('is compact: 8 programs (one per pipeline stage) shared by 128 ranks each, partitioned groups', () => {
    expect(t.ranks).toBe(1024);
    expect(t.programs.map((p) => p.ranks.length)).toEqual(Array(8).fill(128));
    expect(t.programs.reduce((n, p) => n + p.ops.length, 0)).toBe(77002);
    // rank = tp + 8·(dp + 16·pp): TP blocks are 8 consecutive ranks (inside an 8-GPU node), DP stride 8, PP stride 128
    expect(t.groups.tp).toHaveLength(128);
    expect(t.groups.tp![5]).toEqual([40, 41, 42, 43, 44, 45, 46, 47]);
    expect(t.groups.dp![0]).toEqual(Array.from({ length: 16 }, (_, i) => 8 * i));
    expect(t.groups.pp![3]).toEqual(Array.from({ length: 8 }, (_, i) => 3 + 128 * i));
    expect(t.programs[2]!.ranks[0]).toBe(256);
  });

  it('op counts per stage follow from 96 microbatches × 12 layers per stage', () => {
    // M = 1536 / (1 × 16) = 96. Per microbatch and stage: 12 layers × (attn, mlp) forward and backward = 48
    // compute and 48 TP all-reduces; stage 0 adds embed fwd/bwd (+1 all-reduce), stage 7 the LM head fwd/bwd.
    // DP: one bucket per layer (a layer's gradients, 452,984,832 B, exceed 25 MiB) + the embedding or head; +1 optimizer.
    const [s0, s3, s7] = [programOf(t, 0), programOf(t, 3 * 128), programOf(t, 7 * 128)];
    expect(kinds(s0)).toEqual({ compute: 96 * 50 + 1, coll: 96 * 49 + 13, send: 96, recv: 96 });
    expect(kinds(s3)).toEqual({ compute: 96 * 48 + 1, coll: 96 * 48 + 12, send: 192, recv: 192 });
    expect(kinds(s7)).toEqual({ compute: 96 * 50 + 1, coll: 96 * 48 + 13, send: 96, recv: 96 });
  });

  it('TP all-reduce and pipeline message = microbatch·seq·hidden·2 B (bf16); DP buckets = a layer\'s gradients', () => {
    const ops = programOf(t, 3 * 128);
    const ar = find(ops, 'mb0.L36.attn.out.allreduce');
    expect(ar).toMatchObject({ op: 'allreduce', group: 'tp', bytes: 1 * s * h * 2, stream: 'tp' }); // 50,331,648
    const send = find(ops, 'mb0.vs3.act.send');
    expect(send).toMatchObject({ kind: 'send', group: 'pp', peer: 4, bytes: s * h * 2 });
    expect(find(ops, 'mb0.vs3.act.recv')).toMatchObject({ kind: 'recv', group: 'pp', peer: 2 });
    // layer params per TP rank: (4h² + 2·h·4h)/8 = 12h²/8, gradients in bf16
    const grads = ops.filter((o) => o.kind === 'coll' && o.group === 'dp');
    expect(grads).toHaveLength(12);
    for (const g of grads) expect(g).toMatchObject({ op: 'allreduce', bytes: (12 * h * h / 8) * 2, stream: 'dp' });
    // overlapped with the backward of the last microbatch: each bucket waits only for its layer's backward
    expect(grads[0]!.deps).toEqual([find(ops, 'mb95.L47.attn.bwd').id]);
  });

  it('FLOPs: attention 2·b·s·h·(3h)/T + 4·b·s²·h/T + 2·b·s·h²/T, MLP 2·b·s·h·4h·2/T; backward 2×', () => {
    const ops = programOf(t, 0);
    const attn = find(ops, 'mb0.L0.attn');
    const mlp = find(ops, 'mb0.L0.mlp');
    const T = 8;
    expect(attn.kind === 'compute' && attn.flops).toBe((2 * s * h * 3 * h) / T + (4 * s * s * h) / T + (2 * s * h * h) / T);
    expect(mlp.kind === 'compute' && mlp.flops).toBe((2 * s * h * 4 * h * 2) / T);
    expect(find(ops, 'mb0.L0.mlp.bwd')).toMatchObject({ flops: (2 * 2 * s * h * 4 * h * 2) / T, precision: 'bf16' });
    expect(t.meta?.workload).toMatchObject({ params: 96 * 12 * h * h + 2 * 50257 * h, microbatches: 96, tokensPerStep: 1536 * 2048 });
  });
});

describe('pipeline schedules', () => {
  it('1F1B: P − stage − 1 warm-up forwards, then alternate; GPipe: all forwards first', () => {
    const f = (st: { fwd: boolean; mb: number }): string => `${st.fwd ? 'F' : 'B'}${st.mb}`;
    expect(pipelineSchedule('1f1b', 1, 4, 6, 1).map(f)).toEqual(['F0', 'F1', 'F2', 'B0', 'F3', 'B1', 'F4', 'B2', 'F5', 'B3', 'B4', 'B5']);
    expect(pipelineSchedule('1f1b', 1, 4, 6, 3).map(f)).toEqual(['F0', 'B0', 'F1', 'B1', 'F2', 'B2', 'F3', 'B3', 'F4', 'B4', 'F5', 'B5']);
    expect(pipelineSchedule('gpipe', 1, 4, 3, 0).map(f)).toEqual(['F0', 'F1', 'F2', 'B0', 'B1', 'B2']);
    // interleaved: every (microbatch, chunk) once forward and once backward
    const il = pipelineSchedule('1f1b', 2, 4, 8, 0);
    expect(il).toHaveLength(2 * 8 * 2);
    expect(new Set(il.map((x) => `${x.fwd}${x.mb}.${x.chunk}`)).size).toBe(32);
  });

  // small plans (overrides) so every rank can be checked: no deadlock, and the makespan of the textbook formula.
  // With 1 ns per forward block and 2 ns per backward block, a stage of l layers takes tF = 2l and tB = 4l per
  // microbatch, and both GPipe and 1F1B finish in (M + P − 1)(tF + tB) with free communication.
  const small = (set: Record<string, unknown>): Trace =>
    generateWorkload('gpt3-175b', { set: { 'model.layers': 8, 'training.globalBatch': 16, 'training.parallel.dp': 2, 'training.parallel.tp': 2, ...set } });

  for (const schedule of ['1f1b', 'gpipe']) {
    it(`${schedule}: P 4, M 8 → (8 + 4 − 1)·(4 + 8) = 132 ns, no deadlock`, () => {
      const t = small({ 'training.parallel.pp': 4, 'training.parallel.schedule': schedule });
      expect(t.ranks).toBe(16);
      const r = unitMakespan(t);
      expect(r.stuck).toEqual([]);
      expect(r.makespan).toBe((8 + 4 - 1) * (4 + 8));
    });
  }

  it('interleaved 1F1B (2 chunks per stage): the bubble shrinks by V: M·t + (P − 1)·t/V = 8·12 + 3·12/2 = 114 ns', () => {
    // t = a stage's forward + backward per microbatch = 2 chunks × (2 + 4) ns; Narayanan et al. (SC'21) §2.2.2
    const t = small({ 'training.parallel.pp': 4, 'training.parallel.virtualStages': 2 });
    const r = unitMakespan(t);
    expect(r.stuck).toEqual([]);
    expect(r.makespan).toBe(8 * 12 + (3 * 12) / 2);
    // P 2 with 4 chunks of 2 layers (16 layers): 8·48 + 48/4 = 396
    const t2 = small({ 'model.layers': 16, 'training.parallel.pp': 2, 'training.parallel.virtualStages': 4 });
    expect(unitMakespan(t2).makespan).toBe(8 * 48 + 48 / 4);
  });
});

describe('parallelism options', () => {
  const base = { 'model.layers': 4, 'training.globalBatch': 8, 'training.parallel.pp': 2, 'training.parallel.dp': 2, 'training.parallel.tp': 2 };
  const gen = (set: Record<string, unknown>, w = 'llama-70b'): Trace => generateWorkload(w, { set: { ...base, 'training.parallel.virtualStages': 1, 'training.parallel.zero': 0, 'training.parallel.sp': false, ...set } });

  it('sequence parallelism: all-gather (input/T) before and reduce-scatter (full) after each block', () => {
    const t = gen({ 'training.parallel.sp': true });
    const ops = programOf(t, 0);
    const lay = 8192 * 8192 * 2; // b·s·h·w, Llama 70B, seq 8192
    expect(find(ops, 'mb0.L0.attn.in.allgather')).toMatchObject({ op: 'allgather', bytes: lay / 2, group: 'tp' });
    expect(find(ops, 'mb0.L0.attn.out.reducescatter')).toMatchObject({ op: 'reducescatter', bytes: lay });
    expect(find(ops, 'mb0.L0.mlp.bwd.in.allgather')).toMatchObject({ bytes: lay / 2 });
    expect(ops.some((o) => o.kind === 'coll' && o.op === 'allreduce' && o.group === 'tp')).toBe(false);
    // pipeline messages carry the sequence shard
    expect(find(ops, 'mb0.vs0.act.send')).toMatchObject({ bytes: lay / 2 });
    expect(unitMakespan(t).stuck).toEqual([]);
  });

  it('GQA: QKV projection 2·b·s·h·(h + 2·g·d)/T with g = 8 KV heads of d = 128', () => {
    const ops = programOf(gen({}), 0);
    const s = 8192, h = 8192, T = 2;
    const attn = find(ops, 'mb0.L0.attn');
    const qkv = 2 * s * h * (h / T + 2 * (8 / T) * 128);
    expect(attn.kind === 'compute' && attn.flops).toBe(qkv + (4 * s * s * h) / T + (2 * s * (h / T) * h));
    // SwiGLU: 3 matrices of h × f/T
    expect(find(ops, 'mb0.L0.mlp')).toMatchObject({ flops: 2 * s * h * (3 * 28672) / T });
  });

  it('ZeRO-0 all-reduces, ZeRO-1 reduce-scatters gradients once and all-gathers parameters after the optimizer', () => {
    const z0 = programOf(gen({}), 0).filter((o) => o.kind === 'coll' && o.group === 'dp');
    expect(new Set(z0.map((o) => o.kind === 'coll' && o.op))).toEqual(new Set(['allreduce']));
    const ops1 = programOf(gen({ 'training.parallel.zero': 1 }), 0);
    const rs = ops1.filter((o) => o.kind === 'coll' && o.op === 'reducescatter' && o.group === 'dp');
    const ag = ops1.filter((o) => o.kind === 'coll' && o.op === 'allgather' && o.group === 'dp');
    expect(rs.length).toBe(z0.length);
    expect(ag.length).toBe(rs.length);
    // each all-gather's per-rank input is its bucket's parameters / DP in bf16; gradients are bf16 too
    rs.forEach((r, i) => expect(ag[i]).toMatchObject({ bytes: (r as { bytes: number }).bytes / 2, deps: [find(ops1, 'optimizer').id] }));
    expect(rs.every((r) => r.name!.startsWith('mb3.'))).toBe(true); // only the last of the 4 microbatches
  });

  it('ZeRO-2 reduce-scatters at every microbatch; ZeRO-3 also all-gathers each layer before forward and backward', () => {
    const z2 = programOf(gen({ 'training.parallel.zero': 2 }), 0).filter((o) => o.kind === 'coll' && o.op === 'reducescatter');
    expect(new Set(z2.map((o) => o.name!.split('.')[0]))).toEqual(new Set(['mb0', 'mb1', 'mb2', 'mb3']));
    const t3 = gen({ 'training.parallel.zero': 3 });
    const ops3 = programOf(t3, 0);
    // stage 0 of 2 holds 2 layers: per microbatch 2 forward + 2 backward layer gathers + the embedding's
    const gathers = ops3.filter((o) => o.kind === 'coll' && o.op === 'allgather' && o.stream === 'zero');
    expect(gathers).toHaveLength(4 * (2 + 2 + 1));
    const lp = (8192 * (8192 / 2 + 2 * 4 * 128) + (8192 / 2) * 8192 + 3 * 8192 * (28672 / 2)); // attn + mlp params per TP rank
    expect(find(ops3, 'mb0.L1.attn.params.allgather')).toMatchObject({ bytes: (lp * 2) / 2, group: 'dp' });
    expect(find(ops3, 'mb0.L1.attn').deps).toContain(find(ops3, 'mb0.L1.attn.params.allgather').id);
    expect(ops3.filter((o) => o.kind === 'coll' && o.op === 'reducescatter' && /^mb\d\.L\d\.grads/.test(o.name!))).toHaveLength(4 * 2);
    expect(ops3.some((o) => o.name?.startsWith('params'))).toBe(false); // parameters stay sharded
    expect(unitMakespan(t3).stuck).toEqual([]);
  });

  it('full recompute re-runs each layer\'s forward (and its TP collectives) before its backward', () => {
    const ops = programOf(gen({ 'training.parallel.recompute': 'full' }), 0);
    const i = ops.findIndex((o) => o.name === 'mb0.L1.recompute.attn');
    expect(i).toBeGreaterThan(ops.findIndex((o) => o.name === 'mb0.vs0.grad.recv'));
    expect(ops[i + 1]!.name).toBe('mb0.L1.recompute.attn.out.allreduce');
    expect(ops.filter((o) => o.name?.includes('.recompute.') && o.kind === 'compute')).toHaveLength(4 * 2 * 2);
  });

  it('orders ranks as told: pp innermost puts pipeline peers next to each other', () => {
    const t = gen({ 'training.parallel.order': ['pp', 'tp', 'dp'] });
    expect(t.groups.pp![0]).toEqual([0, 1]);
    expect(t.groups.tp![0]).toEqual([0, 2]);
    expect(t.meta?.warnings).toEqual([]);
    const w = generateWorkload('llama-70b', { set: { ...base, 'training.parallel.order': ['pp', 'tp', 'dp'], 'training.parallel.virtualStages': 1 }, dims: [2, 4] });
    expect((w.meta?.warnings as string[])[0]).toMatch(/TP groups of 2 do not sit inside the fastest topology dimension/);
    // 8 ranks per plan = tp 2 × pp 2 × dp 2, so 4 per data-parallel replica: dp 4 fills 16 NPUs
    expect(() => generateWorkload('llama-70b', { set: base, dims: [4, 4] })).toThrow(/needs 8 ranks but the topology has 16 NPUs \(4×4\); --set training\.parallel\.dp=4 fills it \(4 ranks per replica\)/);
    // inference: llama-2-70b ships TP 4 × dp 1 for an 8-GPU node: dp 2 fills it
    expect(() => generateWorkload('llama-2-70b', { mode: 'infer', dims: [8] })).toThrow(/needs 4 ranks but the topology has 8 NPUs \(8\); --set inference\.parallel\.dp=2 fills it/);
  });
});

describe('Mixtral-8x7B: expert parallelism', () => {
  const t = generateWorkload('mixtral-8x7b');
  const ops = programOf(t, 0);

  it('64 ranks; EP groups of 8 data-parallel ranks (stride TP 2), expert-data-parallel groups of 4', () => {
    expect(t.ranks).toBe(64);
    expect(t.groups.ep![0]).toEqual([0, 2, 4, 6, 8, 10, 12, 14]);
    expect(t.groups.edp![0]).toEqual([0, 16, 32, 48]);
    expect(t.groups.dp![1]).toEqual(Array.from({ length: 32 }, (_, i) => 1 + 2 * i));
  });

  it('all-to-all dispatch and combine of tokens·topK·h·2 B around the experts, forward and backward', () => {
    const a2a = 4096 * 2 * 4096 * 2; // 67,108,864
    for (const n of ['mb0.L0.dispatch.alltoall', 'mb0.L0.combine.alltoall', 'mb0.L0.combine.bwd.alltoall', 'mb0.L0.dispatch.bwd.alltoall']) {
      expect(find(ops, n)).toMatchObject({ op: 'alltoall', group: 'ep', bytes: a2a, stream: 'ep' });
    }
    // per rank: 4096 tokens × top-2 through SwiGLU experts of f/T = 7168
    expect(find(ops, 'mb0.L0.experts')).toMatchObject({ flops: 2 * 8192 * 4096 * 3 * 7168 });
  });

  it('expert gradients reduce over the 4-rank expert-data-parallel group, dense ones over all 32', () => {
    const rs = ops.filter((o) => o.kind === 'coll' && o.op === 'reducescatter' && o.stream === 'dp');
    expect(new Set(rs.map((o) => (o as { group: string }).group))).toEqual(new Set(['dp', 'edp']));
    expect(unitMakespan(generateWorkload('mixtral-8x7b', { set: { 'model.layers': 2, 'training.globalBatch': 64 } })).stuck).toEqual([]);
  });
});

describe('inference', () => {
  it('Llama-70B decode: KV-cache reads grow with the context; TP all-reduce of batch·h·2 B', () => {
    const t = generateWorkload('llama-70b', { mode: 'infer' });
    const ops = programOf(t, 0);
    expect(t.ranks).toBe(8);
    // per step: 80 layers × (attn, mlp) + embed + head; 2 all-reduces per layer + the embedding's
    expect(kinds(ops)).toEqual({ compute: 129 * (160 + 2), coll: 129 * 161 });
    expect(find(ops, 'decode0.L0.attn.out.allreduce')).toMatchObject({ bytes: 16 * 8192 * 2, group: 'tp' });
    expect(find(ops, 'prefill.L0.attn.out.allreduce')).toMatchObject({ bytes: 16 * 4096 * 8192 * 2 });
    const kv = (c: number): number => 2 * 16 * c * 128 * 2; // read K and V: batch × context × (1 KV head × d 128) × 2 B
    const a0 = find(ops, 'decode0.L0.attn') as { bytes: number };
    const a9 = find(ops, 'decode9.L0.attn') as { bytes: number };
    expect(a9.bytes - a0.bytes).toBe(kv(4096 + 10) - kv(4096 + 1));
    // decode attention core: 4·b·c·h/T FLOPs
    const f0 = (find(ops, 'decode0.L0.attn') as { flops: number }).flops;
    const f1 = (find(ops, 'decode1.L0.attn') as { flops: number }).flops;
    expect(f1 - f0).toBe((4 * 16 * 8192) / 8);
  });

  it('Mixtral decode reads only the experts its tokens touch; GPT-3 prefill-only', () => {
    const m = programOf(generateWorkload('mixtral-8x7b', { mode: 'infer', set: { 'inference.batch': 1, 'inference.decode': 1, 'inference.phase': 'decode' } }), 0);
    const e = find(m, 'decode0.L0.experts') as { flops: number; bytes: number };
    // one token × top-2: two experts' SwiGLU weights (3·h·f/T each) dominate the bytes
    expect(e.bytes).toBeGreaterThan(2 * 3 * 4096 * 7168 * 2);
    expect(e.bytes).toBeLessThan(3 * 3 * 4096 * 7168 * 2);
    const g = programOf(generateWorkload('gpt3-175b', { mode: 'infer', set: { 'inference.phase': 'prefill' } }), 0);
    expect(g.every((o) => o.name!.startsWith('prefill'))).toBe(true);
  });
});

describe('workload description errors', () => {
  it('name the field and what was expected', () => {
    expect(() => generateWorkload('gpt3-175b', { set: { 'training.parallel.tp': 5 } })).toThrow(/gpt3-175b\.json: training\.parallel\.tp: 5 does not divide the 96 attention heads/);
    expect(() => generateWorkload('gpt3-175b', { set: { 'training.parallel.pp': 7 } })).toThrow(/training\.parallel\.pp: 96 layers do not split into pp 7 × virtualStages 1/);
    expect(() => generateWorkload('gpt3-175b', { set: { 'training.globalBatch': 100 } })).toThrow(/training\.globalBatch: 100 is not a multiple of microBatch 1 × dp 16 = 16/);
    expect(() => generateWorkload('gpt3-175b', { set: { 'training.parallel.ep': 2 } })).toThrow(/expert parallelism 2 needs a mixture-of-experts model/);
    expect(() => generateWorkload('gpt3-175b', { set: { 'model.heads2': 2 } })).toThrow(/model\.heads2: unknown field; did you mean "heads"\?; expected one of layers, hidden/);
    expect(() => generateWorkload('gpt3-175b', { set: { 'training.parallel.schedule': 'zb' } })).toThrow(/schedule: expected one of "1f1b", "gpipe", got "zb"/);
    expect(() => generateWorkload('nonesuch')).toThrow(/"nonesuch" is neither a file nor a named workload; named workloads: gpt-13b, gpt-1t, gpt3-175b, llama-2-70b, llama-3.1-405b, llama-3.1-8b, llama-70b, mixtral-8x7b/);
    expect(() => generateWorkload({ format: 'orrery-workload', version: 2 })).toThrow(/version: expected 1/);
  });
});

describe('generated traces export to Chakra and re-import unchanged', () => {
  const dir = mkdtempSync(join(tmpdir(), 'orrery-gen-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a small 3D-parallel GPT-3 step (TP 2, PP 2, DP 2)', () => {
    const t = generateWorkload('gpt3-175b', { set: { 'model.layers': 4, 'training.globalBatch': 8, 'training.parallel.dp': 2, 'training.parallel.tp': 2, 'training.parallel.pp': 2 } });
    const out = exportChakra(t, join(dir, 'gpt'), { dims: [2, 4] });
    const back = loadChakra(join(dir, 'gpt'), { dims: [2, 4], ...(out.commGroupFile ? { commGroups: out.commGroupFile } : {}) });
    for (let r = 0; r < 8; r++) expect(rankView(back, r), `rank ${r}`).toEqual(rankView(t, r));
    // roofline compute (no durations) is flagged for ASTRA-sim users
    expect(out.warnings.some((w) => w.includes('roofline-enabled'))).toBe(true);
    // the TP group (2 consecutive ranks = dim 0 of 2×4) becomes an involved_dim mask; DP blocks (stride 2) are
    // dim 1's sub-grid only in part (2 of 4), so they and the PP peers become comm groups
    const f0 = readChakraFile(join(dir, 'gpt.0.et'));
    const tpNode = f0.nodes.find((n) => n.name === 'mb0.L0.attn.out.allreduce')!;
    expect(tpNode.attr.find((a) => a.name === 'involved_dim')?.value).toEqual([true, false]);
    const dpNode = f0.nodes.find((n) => n.name?.endsWith('.grads.allreduce'))!;
    const pg = dpNode.attr.find((a) => a.name === 'pg_name')?.value as string;
    expect(JSON.parse(readFileSync(out.commGroupFile!, 'utf8'))[pg]).toEqual(blockOf(t, 'dp', 0).members);
  });
});

describe('kernel detail of a run (training.kernels unset)', () => {
  const small = { 'model.layers': 4, 'training.globalBatch': 8, 'training.parallel.dp': 1, 'training.parallel.tp': 2, 'training.parallel.pp': 2 };
  const kernelOps = (t: Trace): number => t.programs.reduce((n, p) => n + p.ops.filter((o) => o.kind === 'compute' && o.kernel !== undefined).length, 0);
  it('is Megatron-LM\'s kernel list under the kernel and table compute models, the coarse ops under roofline', () => {
    const under = (compute?: string) => loadWorkload({ workload: 'gpt3-175b' }, { generate: { set: small }, ...(compute ? { compute } : {}) }).trace;
    // megatron: every compute op of a layer carries a kernel descriptor (GEMMs, attention, norms, …)
    expect(kernelOps(under())).toBeGreaterThan(0);
    expect(kernelOps(under('table'))).toBe(kernelOps(under()));
    // roofline keeps the coarse ops of earlier releases: FLOPs and bytes only, no descriptors
    expect(kernelOps(under('roofline'))).toBe(0);
    // mixture-of-experts models take the coarse ops by default (the kernel list has no expert layers), without a warning
    const moe = loadWorkload({ workload: 'mixtral-8x7b' }, { generate: { set: { 'model.layers': 2, 'training.globalBatch': 64 } } }).trace;
    expect(kernelOps(moe)).toBe(0);
    expect(moe.meta?.warnings ?? []).not.toContainEqual(expect.stringMatching(/not built for mixture-of-experts/));
    // a description that names its detail keeps it
    expect(kernelOps(loadWorkload({ workload: 'gpt3-175b' }, { generate: { set: { ...small, 'training.kernels': 'coarse' } } }).trace)).toBe(0);
  });
});
