/**
 * Fitting a cluster preset's link and protocol figures to measured collectives: the achieved efficiency of each
 * link type, the fixed overhead per collective, a scale on NCCL's latency table and (optionally) the NICs per node.
 * The NCCL-like model (collectives/nccl/) predicts each measurement; a deterministic coordinate search minimises the
 * mean |ln(predicted / measured)| over the measurements. Used by `orrery calibrate` and the collectives validation.
 */
import { ncclChoose, ncclPick, ncclShape, ncclTimeOf, type NcclOp, type NcclPick, type NcclShape } from '../../collectives/index.ts';
import { INTRA_NODE_LINKS, type ClusterInfo, type LinkType, type Topology } from '../../network/index.ts';

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
  /** (slowest − fastest) / median of the measured runs, when the source gives them (Vidur's CSVs), for reports. */
  runSpread?: number;
}

/** What the fit may change: `eff:<link>` per link type, `overheadNs`, `collectiveOverheadNs`, `latencyScale`, `nicsPerNode`. */
export type FitKey =
  | `eff:${LinkType}` | 'proto:LL' | 'proto:LL128' | 'overheadNs' | 'collectiveOverheadNs' | 'latencyScale' | 'nicsPerNode'
  | 'nodeNetworkGBps' | `duplex:${LinkType}` | 'll128AcrossNodes' | 'networkStepNs' | 'stagingBytes' | 'stagingGBps'
  | 'netWindowBytes' | 'netRoundTripNs' | 'netLLEfficiency' | 'nodeStagingGBps';

/** The model's time for one measurement on `topology` with `cluster`'s figures, ns. */
export function predictNs(topology: Topology, cluster: ClusterInfo, m: Measurement): number {
  const shape = ncclShape(topology, cluster, m.group);
  return ncclChoose(m.op, m.bytes, shape).timeNs;
}

/**
 * Mean |ln(predicted / measured)|: the fit's objective (0 is a perfect fit). `picks`, NCCL's choice per measurement,
 * may be passed when known: it depends only on the discrete figures (NICs per node, LL128 across nodes), which the
 * continuous search does not move.
 */
export function meanAbsLogError(
  topology: Topology, cluster: ClusterInfo, ms: readonly Measurement[], picks?: readonly NcclPick[],
): number {
  // one shape per configuration (group), not per measurement: measurements share a handful of groups
  const shapes = new Map<readonly number[], NcclShape>();
  let s = 0;
  ms.forEach((m, i) => {
    let shape = shapes.get(m.group);
    if (!shape) shapes.set(m.group, (shape = ncclShape(topology, cluster, m.group)));
    const t = picks ? ncclTimeOf(m.op, m.bytes, shape, picks[i]!).timeNs : ncclChoose(m.op, m.bytes, shape).timeNs;
    s += Math.abs(Math.log(t / m.timeNs));
  });
  return ms.length > 0 ? s / ms.length : 0;
}

function get(c: ClusterInfo, k: FitKey): number {
  if (k.startsWith('eff:')) return c.linkEfficiency[k.slice(4) as LinkType] ?? 1;
  if (k === 'overheadNs') return c.overheadNs ?? 0;
  if (k === 'collectiveOverheadNs') return c.collectiveOverheadNs ?? 0;
  if (k === 'networkStepNs') return c.networkStepNs ?? 0;
  if (k === 'latencyScale') return c.latencyScale ?? 1;
  if (k === 'proto:LL' || k === 'proto:LL128') return c.protocolEfficiency?.[k.slice(6) as 'LL' | 'LL128'] ?? 1;
  if (k === 'nodeNetworkGBps') return c.nodeNetworkGBps ?? 0;
  if (k.startsWith('duplex:')) return c.duplexEfficiency?.[k.slice(7) as LinkType] ?? 1;
  if (k === 'stagingBytes') return c.stagingBytes ?? 0;
  if (k === 'stagingGBps') return c.stagingGBps ?? 0;
  if (k === 'netWindowBytes') return c.netWindowBytes ?? 0;
  if (k === 'netRoundTripNs') return c.netRoundTripNs ?? 0;
  if (k === 'netLLEfficiency') return c.netLLEfficiency ?? c.protocolEfficiency?.LL ?? 1;
  if (k === 'nodeStagingGBps') return c.nodeStagingGBps ?? 0;
  return c.nicsPerNode ?? 1;
}

