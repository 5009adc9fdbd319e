/**
 * The `table` compute model: measured kernel times, and a learned regressor fitted on them for kernels that were
 * not measured (the nn-Meter / Vidur approach; Vidur fits random forests on its profiles).
 *
 * In order:
 * 1. Exact: a kernel measured on the device at the precision (fp16 and bf16 share entries: the same tensor-core
 *    and memory rates on every shipped device) takes its measured time (the mean if measured more than once).
 * 2. Between: a GEMM whose (n, k, batch) was measured at other row counts m is interpolated linearly in m between
 *    the two nearest measured m (a GEMM's time is piecewise close to linear in m between wave steps); attention
 *    over seqQ with the other fields equal. Memory-bound kernels are not interpolated: their entries of one
 *    `elements` come from different shapes (a norm over 4096 or 8192 columns), and the forest below, held out,
 *    does better than a line through them (H100 median 9.2 % against 10.4 %).
 * 3. Learned: a kernel of a measured family (matmul, attention flash or not, forward or backward, or a memory-bound
 *    kind) whose every shape field lies within the range measured for that family: the fallback model's time
 *    scaled by a regression forest's correction, t = t_kernel · exp(f(x)). The forest (forest.ts) is fitted on the
 *    table's entries of that family, target ln(measured / t_kernel), features the logarithms of the shape fields
 *    and of t_kernel; it is fitted at the family's first use and kept. Learning the correction to the analytical
 *    model rather than the time itself keeps the physics (waves, memory bound) the trees cannot extrapolate, and
 *    lets the trees learn what the model misses (cuBLAS's tile choices, L2 reuse).
 * 4. Elsewhere (a family or precision not in the table, a shape field outside the measured range, another device):
 *    the fallback model (`kernel`), with a warning naming the reason, once per family and reason.
 *
 * `orrery validate --suite kernels-gemm` / `kernels-memory` report the whole of this, fitted without the model held
 * out, beside the analytical model.
 */
import type { DevicePreset } from './devices.ts';
import { DEFAULT_FOREST, RegressionForest, type ForestOptions } from './forest.ts';
import { kernelFlops, type KernelDesc } from './kernels.ts';
import type { ComputeModel, KernelEstimate } from './model.ts';
import type { Precision } from './precision.ts';
import { kernelBytes } from './roofline.ts';

/** One measured kernel time. */
export interface TableEntry {
  kernel: KernelDesc;
  precision: Precision;
  timeNs: number;
}

/** How the table answered, counted per path (for reports and the validation suites). */
export interface TableStats {
  exact: number;
  interpolated: number;
  learned: number;
  fallback: number;
}

const canonPrecision = (p: Precision): Precision => (p === 'bf16' ? 'fp16' : p);

/** The kernel's fields except the one interpolated over (m, elements or seqQ), as a key; and that field's value. */
function split(k: KernelDesc): { key: string; x: number } {
  switch (k.type) {
    case 'matmul': return { key: `matmul|${k.n}|${k.k}|${k.batch ?? 1}`, x: k.m };
    case 'attention': return { key: `attention|${k.batch}|${k.heads}|${k.kvHeads ?? k.heads}|${k.seqKv}|${k.headDim}|${k.causal === true}|${k.flash}|${k.backward === true}`, x: k.seqQ };
    default: return { key: `${k.type}|${k.backward === true}`, x: k.elements };
  }
}

/** The family a forest is fitted per, and the kernel's shape fields (names and values) it learns from. */
function shape(k: KernelDesc): { family: string; names: string[]; values: number[] } {
  switch (k.type) {
    case 'matmul': return { family: 'matmul', names: ['m', 'n', 'k', 'batch'], values: [k.m, k.n, k.k, k.batch ?? 1] };
    case 'attention': return {
      family: `attention${k.flash ? ' flash' : ' unfused'}${k.causal ? ' causal' : ''}${k.backward ? ' backward' : ''}`,
      names: ['batch', 'heads', 'kvHeads', 'seqQ', 'seqKv', 'headDim'], values: [k.batch, k.heads, k.kvHeads ?? k.heads, k.seqQ, k.seqKv, k.headDim],
    };
    default: return { family: `${k.type}${k.backward ? ' backward' : ''}`, names: ['elements'], values: [k.elements] };
  }
}

interface Family {
  entries: TableEntry[];
  names: string[];
  min: number[];
  max: number[];
  forest?: RegressionForest;
}

export class TableModel implements ComputeModel {
  readonly name = 'table' as const;
  readonly device: DevicePreset;
  /** key|precision → sorted x and mean times. */
  private readonly lines = new Map<string, { x: number[]; t: number[]; interpolate: boolean }>();
  /** family|precision → its entries, shape ranges and (once used) forest. */
  private readonly families = new Map<string, Family>();
  private readonly warned = new Set<string>();
  private readonly forestOptions: ForestOptions;
  readonly entries: number;
  readonly stats: TableStats = { exact: 0, interpolated: 0, learned: 0, fallback: 0 };

