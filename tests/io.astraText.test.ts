// ASTRA-sim 1.0 text workloads (astra-sim/astra-sim branch ASTRA-sim-1.0 @07d5d19, MIT) and SimAI's dialect
// (aliyun/SimAI @cef83f9, Apache-2.0): tests/fixtures/README.md. Loop semantics: FORMATS.md §1.3, §4.3, §6.5.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { astraTextToTrace, breakDimension, type AstraTextOptions } from '../src/io/astraText.ts';
import type { Op, Trace } from '../src/workload/trace.ts';
import { FIXTURES } from './helpers/fixtures.ts';
import { freeCommSchedule, programOf } from './helpers/traceTools.ts';

const V1 = join(FIXTURES, 'astra-sim/v1/workload');
const SIMAI = join(FIXTURES, 'simai/example');
const load = (file: string, opts: AstraTextOptions = {}): Trace => astraTextToTrace(readFileSync(file, 'utf8'), file, opts);
const v1 = (name: string, opts: AstraTextOptions = { ranks: 16 }): Trace => load(join(V1, name), opts);
const ops = (t: Trace): Op[] => programOf(t, 0);
/** Ops per kind in rank 0's program (every rank runs the same one). */
const opCounts = (t: Trace): Record<string, number> => ops(t).reduce<Record<string, number>>((c, o) => ({ ...c, [o.kind]: (c[o.kind] ?? 0) + 1 }), {});
const byName = (t: Trace, name: string): Op => {
  const o = ops(t).find((x) => x.name === name);
  if (!o) throw new Error(`no op ${name}`);
  return o;
};
/** Compute-only makespan: the critical path through compute durations, deps and stream order; comm and waits free. */
const computeOnly = (t: Trace): number => freeCommSchedule({ ...t, programs: t.programs.map((p) => ({ ...p, ops: p.ops.map((o) => (o.kind === 'wait' ? { ...o, durationNs: 0 } : o)) })) }).makespan;

describe('ASTRA-sim 1.0 text: the compute-only makespans of MANIFEST.md', () => {
  it('Resnet50_DataParallel.txt (DATA, one pass) = 1,082,450 ns', () => {
    // Σ fwd + Σ wg + Σ ig over layers 1..53 (DATA skips layer 0's input gradient): 1,082,450 cycles = ns at 1 GHz
    const t = v1('Resnet50_DataParallel.txt');
    expect(computeOnly(t)).toBe(1_082_450);
    const c = t.programs[0]!.ops.filter((o) => o.kind === 'compute').reduce((s, o) => s + (o as { durationNs: number }).durationNs, 0);
    expect(c).toBe(1_082_450);
  });

  it('Resnet50 in chakra-compat units = 1,082,450,000 ns (ASTRA-sim 2.x after Chakra\'s text converter, astra-sim#207)', () => {
    const t = v1('Resnet50_DataParallel.txt', { ranks: 16, units: 'chakra-compat' });
    expect(computeOnly(t)).toBe(1_082_450_000);
    expect(opCounts(t).wait).toBeUndefined(); // the converter drops the update column
  });

  it('DLRM_HybridParallel.txt = 51,378 ns', () => {
    // Σ fwd (19,020) + Σ wg (13,644) + Σ ig of layers 1..7 (18,714): the DLRM loop skips layer 0's ig compute
    expect(computeOnly(v1('DLRM_HybridParallel.txt'))).toBe(51_378);
  });
});

