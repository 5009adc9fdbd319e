/**
 * An NCCL-like collective model: NCCL's own tuner arithmetic (src/graph/tuning.cc) applied to a cluster preset's
 * links. For a collective shape (operation, ranks, nodes, ranks per node) it predicts, for every algorithm and
 * protocol NCCL would consider, time = latency + bytes / bandwidth, and picks the fastest, as NCCL does.
 * docs/collectives-nccl.md explains each choice.
 *
 * Units: NCCL's tables are in µs and GB/s; predictions here are in ns (1 GB/s = 1 B/ns), rounded once by the caller.
 */
import type { CollectiveOp } from '../types.ts';
import {
  coordinates, INTRA_NODE_LINKS, type ClusterInfo, type GpuArch, type Topology,
} from '../../network/index.ts';
import {
  BASE_LAT_US, HW_LAT_US, LL_MAX_BW, NCCL_BUFFSIZE_BYTES, NCCL_PROTOS, NET_OVERHEAD_US, P2P_LL_THRESHOLD_BYTES, PROTO_FACTOR, RING_LL128_MAX_BW_PER_CH,
  TREE_LL128_MAX_BW_PER_CH, TREE_MAX_BW_PER_CH, type HwClass, type NcclAlgo, type NcclProto,
} from './constants.ts';

/** Operations the model covers: the collectives, plus point-to-point send/recv between two ranks. */
export type NcclOp = CollectiveOp | 'sendrecv';

/** A group's link bandwidths as the model sees them, GB/s. */
export interface NcclLinks {
  /**
   * Ring edge bandwidth inside a node, per direction with both directions busy (collectives, all-to-all): the
   * slowest link type the group spans there (Infinity: none spanned).
   */
  intraBwGBps: number;
  /** The same one way (send/recv). */
  intraP2pBwGBps: number;
  /** One NIC's bandwidth one way (send/recv; Infinity: one node). */
  nicBwGBps: number;
  /**
   * A node's network bandwidth for the group per direction with both busy: min(ranks on the node, NICs per node) ×
   * one NIC, at most the node's network bound.
   */
  nodeNetBwGBps: number;
  /** NVLS algorithm bandwidth when the group can use NVLink SHARP (else undefined). */
  nvlsBwGBps?: number;
}

/**
 * What the tuner needs to know about a group on a cluster. The top-level bandwidths are achieved (efficiencies and
 * the node's network bound applied): they time the collective. `nominal` holds the same links at their rated
 * figures, which is what NCCL itself sees when it picks an algorithm and protocol.
 */
export interface NcclShape extends NcclLinks {
  nRanks: number;
  nNodes: number;
  /** Most ranks of the group on one node. */
  ranksPerNode: number;
  intraClass: 'nvlink' | 'pci';
  nominal: NcclLinks;
  /** Achieved fraction of what NCCL's tuner expects of LL and LL128 (cluster `protocolEfficiency`). */
  protoEff: { LL: number; LL128: number };
  /** NCCL may use LL128 (false across nodes without GPUDirect RDMA: cluster `ll128AcrossNodes`). */
  ll128: boolean;
  collnet: boolean;
  arch: GpuArch;
  channels: number;
  overheadNs: number;
  collectiveOverheadNs: number;
  /** Extra latency per network step, ns (cluster `networkStepNs`). */
  networkStepNs: number;
  latencyScale: number;
  /** A send across nodes through a staging buffer (cluster `stagingBytes`, `stagingGBps`); undefined: none. */
  staging?: { bytes: number; GBps: number };
  /** A send across nodes beyond a first window waits a round trip (cluster `netWindowBytes`, `netRoundTripNs`). */
  window?: { bytes: number; roundTripNs: number };
  /** A send inside a node through the sender's own buffer (cluster `nodeStagingGBps`, `nodeStagingBytes`). */
  nodeStaging?: { bytes: number; GBps: number };
}

