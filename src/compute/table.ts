/**
 * The `table` compute model: measured kernel times, for the shapes that were measured and between them.
 *
 * - Exact: a kernel measured on the device at the precision (fp16 and bf16 share entries: the same tensor-core
 *   and memory rates on every shipped device) takes its measured time (the mean if measured more than once).
 * - Between: a GEMM whose (n, k, batch) was measured at other row counts m is interpolated linearly in m between
 *   the two nearest measured m (a GEMM's time is piecewise close to linear in m between wave steps); a memory-bound
 *   kernel of a measured kind, linearly in `elements`. Same for attention over seqQ with the other fields equal.
 * - Elsewhere (an unmeasured shape, outside the measured range, another device or precision): the fallback model
 *   (`kernel`), with a warning naming the reason, once per kind and reason.
 *
 * It is a lookup, not a learned regressor: shapes never measured get the analytical model, whose held-out error
 * `orrery validate` reports.
 */
import type { DevicePreset } from './devices.ts';
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

const canonPrecision = (p: Precision): Precision => (p === 'bf16' ? 'fp16' : p);

/** The kernel's fields except the one interpolated over (m, elements or seqQ), as a key; and that field's value. */
function split(k: KernelDesc): { key: string; x: number } {
  switch (k.type) {
    case 'matmul': return { key: `matmul|${k.n}|${k.k}|${k.batch ?? 1}`, x: k.m };
    case 'attention': return { key: `attention|${k.batch}|${k.heads}|${k.kvHeads ?? k.heads}|${k.seqKv}|${k.headDim}|${k.causal === true}|${k.flash}|${k.backward === true}`, x: k.seqQ };
    default: return { key: `${k.type}|${k.backward === true}`, x: k.elements };
  }
}

export class TableModel implements ComputeModel {
  readonly name = 'table' as const;
  readonly device: DevicePreset;
  /** key|precision → sorted x and mean times. */
  private readonly lines = new Map<string, { x: number[]; t: number[] }>();
  private readonly warned = new Set<string>();
  readonly entries: number;

  constructor(device: DevicePreset, entries: readonly TableEntry[], private readonly fallback: ComputeModel) {
    this.device = device;
    this.entries = entries.length;
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
    }
    for (const [k, m] of acc) {
      const xs = [...m.keys()].sort((a, b) => a - b);
      this.lines.set(k, { x: xs, t: xs.map((x) => m.get(x)![0] / m.get(x)![1]) });
    }
  }

  private fall(k: KernelDesc, p: Precision, reason: string): KernelEstimate {
    const w = `table model: ${k.type} ${reason} on ${this.device.name} ${p}; using the kernel model`;
    this.warned.add(w);
    return this.fallback.kernel(k, p);
  }

  kernel(k: KernelDesc, p: Precision): KernelEstimate {
    const { key, x } = split(k);
    const line = this.lines.get(`${key}|${canonPrecision(p)}`);
    if (!line) return this.fall(k, p, 'shape not in the table');
    const xs = line.x;
    if (x < xs[0]! || x > xs[xs.length - 1]!) return this.fall(k, p, `outside the measured range (${xs[0]}..${xs[xs.length - 1]})`);
    let lo = 0, hi = xs.length - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (xs[mid]! <= x) lo = mid; else hi = mid;
    }
    const t = xs[lo] === x ? line.t[lo]! : xs[hi] === x ? line.t[hi]! : line.t[lo]! + ((line.t[hi]! - line.t[lo]!) * (x - xs[lo]!)) / (xs[hi]! - xs[lo]!);
    const est = this.fallback.kernel(k, p); // for the bound and bytes the measurement does not give
    return { timeNs: t, flops: kernelFlops(k), bytes: kernelBytes(k, p, this.device), bound: est.bound };
  }

  op(flops: number, bytes: number, p: Precision): KernelEstimate {
    return this.fallback.op(flops, bytes, p);
  }

  warnings(): string[] {
    return [...this.warned];
  }
}