describe('ASTRA-sim 1.0 text: loop semantics per parallelism keyword', () => {
  it('DATA: forward without comm, then per layer wg compute, wg all-reduce (non-blocking), ig compute', () => {
    const t = v1('Resnet50_DataParallel.txt');
    const o = ops(t);
    expect(opCounts(t)).toEqual({ compute: 54 + 54 + 53, coll: 54, wait: 54 });
    expect(o.slice(54, 59).map((x) => x.name)).toEqual([
      'fc1000.wg', 'fc1000.wg.allreduce', 'fc1000.wg.update', 'fc1000.ig', 'layer_512_3_conv3.wg',
    ]);
    const ar = byName(t, 'conv1.wg.allreduce');
    // world group, no stream (ASTRA-sim 1.0 runs collectives concurrently), 37,632 B, update 3,229 ns after it
    expect(ar).toMatchObject({ kind: 'coll', op: 'allreduce', bytes: 37632, stream: null });
    expect(ar.kind === 'coll' && ar.group).toBeUndefined();
    expect(byName(t, 'conv1.wg.update')).toMatchObject({ kind: 'wait', durationNs: 3229, deps: [ar.id] });
    expect(o.some((x) => x.name === 'conv1.ig')).toBe(false);
    expect(o.at(-1)?.name).toBe('conv1.wg.update');
  });

  it('DATA with 2 passes: each forward waits for its layer\'s previous wg collective and update', () => {
    const t = v1('Resnet50_DataParallel.txt', { ranks: 16, passes: 2 });
    expect(opCounts(t).compute).toBe(2 * 161);
    const upd = byName(t, 'layer_64_1_conv4.wg#0.update');
    expect(byName(t, 'layer_64_1_conv4.fwd#1').deps).toContain(upd.id);
  });

  it('MICRO: the wg collective of layer 0 once per pass, all issued at once', () => {
    const t = v1('microAllToAll.txt', { ranks: 8, passes: 3 });
    const colls = ops(t).filter((o) => o.kind === 'coll');
    expect(colls).toHaveLength(3);
    for (const c of colls) expect(c).toMatchObject({ op: 'alltoall', bytes: 1048576, stream: null });
    expect(colls.every((c) => c.deps === undefined)).toBe(true);
    expect(opCounts(t).compute).toBeUndefined();
  });

  it('MODEL: blocking fwd collectives on the world, ig collectives (LIFO) but none for layer 0, no wg collective', () => {
    const t = v1('MLP_ModelParallel.txt');
    expect(opCounts(t)).toEqual({ compute: 18, coll: 6 + 5, wait: 11 });
    const ag = byName(t, 'layer_64_1_mlp0.fwd.allgather');
    // the next layer's forward waits for the collective and its update delay
    expect(byName(t, 'layer_64_1_mlp1.fwd').deps).toEqual([byName(t, 'layer_64_1_mlp0.fwd.update').id]);
    expect(ag.kind === 'coll' && ag.priority).toBeUndefined();
    expect(byName(t, 'layer_64_2_mlp5.ig.allreduce')).toMatchObject({ priority: 1 });
    expect(ops(t).some((x) => x.name === 'layer_64_1_mlp0.ig.allreduce')).toBe(false);
  });

  it('HYBRID_DATA_MODEL on 4×4: fwd/ig over dim 0 (model), wg over dim 1 (data); HYBRID_MODEL_DATA the reverse', () => {
    const dm = v1('MLP_HybridParallel_Data_Model.txt', { dims: [4, 4] });
    expect(dm.groups).toEqual({ 'dims:0': [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11], [12, 13, 14, 15]], 'dims:1': [[0, 4, 8, 12], [1, 5, 9, 13], [2, 6, 10, 14], [3, 7, 11, 15]] });
    expect(byName(dm, 'layer_64_2_mlp3.fwd.allgather')).toMatchObject({ group: 'dims:0', bytes: 147456 });
    expect(byName(dm, 'layer_64_2_mlp3.wg.allreduce')).toMatchObject({ group: 'dims:1', priority: 0 });
    expect(opCounts(dm).coll).toBe(6 + 5 + 6);
    const md = v1('MLP_HybridParallel_Model_Data.txt', { dims: [4, 4] });
    expect(byName(md, 'layer_64_2_mlp3.fwd.allgather')).toMatchObject({ group: 'dims:1' });
    expect(byName(md, 'layer_64_2_mlp3.wg.allreduce')).toMatchObject({ group: 'dims:0' });
    // hybrid backward: ig compute, ig collective, wg compute, wg collective, then wait for the ig collective
    const next = byName(dm, 'layer_64_2_mlp2.ig');
    expect(next.deps).toEqual([byName(dm, 'layer_64_2_mlp3.wg').id, byName(dm, 'layer_64_2_mlp3.ig.update').id]);
  });

  it('the hybrid policies need the topology\'s dimensions; a 1-D topology drops their dims-1.. collectives, as ASTRA-sim', () => {
    expect(() => v1('MLP_HybridParallel_Data_Model.txt')).toThrow(/line 3: HYBRID_DATA_MODEL routes fwd collectives over some network dimensions only: pass the topology/);
    const t = v1('MLP_HybridParallel_Data_Model.txt', { dims: [16] });
    expect(opCounts(t).coll).toBe(6 + 5); // the 6 wg all-reduces involve no dimension
    expect((t.meta?.warnings as string[]).some((w) => w.includes('6 collectives involve no dimension of this topology (16)'))).toBe(true);
  });

  it('HYBRID_CUSTOMIZED: each layer\'s own policy (13th column)', () => {
    const t = v1('sample_per_layer_parallel_HybridCustomized.txt', { dims: [4, 4] });
    expect(byName(t, 'layer_64_2_mlp0.wg.allreduce')).toMatchObject({ group: 'dims:1' }); // HYBRID_DATA_MODEL
    expect(byName(t, 'layer_64_2_mlp1.wg.allreduce')).toMatchObject({ group: 'dims:0' }); // HYBRID_MODEL_DATA
    expect(byName(t, 'layer_64_2_mlp2.wg.allreduce')).not.toHaveProperty('group'); // DATA: all dims = world
    expect(byName(t, 'layer_64_2_mlp3.fwd.allgather')).not.toHaveProperty('group'); // MODEL
    expect(byName(t, 'layer_64_2_mlp1.ig.reducescatter')).toMatchObject({ group: 'dims:1' });
  });

  it('HYBRID_TRANSFORMER: TP = blocks of model_parallel_NPU_group ranks, DP = ranks TP apart; ig collectives at every layer', () => {
    const t = v1('Transformer_HybridParallel.txt', { dims: [8, 4] });
    // break_dimension(4) on 8×4 splits dim 0 into 4×2: model dims {0}, data dims {1, 2}
    expect(breakDimension([8, 4], 4, 'x')).toEqual({ dims: [4, 2, 4], b: 0 });
    expect(t.groups.tp).toEqual(Array.from({ length: 8 }, (_, g) => [0, 1, 2, 3].map((j) => 4 * g + j)));
    expect(t.groups.dp).toEqual([0, 1, 2, 3].map((j) => Array.from({ length: 8 }, (_, g) => 4 * g + j)));
    expect(byName(t, 'Embedding.fwd.allgather')).toMatchObject({ group: 'tp', bytes: 8388608 });
    expect(byName(t, 'Q1.wg.allreduce')).toMatchObject({ group: 'dp', bytes: 33554432, priority: 0 });
    expect(byName(t, 'Concat1.ig.allgather')).toMatchObject({ group: 'tp', priority: 1 });
    // ASTRA-sim's Transformer loop issues layer 0's ig collective too (unlike the other hybrids): Embedding's ig is NONE
    expect(t.meta?.astra).toMatchObject({ parallelism: 'HYBRID_TRANSFORMER', tp: 4, dialect: 'astra' });
    expect(v1('Transformer_HybridParallel.txt', { ranks: 16 }).groups.tp).toHaveLength(4);
    expect(() => v1('Transformer_HybridParallel.txt', { dims: [3, 4] })).toThrow(/model_parallel_NPU_group 4 does not split the topology \(3×4\)/);
  });

  it('HYBRID_TRANSFORMER_FWD_IN_BCKWD: checkpoints 2, 11 and initiators 19, 10 recompute layers 11..18 and 2..9', () => {
    const t = v1('Transformer_HybridParallel_Fwd_In_Bckwd.txt');
    const names = ops(t).filter((o) => o.kind === 'compute').map((o) => o.name!);
    const rec = names.filter((n) => n.endsWith('.recompute'));
    const layerNames = ['TokenEmbedding', 'EmbeddingSparse', 'Q1', 'K1', 'V1', 'QK1', 'softmax1', 'concat1', 'Xw1b1', 'Xw2b1', 'layerNorm1', 'Q2', 'K2', 'V2', 'QK2', 'softmax2', 'concat2'];
    expect(rec.map((n) => n.replace('.fwd.recompute', ''))).toEqual([...layerNames.slice(11), 'Xw1b2', 'Xw2b2', ...layerNames.slice(2, 10)]);
    expect(names.length).toBe(3 * 21 + 16);
    // the recompute of 11..18 runs after layer 20's backward (projection) and before layer 19's input gradient
    const at = (n: string): number => names.indexOf(n);
    expect(at('Q2.fwd.recompute')).toBe(at('projection.wg') + 1);
    expect(at('layerNorm2.ig')).toBe(at('Xw2b2.fwd.recompute') + 1);
    // and layer 10 (layerNorm1) recomputes 2..9 right after layer 11's backward
    expect(at('Q1.fwd.recompute')).toBe(at('Q2.wg') + 1);
    expect(at('layerNorm1.ig')).toBe(at('Xw2b1.fwd.recompute') + 1);
    expect(byName(t, 'concat1.fwd.recompute.allreduce')).toMatchObject({ group: 'tp' });
  });

  it('HYBRID_DLRM: layer 0 all-to-alls (HIGHEST) on all dims; layer 4 waits for the forward one; layer 0\'s wg waits for the ig one', () => {
    const t = v1('DLRM_HybridParallel.txt');
    const a2a = byName(t, 'Embedding.fwd.alltoall');
    expect(a2a).toMatchObject({ op: 'alltoall', bytes: 98304, priority: 2 });
    expect(byName(t, 'MLP_Top_0.fwd').deps).toContain(byName(t, 'Embedding.fwd.update').id);
    const ig = byName(t, 'Embedding.ig.alltoall');
    expect(ig.deps).toEqual([byName(t, 'MLP_Top_0.ig').id]); // issued after the ig compute of layer last+1 = 5
    expect(opCounts(t).coll).toBe(2 + 7); // two all-to-alls, seven wg all-reduces (Embedding's wg is NONE)
  });
});