function set(c: ClusterInfo, k: FitKey, v: number): ClusterInfo {
  if (k.startsWith('eff:')) return { ...c, linkEfficiency: { ...c.linkEfficiency, [k.slice(4)]: Math.min(1, Math.max(0.005, v)) } };
  if (k === 'overheadNs') return { ...c, overheadNs: Math.min(1e7, Math.max(0, v)) };
  if (k === 'collectiveOverheadNs') return { ...c, collectiveOverheadNs: Math.min(1e7, Math.max(0, v)) };
  if (k === 'networkStepNs') return { ...c, networkStepNs: Math.min(1e7, Math.max(0, v)) };
  if (k === 'latencyScale') return { ...c, latencyScale: Math.min(20, Math.max(0.05, v)) };
  if (k === 'proto:LL' || k === 'proto:LL128') {
    // LL carries 8 data bytes per 16-byte line: at most twice the quarter of the link NCCL's tuner counts
    return { ...c, protocolEfficiency: { ...c.protocolEfficiency, [k.slice(6)]: Math.min(k === 'proto:LL' ? 2 : 1, Math.max(0.05, v)) } };
  }
  if (k === 'nodeNetworkGBps') return { ...c, nodeNetworkGBps: Math.max(0.1, v) };
  if (k.startsWith('duplex:')) return { ...c, duplexEfficiency: { ...c.duplexEfficiency, [k.slice(7)]: Math.min(1, Math.max(0.05, v)) } };
  if (k === 'stagingBytes') return { ...c, stagingBytes: Math.min(2 ** 30, Math.max(1024, v)) };
  if (k === 'stagingGBps') return { ...c, stagingGBps: Math.min(1000, Math.max(0.01, v)) };
  if (k === 'netWindowBytes') return { ...c, netWindowBytes: v };
  if (k === 'netRoundTripNs') return { ...c, netRoundTripNs: Math.min(1e7, Math.max(0, v)) };
  if (k === 'netLLEfficiency') return { ...c, netLLEfficiency: Math.min(2, Math.max(0.05, v)) };
  if (k === 'nodeStagingGBps') return { ...c, nodeStagingGBps: Math.min(10000, Math.max(0.01, v)) };
  return { ...c, nicsPerNode: v };
}

/** First-window sizes `fitCluster` tries for `netWindowBytes`. */
export const WINDOWS: readonly number[] = [8, 16, 32, 64, 128, 256].map((k) => k * 1024);

/** Multiplicative steps of the coordinate search, coarse to fine. */
const STEPS = [1.6, 1.26, 1.12, 1.06, 1.03, 1.015];

/**
 * Fits `keys` of `base` to `ms`. Continuous figures move by multiplicative steps (×1.6 down to ×1.015, the overhead
 * from 1 µs when it starts at 0). The discrete ones are searched outside them: every combination of `nicsPerNode`
 * (1, 2, 4, … up to `maxNics`) and `ll128AcrossNodes` (true, false) gets its own search of the rest, and the best
 * wins (ties: the first, fewer NICs and LL128 on). Deterministic: same inputs, same fit.
 */
