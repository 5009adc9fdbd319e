// Kernel descriptors end to end: trace version 2 in JSON and msgpack, the replay's --compute choice, `orrery kernel`
// (single and --batch), the preset constants being the fit of the shipped profiles, and `orrery validate`'s summary.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { predictKernel, summarizeValidation } from '../src/api/index.ts';
import { vidurProfileSamples } from '../src/api/compute.ts';
import { fitDevice, leaveOneModelOut } from '../src/api/validate/kernels.ts';
import { getDevice, KernelModel, roundConstants, TableModel, type KernelSample, type TableEntry } from '../src/compute/index.ts';
import { decodeTrace, encodeTrace } from '../src/io/index.ts';
import type { Op, Trace } from '../src/workload/trace.ts';
import { orrery } from './helpers/cli.ts';
import { ring, run } from './helpers/trace.ts';

const dir = mkdtempSync(join(tmpdir(), 'orrery-compute-'));

function kernelTrace(ops: Op[]): Trace {
  return { format: 'orrery-trace', version: 2, units: { time: 'ns', size: 'B' }, meta: { device: 'a100' }, ranks: 1, groups: {}, programs: [{ ranks: [0], ops }] };
}

const gemmOp: Op = { id: 0, kind: 'compute', name: 'qkv', kernel: { type: 'matmul', m: 4096, n: 12288, k: 4096 }, precision: 'bf16' };
const normOp: Op = { id: 1, kind: 'compute', name: 'ln', deps: [0], kernel: { type: 'layernorm', elements: 4096 * 4096 }, precision: 'bf16' };

describe('trace version 2: kernel descriptors', () => {
  it('round-trips through JSON and msgpack', () => {
    const t = kernelTrace([gemmOp, normOp, { id: 2, kind: 'compute', flops: 10, bytes: 5, deps: [1] }]);
    for (const enc of ['json', 'msgpack'] as const) {
      const back = decodeTrace(encodeTrace(t, enc), enc, `t.${enc}`);
      expect(back.programs[0]!.ops.map((o) => (o.kind === 'compute' ? o.kernel : undefined))).toEqual([gemmOp.kernel, normOp.kernel, undefined]);
      expect(back.version).toBe(2);
    }
  });

  it('replays with the kernel model by default: step = sum of the kernels, each rounded once', () => {
    const m = new KernelModel({ device: getDevice('a100'), precision: 'bf16', computeEfficiency: 0.8, memoryEfficiency: 0.85 });
    const expected = Math.round(m.kernel(gemmOp.kernel!, 'bf16').timeNs) + Math.round(m.kernel(normOp.kernel!, 'bf16').timeNs);
    const r = run(kernelTrace([gemmOp, normOp]), ring(1));
    expect(r.compute).toBe('kernel');
    expect(r.stepTimeNs).toBe(expected);
  });

  it('--compute roofline times a kernel from its FLOPs and bytes, and prefers the op\'s own when given', () => {
    // matmul 4096x12288x4096 bf16 on A100: 2·4096·12288·4096 FLOP / (312 TFLOPS · 0.8) (compute-bound)
    const r = run(kernelTrace([gemmOp]), ring(1), { compute: 'roofline' });
    expect(r.stepTimeNs).toBe(Math.round((2 * 4096 * 12288 * 4096) / (312e3 * 0.8)));
    const own = run(kernelTrace([{ ...gemmOp, flops: 312e3 * 0.8 * 1000 }]), ring(1), { compute: 'roofline' });
    expect(own.stepTimeNs).toBe(1000);
  });

  it('refuses a bad descriptor naming the op and field', () => {
    const bad = kernelTrace([{ id: 0, kind: 'compute', kernel: { type: 'matmul', m: 4, n: 4 } } as unknown as Op]);
    expect(() => run(bad, ring(1))).toThrow(/op 0: field "kernel.k" is missing/);
  });
});