describe('SimAI dialect (labelled header, _EP / _DP_EP suffixes)', () => {
  it('workload_analytical.txt: 9,216 GPUs, TP 2 / DP 384 / EP 16 / DP_EP 24 partitions, one SPMD program', () => {
    const t = load(join(SIMAI, 'workload_analytical.txt'));
    expect(t.ranks).toBe(9216);
    expect(t.programs).toHaveLength(1);
    const sizes = Object.fromEntries(Object.entries(t.groups).map(([k, v]) => [k, [v.length, (v[0] as number[]).length]]));
    // DP = all_gpus / (TP × pp) = 9216 / 24 = 384; DP_EP = DP / ep = 24
    expect(sizes).toEqual({ TP: [4608, 2], DP: [24, 384], EP: [576, 16], DP_EP: [384, 24] });
    for (const [k, v] of Object.entries(t.groups)) expect(new Set((v as number[][]).flat()).size, k).toBe(9216);
    expect(byName(t, 'grad_gather.wg.allgather')).toMatchObject({ group: 'DP', bytes: 2807758848 });
    expect(byName(t, 'moe_grad_norm1.wg.allgather')).toMatchObject({ group: 'DP_EP', bytes: 19327352832 });
    expect(byName(t, 'embedding_layer.fwd.allreduce')).toMatchObject({ group: 'TP', bytes: 50331648 });
    expect(ops(t).find((o) => o.kind === 'coll' && o.op === 'alltoall' && o.group === 'EP')).toMatchObject({ bytes: 100663296 });
    expect(t.meta?.astra).toMatchObject({ dialect: 'simai', layers: 1789, simai: { ep: 16, pp: 12, vpp: 8, ga: 24, all_gpus: 9216, pp_comm: 50331648 } });
    const w = (t.meta?.warnings as string[]).join('\n');
    expect(w).toMatch(/216 collectives of 0 bytes kept/);
    expect(w).toMatch(/pp: 12: SimAI simulates one pipeline stage/);
    // SimAI issues the ig collective of its transformer loops blocking: the wg compute waits for it
    const igc = byName(t, 'embedding_grads.ig.allreduce');
    expect(byName(t, 'embedding_grads.wg').deps).toEqual([byName(t, 'embedding_grads.ig.update').id]);
    expect(igc).toMatchObject({ group: 'TP', priority: 1 });
  });

  it('microAllReduce.txt: TP 8 on 8 GPUs is the world', () => {
    const t = load(join(SIMAI, 'microAllReduce.txt'));
    expect(t.ranks).toBe(8);
    const colls = ops(t).filter((o) => o.kind === 'coll');
    expect(colls.map((c) => c.kind === 'coll' && [c.op, c.bytes, c.group])).toEqual([['allreduce', 16777216, undefined], ['allreduce', 67108864, undefined]]);
    expect(() => load(join(SIMAI, 'microAllReduce.txt'), { ranks: 16 })).toThrow(/all_gpus: 8, but the topology has 16 NPUs/);
  });
});

