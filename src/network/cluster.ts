/**
 * What a GPU cluster preset says beyond its logical dimensions: the physical link type of each dimension, the
 * achieved fraction of each link type's bandwidth, NICs per node, and the NCCL features the machine has (NVLS,
 * CollNet). Plain data: the NCCL-like collective model (collectives/nccl/) reads it; the network models do not.
 *
 * Dimensions whose link type is `nvlink` or `pcie` are inside a node; `infiniband`, `roce` and `ethernet` dimensions
 * connect nodes, and their `bandwidthGBps` is per NIC per direction.
 */
export type LinkType = 'nvlink' | 'pcie' | 'infiniband' | 'roce' | 'ethernet';
export const LINK_TYPES: readonly LinkType[] = ['nvlink', 'pcie', 'infiniband', 'roce', 'ethernet'];
export const INTRA_NODE_LINKS: readonly LinkType[] = ['nvlink', 'pcie'];

export type GpuArch = 'volta' | 'ampere' | 'hopper';
export const GPU_ARCHS: readonly GpuArch[] = ['volta', 'ampere', 'hopper'];

export interface ClusterInfo {
  /** Link type of each logical dimension, dim 0 first. */
  links: LinkType[];
  /** Achieved fraction of a link's bandwidth (0, 1], per link type; a type not listed reaches 1. */
  linkEfficiency: Partial<Record<LinkType, number>>;
  /** GPU generation: picks NCCL's per-architecture bandwidth caps. */
  arch: GpuArch;
  /** Device preset the cluster's GPUs are (compute/workload `getDevice` name). */
  device?: string;
  /** NICs per node (default: one per GPU of the node). */
  nicsPerNode?: number;
  /** NCCL channels (rings/trees run in parallel); caps the LL128 and tree bandwidth per channel. */
  channels: number;
  /** NVLink SHARP (in-switch reduction) available on the node's NVSwitch (H100 and later). */
  nvls?: boolean;
  /** Achieved NVLS algorithm bandwidth as a fraction of the NVLink bandwidth per GPU. */
  nvlsEfficiency?: number;
  /** In-network reduction on the inter-node fabric (SHARP; NCCL's CollNet). */
  collnet?: boolean;
  /** Fixed time added to every collective: kernel launch and what the measurement includes, ns. */
  overheadNs?: number;
  /**
   * Extra fixed time of collectives (not of send/recv), ns: what a measurement adds around collective kernels
   * beyond point-to-point ones (Vidur's all-reduce floor is ~40 µs above its send/recv floor). Fitted; default 0.
   */
  collectiveOverheadNs?: number;
  /**
   * Latency added to each network step of a collective (and to a send/recv across nodes) beyond NCCL's latency
   * table, ns: the network path's own latency (a send/recv across nodes shows it). Fitted per system; default 0.
   */
  networkStepNs?: number;
  /** Multiplier on NCCL's latency table (base and per-hop latencies), fitted per system; default 1. */
  latencyScale?: number;
  /**
   * Achieved bandwidth of NCCL's LL and LL128 protocols as a fraction of what NCCL's tuner expects of them (its
   * protocol factors and per-channel caps on the achieved link figures); Simple is the link efficiency itself.
   * LL may reach 2: it carries 8 data bytes per 16-byte line, half the link at most, where NCCL's tuner counts a
   * quarter for all-reduce. Fitted per system; default 1.
   */
  protocolEfficiency?: Partial<Record<'LL' | 'LL128', number>>;
  /**
   * The most a node moves across the network per direction, whatever its NICs, GB/s: a host-side bound (PCIe root,
   * host memory when NIC traffic is staged there without GPUDirect RDMA). Fitted per system; default none.
   */
  nodeNetworkGBps?: number;
  /**
   * Per link type, the fraction of its one-way achieved bandwidth (`linkEfficiency`) a link reaches per direction
   * when both directions are busy, as in collectives (a ring sends to the next rank while it receives from the
   * previous one); a one-way send/recv reaches the whole. A type not listed: 1 (full duplex).
   */
  duplexEfficiency?: Partial<Record<LinkType, number>>;
  /**
   * Whether NCCL runs LL128 across nodes. NCCL enables it only where the NIC is reached through a PCIe switch,
   * i.e. with GPUDirect RDMA (src/graph/tuning.cc: typeInter <= PATH_PXB); default true.
   */
  ll128AcrossNodes?: boolean;
  /**
   * A send to another node whose data is staged (host memory without GPUDirect RDMA; NCCL's FIFO): the sender's
   * kernel ends once its last byte is in the staging buffer, which fills at `stagingGBps` while the NIC drains it, so
   * up to `stagingBytes` may still be waiting when it ends. A send/recv across nodes then takes
   * max(bytes / stagingGBps, (bytes − stagingBytes) / NIC) instead of bytes / NIC: faster than the NIC up to about the
   * buffer's size, the NIC's rate well above it. Both or neither; fitted per system (Vidur's A100 and A40 pairs);
   * default none.
   */
  stagingBytes?: number;
  stagingGBps?: number;
  /**
   * A send to another node larger than `netWindowBytes` waits one extra round trip, `netRoundTripNs`, before its
   * remainder goes: the transport sends a first window unacknowledged and the rest only after the receiver's reply
   * (TCP's congestion window over NCCL's socket transport on Ethernet: the A40 pairs' send/recv across nodes takes
   * 21-31 µs up to 26 KiB and 69-76 µs from 34 KiB, then rises at the wire's rate). Point-to-point only; both or
   * neither; fitted per system; default none.
   */
  netWindowBytes?: number;
  netRoundTripNs?: number;
  /**
   * LL's achieved fraction (as `protocolEfficiency.LL`) for a group that spans nodes, where it differs from inside a
   * node: across nodes without GPUDirect RDMA NCCL's proxy moves LL's 16-byte lines (8 data bytes, 8 flag bytes)
   * through host memory and the socket, not the GPU's stores over NVLink/PCIe. Up to 2; default:
   * `protocolEfficiency.LL`. Fitted per system (the A40 pairs).
   */
  netLLEfficiency?: number;
  /**
   * A send to a GPU of the same node in NCCL's P2P read mode (NVLink on Ampere and later: the receiver reads from the
   * sender's buffer): the sender's kernel ends once its last byte is in its own buffer, which it fills at
   * `nodeStagingGBps` while the receiver reads it over the link, up to `nodeStagingBytes` ahead (NCCL_BUFFSIZE, 4 MiB
   * by default). A send/recv inside a node then takes max(bytes / nodeStagingGBps, (bytes − nodeStagingBytes) / link)
   * instead of bytes / link. Fitted per system (Vidur's one-way send/recv); default none.
   */
  nodeStagingGBps?: number;
  nodeStagingBytes?: number;
  /** Where each figure comes from, by key. */
  sources?: Record<string, string>;
}

