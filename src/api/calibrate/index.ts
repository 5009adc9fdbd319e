/**
 * `orrery calibrate`: fit a cluster preset's link and protocol figures to a user's measured collectives (nccl-tests
 * logs, Vidur-format CSVs) and produce a cluster file (`orrery-cluster`, usable as `--topology FILE.json:<nodes>`).
 */
import { COLLECTIVE_OPS, ncclPick, ncclShape, P2P_LL_THRESHOLD_BYTES, type NcclOp } from '../../collectives/index.ts';
import { InputError, readNcclTestsLog, readVidurNetworkCsv } from '../../io/index.ts';
import { INTRA_NODE_LINKS, type ClusterInfo } from '../../network/index.ts';
import { loadClusterPreset, resolveTopology } from '../topology.ts';
import { fitCluster, predictNs, WINDOWS, type FitKey, type Measurement } from './fit.ts';

export { fitCluster, predictNs, meanAbsLogError, type FitKey, type Measurement } from './fit.ts';

export interface CalibrateSpec {
  /** Cluster preset name (`dgx-a100`) or path to an orrery-cluster file. */
  preset: string;
  /** nccl-tests logs; `op` and `ranks` when the log does not say. */
  ncclTests?: { path: string; op?: string; ranks?: number }[];
  /** Vidur network profile CSVs. */
  vidur?: string[];
}

export interface CalibrationRow {
  source: string;
  op: string;
  config: string;
  bytes: number;
  measuredUs: number;
  /** With the preset's figures, before the fit. */
  presetUs: number;
  predictedUs: number;
  errorPct: number;
}

export interface CalibrateResult {
  /** The calibrated cluster file's JSON. */
  document: Record<string, unknown>;
  fitted: FitKey[];
  rows: CalibrationRow[];
  medianAbsErrorPct: number;
  presetMedianAbsErrorPct: number;
}

const OPS: readonly string[] = [...COLLECTIVE_OPS.filter((o) => o !== 'barrier'), 'sendrecv'];