/** A shape as a string of its numbers in a fixed order (for caches keyed by shape). */
export function ncclShapeKey(s: NcclShape): string {
  const l = (x: NcclLinks) => [x.intraBwGBps, x.intraP2pBwGBps, x.nicBwGBps, x.nodeNetBwGBps, x.nvlsBwGBps ?? '-'].join('|');
  return [
    s.nRanks, s.nNodes, s.ranksPerNode, s.intraClass, l(s), l(s.nominal), s.protoEff.LL, s.protoEff.LL128, s.ll128,
    s.collnet, s.arch, s.channels, s.overheadNs, s.collectiveOverheadNs, s.networkStepNs, s.latencyScale,
    s.staging ? `${s.staging.bytes}@${s.staging.GBps}` : '-', s.window ? `${s.window.bytes}@${s.window.roundTripNs}` : '-',
    s.nodeStaging ? `${s.nodeStaging.bytes}@${s.nodeStaging.GBps}` : '-',
  ].join('|');
}

export interface NcclCandidate {
  algo: NcclAlgo | 'p2p';
  proto: NcclProto;
  /** Predicted time, ns (unrounded). */
  timeNs: number;
  latencyNs: number;
  /** The model's algorithm bandwidth (nccl-tests size / transfer time), GB/s. */
  algBwGBps: number;
}

const log2i = (n: number) => Math.floor(Math.log2(n));
const col = (nNodes: number) => (nNodes <= 1 ? 0 : nNodes === 2 ? 1 : 2);

/** The tuner's view of `group` (global NPU ids) on a cluster topology. */
export function ncclShape(topology: Topology, cluster: ClusterInfo, group: readonly number[]): NcclShape {
  const dims = topology.dims;
  const seen = dims.map(() => new Set<number>());
  const nodes = new Map<string, number>();
  for (const npu of group) {
    const c = coordinates(topology, npu);
    let key = '';
    c.forEach((x, d) => {
      seen[d]!.add(x);
      if (!INTRA_NODE_LINKS.includes(cluster.links[d]!)) key += `${x},`;
    });
    nodes.set(key, (nodes.get(key) ?? 0) + 1);
  }
  let intraBw = Infinity;
  let intraP2p = Infinity;
  let intraRated = Infinity;
  let nicBw = Infinity;
  let nicDuplex = 1;
  let nicRated = Infinity;
  let pci = false;
  let nvlinkRaw = Infinity;
  let gpusPerNode = 1;
  dims.forEach((d, i) => {
    const link = cluster.links[i]!;
    const intra = INTRA_NODE_LINKS.includes(link);
    if (intra) gpusPerNode *= d.npus;
    if (seen[i]!.size < 2) return;
    const bw = d.bandwidthGBps * (cluster.linkEfficiency[link] ?? 1);
    const duplex = cluster.duplexEfficiency?.[link] ?? 1;
    if (intra) {
      intraBw = Math.min(intraBw, bw * duplex);
      intraP2p = Math.min(intraP2p, bw);
      intraRated = Math.min(intraRated, d.bandwidthGBps);
      if (link === 'pcie') pci = true;
      else nvlinkRaw = Math.min(nvlinkRaw, d.bandwidthGBps);
    } else {
      if (bw < nicBw) nicDuplex = duplex;
      nicBw = Math.min(nicBw, bw);
      nicRated = Math.min(nicRated, d.bandwidthGBps);
    }
  });
  let ranksPerNode = 0;
  for (const n of nodes.values()) ranksPerNode = Math.max(ranksPerNode, n);
  const nics = Math.min(ranksPerNode, cluster.nicsPerNode ?? gpusPerNode);
  const nvls = cluster.nvls === true && !pci && ranksPerNode >= 2 && Number.isFinite(nvlinkRaw);
  const cap = cluster.nodeNetworkGBps ?? Infinity;
  return {
    nRanks: group.length,
    nNodes: nodes.size,
    ranksPerNode,
    intraBwGBps: intraBw,
    intraP2pBwGBps: intraP2p,
    intraClass: pci ? 'pci' : 'nvlink',
    nicBwGBps: Math.min(nicBw, cap),
    nodeNetBwGBps: Math.min(nics * nicBw * nicDuplex, cap),
    ...(nvls ? { nvlsBwGBps: nvlinkRaw * (cluster.nvlsEfficiency ?? 1) } : {}),
    nominal: {
      intraBwGBps: intraRated,
      intraP2pBwGBps: intraRated,
      nicBwGBps: nicRated,
      nodeNetBwGBps: nics * nicRated,
      ...(nvls ? { nvlsBwGBps: nvlinkRaw } : {}),
    },
    // LL across nodes may have its own achieved fraction (cluster `netLLEfficiency`)
    protoEff: {
      LL: nodes.size > 1 && cluster.netLLEfficiency !== undefined ? cluster.netLLEfficiency : cluster.protocolEfficiency?.LL ?? 1,
      LL128: cluster.protocolEfficiency?.LL128 ?? 1,
    },
    ll128: nodes.size < 2 || cluster.ll128AcrossNodes !== false,
    collnet: cluster.collnet === true,
    arch: cluster.arch,
    channels: cluster.channels,
    overheadNs: cluster.overheadNs ?? 0,
    collectiveOverheadNs: cluster.collectiveOverheadNs ?? 0,
    networkStepNs: cluster.networkStepNs ?? 0,
    latencyScale: cluster.latencyScale ?? 1,
    ...(cluster.stagingBytes !== undefined && cluster.stagingGBps !== undefined ? { staging: { bytes: cluster.stagingBytes, GBps: cluster.stagingGBps } } : {}),
    ...(cluster.netWindowBytes !== undefined && cluster.netRoundTripNs !== undefined ? { window: { bytes: cluster.netWindowBytes, roundTripNs: cluster.netRoundTripNs } } : {}),
    ...(cluster.nodeStagingGBps !== undefined ? { nodeStaging: { bytes: cluster.nodeStagingBytes ?? NCCL_BUFFSIZE_BYTES, GBps: cluster.nodeStagingGBps } } : {}),
  };
}

