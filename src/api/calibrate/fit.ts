/**
 * Fitting a cluster preset's link and protocol figures to measured collectives: the achieved efficiency of each
 * link type, the fixed overhead per collective, a scale on NCCL's latency table and (optionally) the NICs per node.
 * The NCCL-like model (collectives/nccl/) predicts each measurement; a deterministic coordinate search minimises the
 * mean |ln(predicted / measured)| over the measurements. Used by `orrery calibrate` and the collectives validation.
 */
import { ncclChoose, ncclShape, type NcclOp, type NcclShape } from '../../collectives/index.ts';
import type { ClusterInfo, LinkType, Topology } from '../../network/index.ts';

export interface Measurement {
  op: NcclOp;
  /** nccl-tests size in bytes (all-gather and reduce-scatter: the whole buffer; send/recv: the message). */
  bytes: number;
  /** Global NPU ids taking part (send/recv: the two ends). */
  group: number[];
  /** Measured time, ns. */
  timeNs: number;
  /** Which configuration this is (e.g. `all_reduce 16 ranks, 8 per node`), for reports. */
  config: string;
}

/** What the fit may change: `eff:<link>` per link type, `overheadNs`, `collectiveOverheadNs`, `latencyScale`, `nicsPerNode`. */
export type FitKey = `eff:${LinkType}` | 'overheadNs' | 'collectiveOverheadNs' | 'latencyScale' | 'nicsPerNode';

/** The model's time for one measurement on `topology` with `cluster`'s figures, ns. */
export function predictNs(topology: Topology, cluster: ClusterInfo, m: Measurement): number {
  const shape = ncclShape(topology, cluster, m.group);
  return ncclChoose(m.op, m.bytes, shape).timeNs;
}

/** Mean |ln(predicted / measured)|: the fit's objective (0 is a perfect fit). */
export function meanAbsLogError(topology: Topology, cluster: ClusterInfo, ms: readonly Measurement[]): number {
  // one shape per configuration (group), not per measurement: measurements share a handful of groups
  const shapes = new Map<readonly number[], NcclShape>();
  let s = 0;
  for (const m of ms) {
    let shape = shapes.get(m.group);
    if (!shape) shapes.set(m.group, (shape = ncclShape(topology, cluster, m.group)));
    s += Math.abs(Math.log(ncclChoose(m.op, m.bytes, shape).timeNs / m.timeNs));
  }
  return ms.length > 0 ? s / ms.length : 0;
}

function get(c: ClusterInfo, k: FitKey): number {
  if (k.startsWith('eff:')) return c.linkEfficiency[k.slice(4) as LinkType] ?? 1;
  if (k === 'overheadNs') return c.overheadNs ?? 0;
  if (k === 'collectiveOverheadNs') return c.collectiveOverheadNs ?? 0;
  if (k === 'latencyScale') return c.latencyScale ?? 1;
  return c.nicsPerNode ?? 1;
}

function set(c: ClusterInfo, k: FitKey, v: number): ClusterInfo {
  if (k.startsWith('eff:')) return { ...c, linkEfficiency: { ...c.linkEfficiency, [k.slice(4)]: Math.min(1, Math.max(0.005, v)) } };
  if (k === 'overheadNs') return { ...c, overheadNs: Math.min(1e7, Math.max(0, v)) };
  if (k === 'collectiveOverheadNs') return { ...c, collectiveOverheadNs: Math.min(1e7, Math.max(0, v)) };
  if (k === 'latencyScale') return { ...c, latencyScale: Math.min(20, Math.max(0.05, v)) };
  return { ...c, nicsPerNode: v };
}

/** Multiplicative steps of the coordinate search, coarse to fine. */
const STEPS = [1.6, 1.26, 1.12, 1.06, 1.03, 1.015];

/**
 * Fits `keys` of `base` to `ms`. Continuous figures move by multiplicative steps (×1.6 down to ×1.015, the overhead
 * from 1 µs when it starts at 0); `nicsPerNode` tries 1, 2, 4, … up to `maxNics`. Deterministic: same inputs, same fit.
 */
export function fitCluster(
  topology: Topology, base: ClusterInfo, ms: readonly Measurement[], keys: readonly FitKey[], maxNics = 8,
): { cluster: ClusterInfo; error: number } {
  let c = base;
  let best = meanAbsLogError(topology, c, ms);
  const try1 = (next: ClusterInfo) => {
    const e = meanAbsLogError(topology, next, ms);
    if (e < best - 1e-12) {
      best = e;
      c = next;
      return true;
    }
    return false;
  };
  const nics: number[] = [];
  for (let n = 1; n <= maxNics; n *= 2) nics.push(n);
  for (const step of STEPS) {
    for (let round = 0; round < 12; round++) {
      let moved = false;
      for (const k of keys) {
        if (k === 'nicsPerNode') {
          for (const n of nics) if (n !== get(c, k)) moved = try1(set(c, k, n)) || moved;
          continue;
        }
        const v = get(c, k);
        const start = (k === 'overheadNs' || k === 'collectiveOverheadNs') && v === 0 ? 1000 : v;
        if (!try1(set(c, k, start * step))) moved = try1(set(c, k, v === 0 ? 0 : v / step)) || moved;
        else moved = true;
      }
      if (!moved) break;
    }
  }
  return { cluster: c, error: best };
}
