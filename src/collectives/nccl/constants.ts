/**
 * NCCL's tuning figures (NVIDIA/nccl, src/graph/tuning.cc, 2.18-2.21 era): the facts its tuner uses to predict a
 * collective's time and pick an algorithm and protocol. Restated here as data; the code that uses them is ours
 * (tuner.ts). Latencies in µs, bandwidths in GB/s, as in the source.
 */
export type NcclAlgo = 'ring' | 'tree' | 'nvls' | 'nvlsTree' | 'collnet';
export type NcclProto = 'LL' | 'LL128' | 'Simple';
export const NCCL_PROTOS: readonly NcclProto[] = ['LL', 'LL128', 'Simple'];
/** Hardware classes of NCCL's latency table. */
export type HwClass = 'nvlink' | 'pci' | 'net';

type PerProto = Record<NcclProto, number>;
const p = (LL: number, LL128: number, Simple: number): PerProto => ({ LL, LL128, Simple });

/** `baseLat`: fixed latency per algorithm and protocol, µs. */
export const BASE_LAT_US: Record<NcclAlgo, PerProto> = {
  tree: p(6.8, 14.0, 8.4),
  ring: p(6.6, 14.0, 8.4),
  collnet: p(0, 0, 0),
  nvls: p(0, 0, 0),
  nvlsTree: p(0, 0, 0),
};

/** `hwLat`: latency per step, per hardware class, algorithm and protocol, µs (0 where NCCL has no such pairing). */
export const HW_LAT_US: Record<HwClass, Record<NcclAlgo, PerProto>> = {
  nvlink: { tree: p(0.6, 1.25, 4), ring: p(0.6, 1.9, 3.4), collnet: p(0, 0, 3.7), nvls: p(0, 0, 25), nvlsTree: p(0, 0, 25) },
  pci: { tree: p(1.0, 1.9, 4), ring: p(1.0, 2.5, 5.7), collnet: p(0, 0, 3.7), nvls: p(0, 0, 0), nvlsTree: p(0, 0, 0) },
  net: { tree: p(5.0, 8.5, 14), ring: p(2.7, 4.0, 14.0), collnet: p(0, 0, 31), nvls: p(0, 0, 18), nvlsTree: p(0, 0, 14) },
};

/**
 * NCCL_P2P_LL_THRESHOLD's default (src/enqueue.cc): point-to-point transfers of at most this many bytes per peer use
 * LL, larger ones Simple. Send/recv are not tuned: this threshold is NCCL's whole protocol choice for them.
 */
export const P2P_LL_THRESHOLD_BYTES = 16384;

/** NCCL_BUFFSIZE's default (src/init.cc, DEFAULT_BUFFSIZE): the Simple protocol's buffer per connection, bytes. */
export const NCCL_BUFFSIZE_BYTES = 4 * 2 ** 20;

/** `getNetOverhead`: per-step CPU proxy overhead of inter-node rings, µs (Intel hosts; AMD 2). */
export const NET_OVERHEAD_US = 1;

/** Architecture rows of the per-channel tables; columns are 1 node, 2 nodes, more nodes. */
type ArchRow = [number, number, number];
/** `llMaxBws`: LL protocol's cap on the whole collective's bus bandwidth, GB/s. */
export const LL_MAX_BW: Record<'volta' | 'ampere' | 'hopper', ArchRow> = {
  volta: [39.0, 39.0, 20.4],
  ampere: [87.7, 22.5, 19.0],
  hopper: [141.0, 45.0, 35.0],
};
/** `perChMaxRingLL128Bws`: LL128 ring bandwidth per channel, GB/s. */
export const RING_LL128_MAX_BW_PER_CH: Record<'volta' | 'ampere' | 'hopper', ArchRow> = {
  volta: [20.0, 20.0, 20.0],
  ampere: [20.0, 20.0, 20.0],
  hopper: [36.7, 36.7, 36.7],
};
/** `perChMaxTreeLL128Bws`. */
export const TREE_LL128_MAX_BW_PER_CH: Record<'volta' | 'ampere' | 'hopper', ArchRow> = {
  volta: [20.0, 20.0, 20.0],
  ampere: [20.0, 20.0, 20.0],
  hopper: [36.7, 36.7, 29.0],
};
/** `perChMaxTreeBws` (Simple). */
export const TREE_MAX_BW_PER_CH: Record<'volta' | 'ampere' | 'hopper', ArchRow> = {
  volta: [26.5, 18.5, 10.0],
  ampere: [24.0, 23.6, 17.8],
  hopper: [38.7, 41.4, 36.0],
};

/**
 * Protocol efficiencies NCCL's model applies to the link bus bandwidth: LL moves 8 bytes of data per 16-byte line
 * (the rest is flags) and NCCL's model charges it 1/4 of the bandwidth for all-reduce or multi-node, 1/3 otherwise;
 * LL128 moves 120 of every 128 bytes (NCCL: 0.92, or 0.7 with fewer than 2 ranks per node); tree Simple 0.92, tree LL
 * 1/3.8, tree LL128 7/9 on one node and 120/128 across nodes.
 */
export const PROTO_FACTOR = {
  ringLLAllReduceOrMultiNode: 1 / 4,
  ringLLOther: 1 / 3,
  ringLL128: 0.92,
  ringLL128OneRankPerNode: 0.7,
  tree: 0.92,
  treeLL: 1 / 3.8,
  treeLL128OneNode: 7 / 9,
  treeLL128MultiNode: 120 / 128,
} as const;