/**
 * Every (algorithm, protocol) NCCL would consider for `op` of `bytes` (the nccl-tests size: all-gather and
 * reduce-scatter the whole buffer, all-to-all the bytes each rank sends in total) on `s`, with its predicted time.
 */
export function ncclCandidates(op: NcclOp, bytes: number, s: NcclShape): NcclCandidate[] {
  return candidatesOn(op, bytes, s, false);
}

/**
 * The same candidates as NCCL's tuner sees them: the rated link figures, NCCL's own latency table (no overheads, no
 * latency scale) and its protocol model (no protocol efficiency). NCCL picks from these.
 */
export function ncclTunerCandidates(op: NcclOp, bytes: number, s: NcclShape): NcclCandidate[] {
  return candidatesOn(op, bytes, s, true);
}

function candidatesOn(op: NcclOp, bytes: number, shape: NcclShape, tuner: boolean, only?: NcclPick): NcclCandidate[] {
  const out: NcclCandidate[] = [];
  const n = shape.nRanks;
  if (n < 2) return [{ algo: 'ring', proto: 'Simple', timeNs: 0, latencyNs: 0, algBwGBps: Infinity }];
  const s: NcclShape = tuner ? { ...shape, ...shape.nominal } : shape;
  // netSteps: network steps on the critical path, each `networkStepNs` longer than NCCL's table says
  const push = (algo: NcclCandidate['algo'], proto: NcclProto, latUs: number, bw: number, netSteps: number, extraNs = 0) => {
    if (only && (only.algo !== algo || only.proto !== proto)) return;
    const algBw = tuner || proto === 'Simple' ? bw : bw * s.protoEff[proto];
    if (!(algBw > 0)) return;
    const latencyNs = tuner
      ? latUs * 1e3
      : s.overheadNs + (algo === 'p2p' ? 0 : s.collectiveOverheadNs) + s.latencyScale * latUs * 1e3 + netSteps * s.networkStepNs + extraNs;
    out.push({ algo, proto, latencyNs, algBwGBps: algBw, timeNs: latencyNs + bytes / algBw });
  };
  const multi = s.nNodes > 1;
  const intraLat = (a: NcclAlgo, p: NcclProto) => HW_LAT_US[s.intraClass as HwClass][a][p];
  const interLat = (a: NcclAlgo, p: NcclProto) => HW_LAT_US.net[a][p];
  // the ring's bus bandwidth: the slowest of a node's ring edges and its network share
  const ringBus = Math.min(s.ranksPerNode > 1 ? s.intraBwGBps : Infinity, multi ? s.nodeNetBwGBps : Infinity);
  const c = col(s.nNodes);

  if (op === 'sendrecv' || op === 'alltoall') {
    // point-to-point: a peer on the node over the node's links, a peer elsewhere over the GPU's own NIC
    const perGpuNic = multi ? s.nodeNetBwGBps / s.ranksPerNode : Infinity;
    for (const p of ['LL', 'Simple'] as const) {
      const factor = p === 'LL' ? PROTO_FACTOR.ringLLOther : 1;
      const hop = multi ? interLat('ring', p) : intraLat('ring', p);
      let transfer: number; // ns per byte of `bytes`
      if (op === 'sendrecv') {
        const bw = multi ? s.nicBwGBps : s.intraP2pBwGBps;
        transfer = 1 / (p === 'LL' ? Math.min(bw * factor, LL_MAX_BW[s.arch][c]) : bw);
        // staged across nodes: the send ends when its last byte is in the buffer, not on the wire
        if (multi && s.staging && !tuner && bytes > 0) transfer = Math.max(1 / s.staging.GBps, (transfer * Math.max(0, bytes - s.staging.bytes)) / bytes);
        // inside a node in P2P read mode: the send ends when its last byte is in the sender's own buffer
        if (!multi && s.nodeStaging && !tuner && bytes > 0) transfer = Math.max(1 / s.nodeStaging.GBps, (transfer * Math.max(0, bytes - s.nodeStaging.bytes)) / bytes);
      } else {
        // each rank sends bytes/n to every other rank: (rpn-1)/n of it inside the node, the rest over its NIC
        const intraShare = (s.ranksPerNode - 1) / n;
        const interShare = (n - s.ranksPerNode) / n;
        const f = p === 'LL' ? factor : 1;
        transfer = Math.max(intraShare / (s.intraBwGBps * f), interShare / (perGpuNic * f));
      }
      // a send across nodes beyond the transport's first window waits one round trip for the receiver's reply
      const perPeer = op === 'sendrecv' ? bytes : (bytes / n);
      const windowNs = multi && s.window && perPeer > s.window.bytes ? s.window.roundTripNs : 0;
      push('p2p', p, BASE_LAT_US.ring[p] + hop, 1 / transfer, multi ? 1 : 0, windowNs);
    }
    return out;
  }

  // ring: every operation
  const nsteps = op === 'allreduce' ? 2 * (n - 1) : op === 'reducescatter' || op === 'allgather' ? n - 1 : n;
  const nInter = op === 'allreduce' ? 2 * (s.nNodes - 1) : s.nNodes - 1;
  const ratio = op === 'broadcast' || op === 'reduce' ? 1 : n / nsteps;
  for (const p of NCCL_PROTOS) {
    if (p === 'LL128' && !s.ll128) continue;
    let bus = ringBus;
    if (p === 'LL') {
      const f = multi || op === 'allreduce' || op === 'reduce' ? PROTO_FACTOR.ringLLAllReduceOrMultiNode : PROTO_FACTOR.ringLLOther;
      bus = Math.min(LL_MAX_BW[s.arch][c], bus * f);
    } else if (p === 'LL128') {
      const f = s.ranksPerNode < 2 ? PROTO_FACTOR.ringLL128OneRankPerNode : PROTO_FACTOR.ringLL128;
      bus = Math.min(bus * f, s.channels * RING_LL128_MAX_BW_PER_CH[s.arch][c]);
    }
    let intra = intraLat('ring', p);
    const inter = interLat('ring', p);
    if (multi) intra = Math.max(intra, NET_OVERHEAD_US * (p === 'Simple' ? 3 : 1));
    const lat = op === 'broadcast' || op === 'reduce'
      ? BASE_LAT_US.ring[p] + (n - 1) * (multi ? Math.max(intra, inter) : intra)
      : BASE_LAT_US.ring[p] + (nsteps - nInter) * intra + nInter * inter;
    push('ring', p, lat, bus * ratio, op === 'broadcast' || op === 'reduce' ? s.nNodes - 1 : nInter);
  }
  if (op !== 'allreduce') return out;

  // tree: all-reduce across nodes (a chain inside each node, double binary trees between nodes)
  if (multi) {
    const treeBus = Math.min(ringBus * PROTO_FACTOR.tree, s.channels * TREE_MAX_BW_PER_CH[s.arch][c]);
    for (const p of NCCL_PROTOS) {
      if (p === 'LL128' && !s.ll128) continue;
      let bus = treeBus;
      if (p === 'LL') bus = Math.min(bus * PROTO_FACTOR.treeLL, LL_MAX_BW[s.arch][c]);
      else if (p === 'LL128') bus = Math.min(bus * PROTO_FACTOR.treeLL128MultiNode, s.channels * TREE_LL128_MAX_BW_PER_CH[s.arch][c]);
      const lat = BASE_LAT_US.tree[p] + 2 * ((s.ranksPerNode - 1) * intraLat('tree', p) + log2i(s.nNodes) * interLat('tree', p));
      push('tree', p, lat, bus * 0.5, 2 * log2i(s.nNodes));
    }
  }
  // NVLS: the NVSwitch reduces (one node), or NVLS inside nodes and trees between them
  if (s.nvlsBwGBps !== undefined) {
    if (!multi) push('nvls', 'Simple', HW_LAT_US.nvlink.nvls.Simple, s.nvlsBwGBps, 0);
    else {
      const lat = HW_LAT_US.nvlink.nvlsTree.Simple + 2 * log2i(s.nNodes) * interLat('nvlsTree', 'Simple');
      push('nvlsTree', 'Simple', lat, Math.min(s.nvlsBwGBps, s.nodeNetBwGBps * 0.5), 2 * log2i(s.nNodes));
    }
  }
  // CollNet: the inter-node fabric reduces (SHARP): each node's data crosses its NICs once each way
  if (s.collnet && multi) {
    const rpn = s.ranksPerNode;
    const intraAlg = rpn > 1 ? s.intraBwGBps * rpn / (2 * (rpn - 1)) : Infinity;
    const lat = 2 * (Math.min(1, rpn - 1) * intraLat('collnet', 'Simple') + (rpn - 1) * 0.4) + interLat('collnet', 'Simple');
    push('collnet', 'Simple', lat, Math.min(intraAlg, s.nodeNetBwGBps), 2);
  }
  return out;
}