describe('orrery kernel', () => {
  it('predicts one GEMM as JSON with the fields the issue lists', () => {
    const r = orrery(['kernel', 'matmul', '--m', '4096', '--n', '10240', '--k', '8192', '--device', 'a100', '--precision', 'fp16', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toEqual(predictKernel({ kernel: { type: 'matmul', m: 4096, n: 10240, k: 8192 }, device: 'a100', precision: 'fp16' }));
    expect(Object.keys(j)).toEqual(['kind', 'device', 'precision', 'model', 'timeNs', 'flops', 'bytes', 'achievedTFLOPS', 'bound']);
    expect(j.flops).toBe(2 * 4096 * 10240 * 8192);
    expect(j.achievedTFLOPS).toBeCloseTo(j.flops / j.timeNs / 1e3, 3);
    expect(j.bound).toBe('compute');
  });

  it('reads a batch CSV and prints one result per row in order', () => {
    const f = join(dir, 'specs.csv');
    writeFileSync(f, 'kind,m,n,k,elements,device,precision\nmatmul,4096,10240,8192,,a100,fp16\nlayernorm,,,,33554432,h100,bf16\n');
    const r = orrery(['kernel', '--batch', f, '--json']);
    expect(r.code).toBe(0);
    const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.map((x) => x.kind)).toEqual(['matmul', 'layernorm']);
    expect(rows[1].bytes).toBe(33554432 * 2 * 2); // layernorm: read x, write y, bf16
    expect(rows[1].timeNs).toBe(predictKernel({ kernel: { type: 'layernorm', elements: 33554432 }, device: 'h100', precision: 'bf16' }).timeNs);
  });

  it('bad input: one line naming the field, exit 1', () => {
    const r = orrery(['kernel', 'matmul', '--m', '4', '--k', '4', '--device', 'a100']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('orrery: error: orrery kernel: field "n" is missing (a matmul kernel needs m, n, k, batch)');
    const d = orrery(['kernel', 'matmul', '--m', '4', '--n', '4', '--k', '4', '--device', 'b200']);
    expect(d.stderr.trim()).toMatch(/unknown device "b200"; expected one of: A100-SXM4-80GB, H100-SXM5-80GB, A40/);
  });
});

describe('kernels validation: leave one model out', () => {
  it('the table model of a fold holds only the other models\' measurements', () => {
    // Llama-2-7B's A40 kernels at TP 1 and 1-16 tokens, and a copy of them ("copy") measured 10x slower: holding the
    // copy out, its table holds Llama-2-7B's entries of the same shapes, so it predicts their time exactly (the mean
    // where two ops run the same kernel: both RMSNorms); held in, it would predict the copy's own, 10x
    const base = vidurProfileSamples().filter((x) => x.device === 'a40' && x.model === 'Llama-2-7b-hf' && x.tp === 1 && x.tokens <= 16);
    const samples = [...base, ...base.map((x) => ({ ...x, model: 'copy', measuredNs: 10 * x.measuredNs }))];
    const held = leaveOneModelOut('a40', samples).filter((h) => h.sample.model === 'copy');
    expect(held.length).toBe(base.length);
    const same = (a: KernelSample, b: KernelSample) => JSON.stringify(a.kernel) === JSON.stringify(b.kernel);
    for (const h of held) {
      const twins = base.filter((x) => same(x, h.sample));
      expect(h.tableNs).toBeCloseTo(twins.reduce((t, x) => t + x.measuredNs, 0) / twins.length, 6);
    }
  });
});

describe('kernel-model constants', () => {
  it('the A40 preset holds the fit of the shipped profiles (scripts/fit-kernel-constants.ts), rounded', () => {
    expect(getDevice('a40').kernel).toEqual(roundConstants(fitDevice('a40')));
  });
});

describe('orrery validate summary', () => {
  it('median, p90 and max |error| per group, PASS/MISS against the target', () => {
    // errors 10 %, 20 %, 30 % (and -5 %): nearest-rank median of [5, 10, 20, 30] is 10, p90 is 30
    const c = (group: string, measured: number, predicted: number) => ({ id: `${group}${predicted}`, source: 's', unit: 'ms', measured, predicted, inFit: false, group });
    const g = summarizeValidation([c('a', 100, 110), c('a', 100, 120), c('a', 100, 130), c('a', 100, 95), c('b', 10, 10.1)], { medianAbsErrorPct: 15, p90AbsErrorPct: 25 });
    expect(g[0]).toMatchObject({ group: 'a', cases: 4, pass: false });
    expect(g[0]!.medianAbsErrorPct).toBeCloseTo(10, 9);
    expect(g[0]!.p90AbsErrorPct).toBeCloseTo(30, 9);
    expect(g[1]).toMatchObject({ group: 'b', cases: 1, pass: true });
  });

  it('an unknown suite lists the valid ones', () => {
    const r = orrery(['validate', '--suite', 'nope']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('orrery: error: --suite: unknown suite "nope"; expected one of: kernels-gemm, kernels-memory, training, collectives, serving');
  });
});

describe('table model', () => {
  const dev = getDevice('a100');
  const fallback = new KernelModel({ device: dev, precision: 'fp16', computeEfficiency: 0.8, memoryEfficiency: 0.85 });
  const entries = [
    { kernel: { type: 'matmul', m: 100, n: 64, k: 32 }, precision: 'fp16', timeNs: 1000 },
    { kernel: { type: 'matmul', m: 100, n: 64, k: 32 }, precision: 'fp16', timeNs: 3000 },
    { kernel: { type: 'matmul', m: 300, n: 64, k: 32 }, precision: 'fp16', timeNs: 6000 },
  ] as const;
  const t = new TableModel(dev, entries as unknown as TableEntry[], fallback);

  it('measured shapes take their mean time (bf16 shares fp16 entries); between two m, linear interpolation', () => {
    expect(t.kernel({ type: 'matmul', m: 100, n: 64, k: 32 }, 'fp16').timeNs).toBe(2000); // (1000 + 3000) / 2
    expect(t.kernel({ type: 'matmul', m: 100, n: 64, k: 32 }, 'bf16').timeNs).toBe(2000);
    expect(t.kernel({ type: 'matmul', m: 150, n: 64, k: 32 }, 'fp16').timeNs).toBe(3000); // 2000 + (6000 − 2000)·50/200
    expect(t.warnings()).toEqual([]);
  });

  it('outside the measured range or for a family not in the table: the kernel model, with a warning naming why', () => {
    const k = { type: 'matmul', m: 400, n: 64, k: 32 } as const;
    expect(t.kernel(k, 'fp16').timeNs).toBe(fallback.kernel(k, 'fp16').timeNs);
    expect(t.warnings()).toEqual(['table model: matmul outside the measured range (m 100..300) on A100-SXM4-80GB fp16; using the kernel model']);
    const g = { type: 'gelu', elements: 1000 } as const;
    expect(t.kernel(g, 'fp16').timeNs).toBe(fallback.kernel(g, 'fp16').timeNs);
    expect(t.warnings()).toContain('table model: gelu not in the table on A100-SXM4-80GB fp16; using the kernel model');
    expect(t.stats).toMatchObject({ fallback: 2 });
  });

  it('an unmeasured shape inside the measured range: the kernel model times the forest\'s learned correction', () => {
    // every entry measured at exactly 1.5x the kernel model: each leaf's mean of ln(measured / kernel) is ln 1.5,
    // so a shape never measured (n 96, between 64 and 128; no line to interpolate on) is predicted at 1.5x too
    const shapes = [64, 128].flatMap((n) => [64, 128, 256, 512].flatMap((m) => [32, 64].map((kk) => ({ type: 'matmul', m, n, k: kk }) as const)));
    const es: TableEntry[] = shapes.map((kernel) => ({ kernel, precision: 'fp16', timeNs: 1.5 * fallback.kernel(kernel, 'fp16').timeNs }));
    const tm = new TableModel(dev, es, fallback);
    const q = { type: 'matmul', m: 200, n: 96, k: 48 } as const;
    expect(tm.kernel(q, 'bf16').timeNs).toBeCloseTo(1.5 * fallback.kernel(q, 'bf16').timeNs, 6);
    expect(tm.stats).toEqual({ exact: 0, interpolated: 0, learned: 1, fallback: 0 });
    expect(tm.warnings()).toEqual([]);
  });

  it('reads an Orrery table CSV and the shipped Vidur profiles for --compute table', () => {
    const f = join(dir, 'table.csv');
    writeFileSync(f, 'kind,m,n,k,elements,device,precision,timeNs\nmatmul,7,9,11,,a100,bf16,4242\nrmsnorm,,,,1000,h100,bf16,99\n');
    const r = predictKernel({ kernel: { type: 'matmul', m: 7, n: 9, k: 11 }, device: 'a100', precision: 'bf16', compute: 'table', tables: [f] });
    expect(r).toMatchObject({ model: 'table', timeNs: 4242 });
    // Vidur, a100, Llama-2-7b, TP 1, attn_pre_proj (QKV, m x 4096 x 12288): 512 tokens is not in the shipped subset,
    // so it is linear between 496 (0.230 ms) and 528 (0.288 ms): 0.230 + 0.058 · 16/32 = 0.259 ms
    const v = predictKernel({ kernel: { type: 'matmul', m: 512, n: 12288, k: 4096 }, device: 'a100', precision: 'fp16', compute: 'table' });
    expect(v.timeNs).toBe(259_000);
  });
});