export function calibrate(spec: CalibrateSpec): CalibrateResult {
  const { preset, path } = loadClusterPreset(spec.preset);
  const gpusPerNode = preset.node.reduce((a, d) => a * d.npus, 1);
  type Raw = { source: string; op: NcclOp; ranks: number; nodes: number; bytes: number; timeNs: number };
  const raw: Raw[] = [];
  for (const log of spec.ncclTests ?? []) {
    const l = readNcclTestsLog(log.path);
    const op = log.op ?? l.op;
    if (op === undefined || !OPS.includes(op)) {
      throw new InputError(`${log.path}: cannot tell the operation (no nccl-tests binary name in the log or file name); give one of: ${OPS.join(', ')}`);
    }
    const ranks = log.ranks ?? l.ranks;
    if (ranks === undefined) throw new InputError(`${log.path}: the log names no ranks (no "#  Rank" or "nGpus" lines); give the rank count`);
    for (const r of l.rows) raw.push({ source: log.path, op: op as NcclOp, ranks, nodes: l.nodes, bytes: r.bytes, timeNs: r.timeUs * 1e3 });
  }
  for (const f of spec.vidur ?? []) {
    for (const r of readVidurNetworkCsv(f)) {
      raw.push({ source: f, op: r.collective === 'all_reduce' ? 'allreduce' : 'sendrecv', ranks: r.ranks, nodes: r.ranks / r.ranksPerNode, bytes: r.bytes, timeNs: r.timeNs });
    }
  }
  if (raw.length === 0) throw new InputError('calibrate: no measurements; give nccl-tests logs and/or Vidur CSVs');
  for (const r of raw) {
    if (!Number.isInteger(r.nodes) || r.ranks % r.nodes !== 0 || r.ranks / r.nodes > gpusPerNode) {
      throw new InputError(`${r.source}: ${r.ranks} ranks on ${r.nodes} node(s) do not fit ${preset.name}'s ${gpusPerNode} GPUs per node`);
    }
  }
  const nodes = Math.max(...raw.map((r) => r.nodes));
  const { topology } = resolveTopology({ topology: `${path}:${nodes}` });
  const base = topology.cluster!;
  const groups = new Map<string, number[]>();
  const ms: (Measurement & { source: string })[] = raw.map((r) => {
    const rpn = r.ranks / r.nodes;
    // send/recv: the slowest pair (across nodes when there are several)
    const key = r.op === 'sendrecv' ? `p2p/${r.nodes > 1}` : `${r.nodes}x${rpn}`;
    if (!groups.has(key)) {
      const g: number[] = [];
      if (r.op === 'sendrecv') g.push(0, r.nodes > 1 ? gpusPerNode : 1);
      else for (let n = 0; n < r.nodes; n++) for (let i = 0; i < rpn; i++) g.push(n * gpusPerNode + i);
      groups.set(key, g);
    }
    return { source: r.source, op: r.op, bytes: r.bytes, group: groups.get(key)!, timeNs: r.timeNs, config: `${r.op} ${r.ranks} ranks on ${r.nodes} node${r.nodes > 1 ? 's' : ''}` };
  });
  // fit what the data can tell: the efficiency of every link type it spans, the overheads, the latency scale, and
  // the NICs per node when collectives span nodes with several ranks per node
  const spanned = new Set<string>();
  for (const m of ms) {
    const nodesOf = new Set(m.group.map((g) => Math.floor(g / gpusPerNode)));
    topology.dims.forEach((_d, i) => {
      const link = base.links[i]!;
      const intra = INTRA_NODE_LINKS.includes(link);
      if (intra ? m.group.some((g) => m.group.some((h) => Math.floor(g / gpusPerNode) === Math.floor(h / gpusPerNode) && g !== h)) : nodesOf.size > 1) spanned.add(link);
    });
  }
  const keys: FitKey[] = [...[...spanned].map((l) => `eff:${l}` as FitKey), 'overheadNs', 'latencyScale'];
  const p2p = ms.some((m) => m.op === 'sendrecv');
  const coll = ms.filter((m) => m.op !== 'sendrecv');
  const nodesOf = (m: Measurement) => new Set(m.group.map((g) => Math.floor(g / gpusPerNode))).size;
  // a protocol's achieved fraction shows in collectives NCCL runs with it (on the preset's figures)
  const protos = new Set(coll.map((m) => ncclPick(m.op, m.bytes, ncclShape(topology, base, m.group)).proto));
  for (const p of ['LL', 'LL128'] as const) if (protos.has(p)) keys.push(`proto:${p}`);
  if (p2p && coll.length > 0) keys.push('collectiveOverheadNs');
  // one-way send/recv (Vidur's) against collectives shows each link's duplex efficiency; nccl-tests' sendrecv_perf
  // already sends and receives at once on every GPU, so it cannot
  if (coll.length > 0 && ms.some((m) => m.op === 'sendrecv' && m.source.toLowerCase().endsWith('.csv'))) {
    for (const l of spanned) keys.push(`duplex:${l}` as FitKey);
  }
  if (ms.some((m) => nodesOf(m) > 1)) keys.push('networkStepNs');
  // one-way send/recv across nodes (Vidur's: rank 0's send kernel alone) shows the staging buffer the send leaves
  // behind; nccl-tests' sendrecv_perf waits for the receives too
  if (ms.some((m) => m.op === 'sendrecv' && nodesOf(m) > 1 && m.source.toLowerCase().endsWith('.csv'))) keys.push('stagingBytes', 'stagingGBps');
  // one-way send/recv inside a node (Vidur's) shows the sender's own buffer in NCCL's P2P read mode
  if (ms.some((m) => m.op === 'sendrecv' && nodesOf(m) === 1 && m.source.toLowerCase().endsWith('.csv'))) keys.push('nodeStagingGBps');
  // send/recv across nodes on either side of the transport's first window, and with LL (≤ 16 KiB) and Simple, show
  // the window's round trip and LL's own fraction across nodes
  const p2pNet = ms.filter((m) => m.op === 'sendrecv' && nodesOf(m) > 1);
  if (p2pNet.some((m) => m.bytes <= WINDOWS[0]!) && p2pNet.some((m) => m.bytes > WINDOWS[WINDOWS.length - 1]!)) keys.push('netWindowBytes', 'netRoundTripNs');
  if (p2pNet.some((m) => m.bytes <= P2P_LL_THRESHOLD_BYTES) && ms.some((m) => nodesOf(m) === 1 && m.bytes <= P2P_LL_THRESHOLD_BYTES)) keys.push('netLLEfficiency');
  if (coll.some((m) => nodesOf(m) > 1)) keys.push('ll128AcrossNodes');
  if (coll.some((m) => nodesOf(m) > 1 && m.group.length > 2)) keys.push('nicsPerNode', 'nodeNetworkGBps');
  const { cluster } = fitCluster(topology, base, ms, keys, gpusPerNode);
  const rows: CalibrationRow[] = ms.map((m) => {
    const p = predictNs(topology, cluster, m);
    return {
      source: m.source, op: m.op, config: m.config, bytes: m.bytes, measuredUs: m.timeNs / 1e3,
      presetUs: predictNs(topology, base, m) / 1e3, predictedUs: p / 1e3, errorPct: (100 * (p - m.timeNs)) / m.timeNs,
    };
  });
  const med = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); const k = s.length >> 1; return s.length % 2 ? s[k]! : (s[k - 1]! + s[k]!) / 2; };
  const medianAbsErrorPct = med(rows.map((r) => Math.abs(r.errorPct)));
  const presetMedianAbsErrorPct = med(rows.map((r) => Math.abs((100 * (r.presetUs - r.measuredUs)) / r.measuredUs)));
  const files = [...new Set(ms.map((m) => m.source))].join(', ');
  const note = `fitted by orrery calibrate on ${ms.length} measurements (${files}); median |error| ${medianAbsErrorPct.toFixed(1)} %`;
  const { links: _links, sources: _sources, device: _device, ...nccl } = cluster as ClusterInfo;
  const sources: Record<string, string> = { ...preset.sources };
  for (const k of keys) sources[sourceKey(k)] = note;
  const document: Record<string, unknown> = {
    format: 'orrery-cluster',
    version: 1,
    name: `${preset.name}-calibrated`,
    description: `${preset.description}; ${note}`,
    ...(preset.device ? { device: preset.device } : {}),
    nodes,
    node: preset.node,
    ...(preset.network ? { network: preset.network } : {}),
    nccl,
    sources,
  };
  return { document, fitted: keys, rows, medianAbsErrorPct, presetMedianAbsErrorPct };
}

/** The cluster file's key for a fitted figure (`sources` names it). */
function sourceKey(k: FitKey): string {
  if (k.startsWith('eff:')) return `nccl.linkEfficiency.${k.slice(4)}`;
  if (k.startsWith('duplex:')) return `nccl.duplexEfficiency.${k.slice(7)}`;
  if (k.startsWith('proto:')) return `nccl.protocolEfficiency.${k.slice(6)}`;
  return `nccl.${k}`;
}