/**
 * NCCL's choice and its time: NCCL picks the (algorithm, protocol) its tuner predicts fastest on the rated figures
 * (ties: the order above, ring before tree); send/recv and all-to-all take NCCL's fixed point-to-point rule
 * (LL up to 16 KiB per peer, then Simple); the time is that candidate's on the achieved figures. On a machine
 * whose links fall short of their rating, NCCL's switch points stay where its tuner puts them.
 */
export function ncclChoose(op: NcclOp, bytes: number, s: NcclShape): NcclCandidate {
  return ncclTimeOf(op, bytes, s, ncclPick(op, bytes, s));
}

/** What NCCL runs: an algorithm and a protocol. */
export type NcclPick = Pick<NcclCandidate, 'algo' | 'proto'>;

/** NCCL's choice alone (it depends only on the shape's rated figures, the operation and the size). */
export function ncclPick(op: NcclOp, bytes: number, s: NcclShape): NcclPick {
  if (op === 'sendrecv' || op === 'alltoall') {
    // NCCL does not tune point-to-point: LL up to its threshold per peer, Simple above
    const perPeer = op === 'sendrecv' ? bytes : bytes / s.nRanks;
    return { algo: 'p2p', proto: perPeer <= P2P_LL_THRESHOLD_BYTES ? 'LL' : 'Simple' };
  }
  const tuned = ncclTunerCandidates(op, bytes, s);
  let pick = tuned[0]!;
  for (const c of tuned) if (c.timeNs < pick.timeNs) pick = c;
  return { algo: pick.algo, proto: pick.proto };
}

/** The achieved time of `pick` (the first candidate if the shape has no such pairing). */
export function ncclTimeOf(op: NcclOp, bytes: number, s: NcclShape, pick: NcclPick): NcclCandidate {
  return candidatesOn(op, bytes, s, false, pick)[0] ?? ncclCandidates(op, bytes, s)[0]!;
}

/** nccl-tests' size for a collective given Orrery's bytes per rank (all-gather: the per-rank input). */
export function ncclTestsBytes(op: NcclOp, bytesPerRank: number, ranks: number): number {
  return op === 'allgather' ? bytesPerRank * ranks : bytesPerRank;
}