  constructor(device: DevicePreset, entries: readonly TableEntry[], private readonly fallback: ComputeModel, forest: Partial<ForestOptions> = {}) {
    this.device = device;
    this.entries = entries.length;
    this.forestOptions = { ...DEFAULT_FOREST, ...forest };
    const acc = new Map<string, Map<number, [number, number]>>();
    for (const e of entries) {
      const { key, x } = split(e.kernel);
      const k = `${key}|${canonPrecision(e.precision)}`;
      let m = acc.get(k);
      if (!m) acc.set(k, (m = new Map()));
      const s = m.get(x) ?? [0, 0];
      s[0] += e.timeNs;
      s[1]++;
      m.set(x, s);
      const sh = shape(e.kernel), fk = `${sh.family}|${canonPrecision(e.precision)}`;
      let f = this.families.get(fk);
      if (!f) this.families.set(fk, (f = { entries: [], names: sh.names, min: sh.values.map(() => Infinity), max: sh.values.map(() => -Infinity) }));
      f.entries.push(e);
      sh.values.forEach((v, i) => { f.min[i] = Math.min(f.min[i]!, v); f.max[i] = Math.max(f.max[i]!, v); });
    }
    for (const [k, m] of acc) {
      const xs = [...m.keys()].sort((a, b) => a - b);
      this.lines.set(k, { x: xs, t: xs.map((x) => m.get(x)![0] / m.get(x)![1]), interpolate: k.startsWith('matmul|') || k.startsWith('attention|') });
    }
  }

  private fall(k: KernelDesc, p: Precision, reason: string): KernelEstimate {
    this.stats.fallback++;
    this.warned.add(`table model: ${shape(k).family} ${reason} on ${this.device.name} ${p}; using the ${this.fallback.name} model`);
    return this.fallback.kernel(k, p);
  }

  /** The forest's features: ln of the shape fields and of the fallback's time (the last one). */
  private features(values: readonly number[], fallbackNs: number): number[] {
    return [...values.map(Math.log), Math.log(fallbackNs)];
  }

  /** The family's forest, fitted at its first use on ln(measured / fallback) of its entries. */
  private forest(f: Family, famKey: string): RegressionForest {
    if (!f.forest) {
      const X = f.entries.map((e) => this.features(shape(e.kernel).values, this.fallback.kernel(e.kernel, e.precision).timeNs));
      const y = f.entries.map((e, i) => Math.log(e.timeNs) - X[i]![X[i]!.length - 1]!);
      f.forest = RegressionForest.fit(X, y, { ...this.forestOptions, seed: `${this.forestOptions.seed}/${this.device.name}/${famKey}` });
    }
    return f.forest;
  }

  private measured(k: KernelDesc, p: Precision, t: number): KernelEstimate {
    const est = this.fallback.kernel(k, p); // for the bound the measurement does not give
    return { timeNs: t, flops: kernelFlops(k), bytes: kernelBytes(k, p, this.device), bound: est.bound };
  }

  kernel(k: KernelDesc, p: Precision): KernelEstimate {
    const { key, x } = split(k);
    const line = this.lines.get(`${key}|${canonPrecision(p)}`);
    if (line) {
      const xs = line.x;
      if (x >= xs[0]! && x <= xs[xs.length - 1]!) {
        let lo = 0, hi = xs.length - 1;
        while (hi - lo > 1) {
          const mid = (lo + hi) >> 1;
          if (xs[mid]! <= x) lo = mid; else hi = mid;
        }
        const exact = xs[lo] === x ? line.t[lo]! : xs[hi] === x ? line.t[hi]! : undefined;
        if (exact !== undefined) { this.stats.exact++; return this.measured(k, p, exact); }
        if (line.interpolate) {
          this.stats.interpolated++;
          return this.measured(k, p, line.t[lo]! + ((line.t[hi]! - line.t[lo]!) * (x - xs[lo]!)) / (xs[hi]! - xs[lo]!));
        }
      }
    }
    const sh = shape(k), famKey = `${sh.family}|${canonPrecision(p)}`;
    const f = this.families.get(famKey);
    if (!f) return this.fall(k, p, 'not in the table');
    const out = sh.values.findIndex((v, i) => v < f.min[i]! || v > f.max[i]!);
    if (out >= 0) return this.fall(k, p, `outside the measured range (${f.names[out]} ${f.min[out]}..${f.max[out]})`);
    const base = this.fallback.kernel(k, p);
    const X = this.features(sh.values, base.timeNs);
    this.stats.learned++;
    return { timeNs: base.timeNs * Math.exp(this.forest(f, famKey).predict(X)), flops: kernelFlops(k), bytes: kernelBytes(k, p, this.device), bound: base.bound };
  }

  op(flops: number, bytes: number, p: Precision): KernelEstimate {
    return this.fallback.op(flops, bytes, p);
  }

  warnings(): string[] {
    return [...this.warned];
  }
}