/** Checks a cluster section against the topology's dimension count; returns an error message or undefined. */
/** The optional scalar figures of ClusterInfo and whether each must be positive (else non-negative). */
type NumberKey = { [K in keyof ClusterInfo]-?: ClusterInfo[K] extends number | undefined ? K : never }[keyof ClusterInfo];
const OPTIONAL_NUMBERS: [NumberKey, boolean][] = [
  ['overheadNs', false], ['collectiveOverheadNs', false], ['networkStepNs', false], ['latencyScale', true],
  ['stagingBytes', false], ['stagingGBps', true], ['netWindowBytes', false], ['netRoundTripNs', false],
  ['nodeStagingGBps', true], ['nodeStagingBytes', false], ['nodeNetworkGBps', true],
];

export function checkClusterInfo(c: ClusterInfo, dims: number): string | undefined {
  if (!Array.isArray(c.links) || c.links.length !== dims) return `links: expected ${dims} link types (one per dimension), got ${JSON.stringify(c.links)}`;
  for (const l of c.links) if (!LINK_TYPES.includes(l)) return `links: unknown link type "${String(l)}"; expected one of: ${LINK_TYPES.join(', ')}`;
  for (const [k, v] of Object.entries(c.linkEfficiency ?? {})) {
    if (!LINK_TYPES.includes(k as LinkType)) return `linkEfficiency: unknown link type "${k}"; expected one of: ${LINK_TYPES.join(', ')}`;
    if (typeof v !== 'number' || !(v > 0 && v <= 1)) return `linkEfficiency.${k}: expected a number in (0, 1], got ${JSON.stringify(v)}`;
  }
  if (!GPU_ARCHS.includes(c.arch)) return `arch: expected one of ${GPU_ARCHS.join(', ')}, got ${JSON.stringify(c.arch)}`;
  if (!Number.isInteger(c.channels) || c.channels < 1) return `channels: expected a positive integer, got ${JSON.stringify(c.channels)}`;
  if (c.nicsPerNode !== undefined && (!Number.isInteger(c.nicsPerNode) || c.nicsPerNode < 1)) return `nicsPerNode: expected a positive integer, got ${JSON.stringify(c.nicsPerNode)}`;
  if (c.nvlsEfficiency !== undefined && !(c.nvlsEfficiency > 0 && c.nvlsEfficiency <= 1)) return `nvlsEfficiency: expected a number in (0, 1], got ${JSON.stringify(c.nvlsEfficiency)}`;
  for (const [key, positive] of OPTIONAL_NUMBERS) {
    const v = c[key];
    if (v !== undefined && (typeof v !== 'number' || !(positive ? v > 0 : v >= 0))) return `${key}: expected a ${positive ? 'positive' : 'non-negative'} number, got ${JSON.stringify(v)}`;
  }
  for (const [k, v] of Object.entries(c.protocolEfficiency ?? {})) {
    if (k !== 'LL' && k !== 'LL128') return `protocolEfficiency: unknown protocol "${k}"; expected one of: LL, LL128`;
    const max = k === 'LL' ? 2 : 1;
    if (typeof v !== 'number' || !(v > 0 && v <= max)) return `protocolEfficiency.${k}: expected a number in (0, ${max}], got ${JSON.stringify(v)}`;
  }
  if (c.ll128AcrossNodes !== undefined && typeof c.ll128AcrossNodes !== 'boolean') return `ll128AcrossNodes: expected true or false, got ${JSON.stringify(c.ll128AcrossNodes)}`;
  for (const [k, v] of Object.entries(c.duplexEfficiency ?? {})) {
    if (!LINK_TYPES.includes(k as LinkType)) return `duplexEfficiency: unknown link type "${k}"; expected one of: ${LINK_TYPES.join(', ')}`;
    if (typeof v !== 'number' || !(v > 0 && v <= 1)) return `duplexEfficiency.${k}: expected a number in (0, 1], got ${JSON.stringify(v)}`;
  }
  if ((c.stagingBytes === undefined) !== (c.stagingGBps === undefined)) return `stagingBytes, stagingGBps: give both or neither, got ${JSON.stringify({ stagingBytes: c.stagingBytes, stagingGBps: c.stagingGBps })}`;
  if ((c.netWindowBytes === undefined) !== (c.netRoundTripNs === undefined)) return `netWindowBytes, netRoundTripNs: give both or neither, got ${JSON.stringify({ netWindowBytes: c.netWindowBytes, netRoundTripNs: c.netRoundTripNs })}`;
  if (c.nodeStagingBytes !== undefined && c.nodeStagingGBps === undefined) return `nodeStagingBytes: needs nodeStagingGBps (the rate the sender's buffer fills at), got ${JSON.stringify({ nodeStagingBytes: c.nodeStagingBytes })}`;
  if (c.netLLEfficiency !== undefined && !(c.netLLEfficiency > 0 && c.netLLEfficiency <= 2)) return `netLLEfficiency: expected a number in (0, 2], got ${JSON.stringify(c.netLLEfficiency)}`;
  return undefined;
}