export function fitCluster(
  topology: Topology, base: ClusterInfo, ms: readonly Measurement[], keys: readonly FitKey[], maxNics = 8,
): { cluster: ClusterInfo; error: number } {
  const rest = keys.filter((k) => k !== 'nicsPerNode' && k !== 'll128AcrossNodes' && k !== 'netWindowBytes');
  let starts: ClusterInfo[] = [base];
  if (keys.includes('nicsPerNode')) {
    const nics: number[] = [];
    for (let n = 1; n <= maxNics; n *= 2) nics.push(n);
    starts = starts.flatMap((c) => nics.map((n) => ({ ...c, nicsPerNode: n })));
  }
  if (keys.includes('ll128AcrossNodes')) starts = starts.flatMap((c) => [true, false].map((v) => ({ ...c, ll128AcrossNodes: v })));

  const window = keys.includes('netWindowBytes');
  const noWindow = window ? rest.filter((k) => k !== 'netRoundTripNs') : rest;
  let best: { cluster: ClusterInfo; error: number } | undefined;
  let bestStart = base;
  for (const c of starts) {
    const r = search(topology, c, ms, noWindow);
    if (!best || r.error < best.error - 1e-12) [best, bestStart] = [r, c];
  }
  // the first window, a step in size the multiplicative search cannot find: each power of two from 8 KiB to
  // 256 KiB, its round trip from 0 (no effect), the rest searched afresh from the best start's discrete figures
  // (not from the fit without a window, whose network step has already taken the window's place)
  if (window) {
    const from = bestStart;
    for (const w of WINDOWS) {
      const r = search(topology, { ...from, netWindowBytes: w, netRoundTripNs: 0 }, ms, rest);
      if (r.error < best!.error - 1e-12) best = r;
    }
  }
  return best!;
}

function search(
  topology: Topology, base: ClusterInfo, ms: readonly Measurement[], keys: readonly FitKey[],
): { cluster: ClusterInfo; error: number } {
  let c = base;
  if (keys.includes('nodeNetworkGBps') && c.nodeNetworkGBps === undefined) {
    // start where the bound just touches a whole node's NICs: no effect until the search lowers it
    const d = c.links.findIndex((l) => !INTRA_NODE_LINKS.includes(l));
    if (d >= 0) {
      const nic = topology.dims[d]!.bandwidthGBps * (c.linkEfficiency[c.links[d]!] ?? 1);
      const gpus = topology.dims.slice(0, d).reduce((a, x) => a * x.npus, 1);
      c = { ...c, nodeNetworkGBps: nic * (c.nicsPerNode ?? gpus) };
    }
  }
  if (keys.includes('stagingBytes') && c.stagingBytes === undefined) {
    // start neutral: a 1 MiB buffer filled at the NIC's own rate changes no time until the search moves it
    const d = c.links.findIndex((l) => !INTRA_NODE_LINKS.includes(l));
    if (d >= 0) c = { ...c, stagingBytes: 2 ** 20, stagingGBps: topology.dims[d]!.bandwidthGBps * (c.linkEfficiency[c.links[d]!] ?? 1) };
  }
  if (keys.includes('nodeStagingGBps') && c.nodeStagingGBps === undefined) {
    // start neutral: the sender's buffer filled at the fastest intra-node link's own rate changes no time
    const rates = c.links.map((l, d) => (INTRA_NODE_LINKS.includes(l) ? topology.dims[d]!.bandwidthGBps * (c.linkEfficiency[l] ?? 1) : 0));
    c = { ...c, nodeStagingGBps: Math.max(...rates) };
  }
  const picks = ms.map((m) => ncclPick(m.op, m.bytes, ncclShape(topology, c, m.group)));
  let best = meanAbsLogError(topology, c, ms, picks);
  const try1 = (next: ClusterInfo) => {
    const e = meanAbsLogError(topology, next, ms, picks);
    if (e < best - 1e-12) {
      best = e;
      c = next;
      return true;
    }
    return false;
  };
  for (const step of STEPS) {
    for (let round = 0; round < 12; round++) {
      let moved = false;
      for (const k of keys) {
        const v = get(c, k);
        const start = (k === 'overheadNs' || k === 'collectiveOverheadNs' || k === 'networkStepNs' || k === 'netRoundTripNs') && v === 0 ? 1000 : v;
        if (!try1(set(c, k, start * step))) moved = try1(set(c, k, v === 0 ? 0 : v / step)) || moved;
        else moved = true;
      }
      if (!moved) break;
    }
  }
  return { cluster: c, error: best };
}
