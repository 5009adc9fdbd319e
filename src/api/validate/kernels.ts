/**
 * Validation suites of the `kernel` compute model on measured kernel times: Vidur's profiles shipped in
 * data/profiles/vidur (A100, H100, A40; Llama-2 7B/70B, Llama-3 8B/70B, Phi-2; TP 1-8; fp16).
 *
 * Leave one model out: for each device and each profiled model, the device's constants are fitted on the other
 * models' kernels (compute/kernel-fit.ts) and the held-out model's kernels are predicted with them; the table model
 * is built from the other models' measurements (its forest fitted on them) over that fold's kernel model. Every
 * case is therefore held out (`inFit: false`). Groups are device x kernel kind (`a100 matmul`, `h100 rmsnorm`, …),
 * `… table` for the table model; a kind profiled on one model only (Phi-2's layernorm and gelu) is marked
 * `(1 model)`: held out, it is predicted from the other kinds' figures, not from a fit of its own.
 */
import { fitKernelConstants, getDevice, KernelModel, TableModel, type KernelConstants, type KernelSample, type TableStats } from '../../compute/index.ts';
import { vidurProfileSamples } from '../compute.ts';
import type { ValidationCase, ValidationSuite } from './types.ts';

const SOURCE = 'microsoft/vidur data/profiling/compute (MIT), subset in data/profiles/vidur';


/** Constants fitted on every profiled model of a device (what the presets ship, rounded). */
export function fitDevice(device: string, samples = vidurProfileSamples()): KernelConstants {
  const ds = samples.filter((s) => s.device === device);
  const models = [...new Set(ds.map((s) => s.model))].sort();
  return fitKernelConstants(getDevice(device), ds, `Vidur profiles (data/profiles/vidur/${device}: ${models.join(', ')}), ${ds.length} kernels`);
}

export interface HeldOut {
  sample: KernelSample;
  /** The kernel model's prediction. */
  predictedNs: number;
  /** The table model's (measured entries of the other models, their forest, the kernel model as fallback). */
  tableNs: number;
}

/** How the table model answered the held-out kernels, per device (exact, interpolated, learned, fallback). */
export const tablePaths = new Map<string, TableStats>();

const looCache = new Map<string, HeldOut[]>();

/** Leave-one-model-out predictions for one device (the shipped profiles' are computed once per process). */
export function leaveOneModelOut(device: string, samples?: KernelSample[]): HeldOut[] {
  if (samples) return computeLoo(device, samples);
  let r = looCache.get(device);
  if (!r) looCache.set(device, (r = computeLoo(device, vidurProfileSamples())));
  return r;
}

function computeLoo(device: string, samples: KernelSample[]): HeldOut[] {
  const d = getDevice(device);
  const ds = samples.filter((s) => s.device === device);
  const models = [...new Set(ds.map((s) => s.model))].sort();
  const out: HeldOut[] = [];
  for (const m of models) {
    const train = ds.filter((s) => s.model !== m);
    const c = fitKernelConstants(d, train, `Vidur profiles without ${m}`);
    const model = new KernelModel({ device: d, precision: 'fp16', computeEfficiency: d.computeEfficiency, memoryEfficiency: d.memoryEfficiency }, c);
    const table = new TableModel(d, train.map((s) => ({ kernel: s.kernel, precision: s.precision, timeNs: s.measuredNs })), model);
    for (const s of ds) if (s.model === m) out.push({ sample: s, predictedNs: model.kernel(s.kernel, s.precision).timeNs, tableNs: table.kernel(s.kernel, s.precision).timeNs });
    const st = tablePaths.get(device) ?? { exact: 0, interpolated: 0, learned: 0, fallback: 0 };
    for (const k of Object.keys(st) as (keyof TableStats)[]) st[k] += table.stats[k];
    tablePaths.set(device, st);
  }
  return out;
}

const DEVICES = ['a100', 'h100', 'a40'];

/**
 * Per device, the kernel model's cases (group `a100 matmul`), then the table model's on the same kernels (group
 * `a100 matmul table`, id suffix `/table`), so the summary shows the two side by side.
 */
function cases(filter: (s: KernelSample) => boolean): ValidationCase[] {
  const out: ValidationCase[] = [];
  for (const dev of DEVICES) {
    const held = leaveOneModelOut(dev).filter((h) => filter(h.sample));
    // a kind profiled on one model only has no measurement of it left when that model is held out
    const models = new Map<string, Set<string>>();
    for (const h of held) (models.get(h.sample.kernel.type) ?? models.set(h.sample.kernel.type, new Set()).get(h.sample.kernel.type)!).add(h.sample.model);
    const label = (kind: string) => `${dev} ${kind}${models.get(kind)!.size === 1 ? ' (1 model)' : ''}`;
    for (const table of [false, true]) {
      for (const h of held) {
        const s = h.sample;
        out.push({
          id: `${dev}/${s.op}/${s.model}/tp${s.tp}/tokens=${s.tokens}${table ? '/table' : ''}`,
          source: `${SOURCE}: ${s.source}`,
          unit: 'us',
          measured: s.measuredNs / 1e3,
          predicted: Number(((table ? h.tableNs : h.predictedNs) / 1e3).toFixed(4)),
          inFit: false,
          group: `${label(s.kernel.type)}${table ? ' table' : ''}`,
        });
      }
    }
  }
  return out;
}

export const kernelGemmSuite: ValidationSuite = {
  name: 'kernels-gemm',
  description: 'kernel model (groups `<device> matmul`) and table model (`… table`: the other models\' measurements and a forest fitted on them) vs measured GEMM times (Vidur profiles: QKV, output projection, MLP up/down; A100, H100, A40; fp16), leave one model out',
  target: { medianAbsErrorPct: 8, p90AbsErrorPct: 20 },
  run: () => cases((s) => s.kernel.type === 'matmul'),
};

export const kernelMemorySuite: ValidationSuite = {
  name: 'kernels-memory',
  description: 'kernel model (groups `<device> <kind>`) and table model (`… table`) vs measured memory-bound kernel times (Vidur profiles: norms, rope, activation, residual add, embedding), leave one model out; groups marked (1 model) were profiled on one model only, so held out they are predicted from the other kinds\' figures',
  target: { medianAbsErrorPct: 15 },
  run: () => cases((s) => s.kernel.type !== 'matmul'),
};