describe('ASTRA-sim text: every fixture file imports, or fails precisely', () => {
  const files = readdirSync(V1).filter((f) => f.endsWith('.txt'));
  it('covers the 10 ASTRA-sim 1.0 workloads', () => expect(files).toHaveLength(10));
  for (const f of files) {
    it(f, () => {
      const t = v1(f, { dims: [4, 4] });
      expect(t.ranks).toBe(16);
      const s = freeCommSchedule(t);
      expect(s.stuck).toEqual([]);
      expect(() => v1(f, {})).toThrow(/the world size is unknown: pass the topology \(or a rank count\)/);
    });
  }

  const bad = (text: string): (() => Trace) => () => astraTextToTrace(text, 'bad.txt', { ranks: 4 });
  it('names the line and column of malformed input', () => {
    expect(bad('DATAX\n1\n')).toThrow(/bad\.txt: line 1: unknown parallelism "DATAX"; expected one of DATA, MODEL/);
    expect(bad('DATA\n1\nl0 -1 10 NONE 0 5 NONE 0 x ALLREDUCE 8 1\n')).toThrow(/line 3: layer "l0": column 9 \(wg compute\) must be a non-negative integer, got "x"/);
    expect(bad('DATA\n2\nl0 -1 10 NONE 0 5 NONE 0 1 ALLREDUCE 8 1\n')).toThrow(/layer 2 of 2 .*expected 12 columns, found 0/);
    expect(bad('DATA\n1\nl0 -1 10 NONE 0 5 NONE 0 1 ALLREDUCEX 8 1\n')).toThrow(/column 10 \(wg comm type\) is "ALLREDUCEX"; expected NONE, ALLREDUCE/);
    expect(bad('DATA\n1\nl0 -1 10 NONE 0 5 NONE 0 1 ALLREDUCEALLTOALL 8 1\n')).toThrow(/ALLREDUCEALLTOALL is not supported/);
    expect(bad('HYBRID_TRANSFORMER\n1\nl0 -1 10 NONE 0 5 NONE 0 1 ALLREDUCE 8 1\n')).toThrow(/needs "model_parallel_NPU_group: N"/);
    expect(bad('HYBRID_TRANSFORMER model_parallel_NPU_group: 3\n1\nl0 -1 10 NONE 0 5 NONE 0 1 ALLREDUCE 8 1\n')).toThrow(/model_parallel_NPU_group 3 does not divide the 4 ranks/);
    expect(bad('HYBRID_DLRM\n2\na -1 1 NONE 0 1 NONE 0 1 NONE 0 1\nb -1 1 NONE 0 1 NONE 0 1 NONE 0 1\n')).toThrow(/needs the last bottom-MLP layer/);
    expect(bad('')).toThrow(/empty file/);
    const t = bad('DATA\n1\nl0 -1 10 NONE 0 5 NONE 0 1 ALLREDUCE 8 1 extra\n')();
    expect(t.meta?.warnings).toEqual(['bad.txt: line 3: 1 tokens after the 1 layers ignored (as ASTRA-sim does)']);
  });

  it('--compute-scale and --comm-scale multiply the columns', () => {
    const t = v1('microAllReduce.txt', { ranks: 4, commScale: 2 });
    expect(ops(t)[0]).toMatchObject({ bytes: 2 * 1048576 });
    const r = v1('Resnet50_DataParallel.txt', { ranks: 4, computeScale: 2 });
    expect(computeOnly(r)).toBe(2 * 1_082_450);
  });
});
