/**
 * The collectives validation suite: the NCCL-like model (collectives/nccl/) on the cluster presets against measured
 * NCCL collectives. Two sources:
 *
 * - Vidur's profiles (data/profiles/vidur/network/, MIT): all-reduce and send/recv kernel times on a DGX-A100 pair
 *   of nodes, A100 NVLink-pair nodes, A40 NVLink-pair nodes and DGX-H100 nodes, 2 KiB to 64 MiB. Each system's link
 *   and protocol figures are fitted on its own data (calibrate/fit.ts), so every case is reported three ways:
 *   `fit` (the fit on all of the system's data: in the fit), `held-out size` (3-fold by size: a fit on the other two thirds of
 *   the sizes, not in the fit) and `all-reduce from send/recv` (a fit on the system's send/recv only, predicting its all-reduce).
 * - nccl-tests figures quoted in reference/PEERS.md §6 (A1-A5, A7, A8, A10, A11), against the shipped presets. The
 *   figures the presets' efficiencies were fitted on (A4 at 1 GiB, A5 at 1 GiB, A7, A8, A9) say inFit.
 */
import { join } from 'node:path';
import { readVidurNetworkCsv, type VidurNetworkRow } from '../../io/index.ts';
import type { ClusterInfo, Topology } from '../../network/index.ts';
import { runCollective } from '../collective.ts';
import { resolveTopology } from '../topology.ts';
import { fitCluster, predictNs, type FitKey, type Measurement } from '../calibrate/fit.ts';
import type { ValidationCase, ValidationSuite } from './types.ts';
import { PACKAGE_ROOT } from '../package-root.ts';

export const VIDUR_NETWORK_DIR = join(PACKAGE_ROOT, 'data', 'profiles', 'vidur', 'network');
const VIDUR_SOURCE = 'microsoft/vidur data/profiling/network (commit 7d47513), copied to data/profiles/vidur/network';

interface VidurSystem {
  id: string;
  dir: string;
  /** Cluster preset and node count the measurements ran on. */
  topology: string;
  files: string[];
  fit: FitKey[];
}

export const VIDUR_SYSTEMS: VidurSystem[] = [
  { id: 'a100-dgx', dir: 'a100_dgx', topology: 'dgx-a100:2', files: ['send_recv.csv', 'all_reduce.csv'], fit: ['eff:nvlink', 'eff:infiniband', 'proto:LL', 'proto:LL128', 'overheadNs', 'collectiveOverheadNs', 'networkStepNs', 'latencyScale', 'nicsPerNode', 'nodeNetworkGBps', 'duplex:nvlink', 'duplex:infiniband', 'll128AcrossNodes', 'stagingBytes', 'stagingGBps', 'nodeStagingGBps'] },
  { id: 'a100-pairs', dir: 'a100_pairwise_nvlink', topology: 'a100-nvlink-pairs:2', files: ['send_recv.csv', 'all_reduce.csv'], fit: ['eff:nvlink', 'eff:pcie', 'eff:ethernet', 'proto:LL', 'proto:LL128', 'overheadNs', 'collectiveOverheadNs', 'networkStepNs', 'latencyScale', 'duplex:nvlink', 'duplex:pcie', 'duplex:ethernet', 'stagingBytes', 'stagingGBps', 'nodeStagingGBps'] },
  { id: 'a40-pairs', dir: 'a40_pairwise_nvlink', topology: 'a40-nvlink-pairs:2', files: ['send_recv.csv'], fit: ['eff:nvlink', 'eff:ethernet', 'proto:LL', 'overheadNs', 'networkStepNs', 'latencyScale', 'stagingBytes', 'stagingGBps', 'netWindowBytes', 'netRoundTripNs', 'netLLEfficiency'] },
  { id: 'h100-dgx', dir: 'h100_dgx', topology: 'dgx-h100:2', files: ['send_recv.csv'], fit: ['eff:nvlink', 'eff:infiniband', 'proto:LL', 'overheadNs', 'networkStepNs', 'latencyScale', 'stagingBytes', 'stagingGBps', 'netWindowBytes', 'netRoundTripNs'] },
];

/** The ranks of a Vidur configuration: `ranksPerNode` GPUs (from GPU 0) on each of ranks / ranksPerNode nodes. */
export function groupOf(row: Pick<VidurNetworkRow, 'ranks' | 'ranksPerNode'>, gpusPerNode: number): number[] {
  const nodes = row.ranks / row.ranksPerNode;
  const g: number[] = [];
  for (let n = 0; n < nodes; n++) for (let i = 0; i < row.ranksPerNode; i++) g.push(n * gpusPerNode + i);
  return g;
}

export function vidurMeasurements(sys: VidurSystem, topology: Topology): Measurement[] {
  const gpusPerNode = topology.dims.slice(0, topology.dims.length - 1).reduce((a, d) => a * d.npus, 1);
  const out: Measurement[] = [];
  const groups = new Map<string, number[]>();
  for (const f of sys.files) {
    for (const r of readVidurNetworkCsv(join(VIDUR_NETWORK_DIR, sys.dir, f))) {
      const key = `${r.ranks}/${r.ranksPerNode}`;
      if (!groups.has(key)) groups.set(key, groupOf(r, gpusPerNode));
      out.push({
        op: r.collective === 'all_reduce' ? 'allreduce' : 'sendrecv',
        bytes: r.bytes,
        group: groups.get(key)!,
        timeNs: r.timeNs,
        config: `${r.collective} ${r.ranks} ranks, ${r.ranksPerNode} per node`,
        ...(r.minNs !== undefined && r.maxNs !== undefined ? { runSpread: (r.maxNs - r.minNs) / r.timeNs } : {}),
      });
    }
  }
  return out;
}

/** Each Vidur system's cluster figures fitted on all its data (filled by the suite's run), for reports. */
export const fitted = new Map<string, ClusterInfo>();

/**
 * What a collective adds on top of the links it runs on, beyond NCCL's own tuner constants: the per-collective
 * overhead, the protocols' achieved fraction, and each link type's duplex efficiency. Send/recv cannot show them
 * (one-way, no protocol choice), so a system calibrated from its send/recv alone takes them from another system.
 */
export const COLLECTIVE_FIGURES: readonly FitKey[] = ['collectiveOverheadNs', 'proto:LL', 'proto:LL128', 'duplex:nvlink', 'duplex:pcie', 'duplex:infiniband', 'duplex:ethernet'];

/** `to` with the collective figures of `from` (send/recv-level figures kept). */
export function withCollectiveFigures(to: ClusterInfo, from: ClusterInfo): ClusterInfo {
  return {
    ...to,
    ...(from.collectiveOverheadNs !== undefined ? { collectiveOverheadNs: from.collectiveOverheadNs } : {}),
    ...(from.protocolEfficiency ? { protocolEfficiency: { ...from.protocolEfficiency } } : {}),
    ...(from.duplexEfficiency ? { duplexEfficiency: { ...from.duplexEfficiency } } : {}),
  };
}

interface Prepared {
  sys: VidurSystem;
  topology: Topology;
  ms: Measurement[];
  all: ClusterInfo;
}

function prepare(sys: VidurSystem): Prepared {
  const { topology } = resolveTopology({ topology: sys.topology });
  const ms = vidurMeasurements(sys, topology);
  const all = fitCluster(topology, topology.cluster!, ms, sys.fit).cluster;
  fitted.set(sys.id, all);
  return { sys, topology, ms, all };
}

function vidurCases(p: Prepared, others: readonly Prepared[]): ValidationCase[] {
  const { sys, topology, ms, all } = p;
  const base = topology.cluster!;
  const cases: ValidationCase[] = [];
  const add = (m: Measurement, predicted: number, kind: string, inFit: boolean) => cases.push({
    id: `${sys.id}/${kind}/${m.config.replace(/ /g, '')}/${m.bytes}B`,
    source: `${VIDUR_SOURCE}/${sys.dir}`,
    unit: 'us',
    measured: m.timeNs / 1e3,
    predicted: predicted / 1e3,
    inFit,
    group: `${sys.id} ${kind}`,
    ...(m.runSpread !== undefined ? { noisePct: 100 * m.runSpread } : {}),
  });
  for (const m of ms) add(m, predictNs(topology, all, m), 'fit', true);
  // 3-fold cross-validation by size: sizes in ascending order, every third one held out together (all
  // configurations of that size), fitted on the other two thirds
  const sizes = [...new Set(ms.map((m) => m.bytes))].sort((a, b) => a - b);
  for (let fold = 0; fold < 3; fold++) {
    const held = new Set(sizes.filter((_, i) => i % 3 === fold));
    const c = fitCluster(topology, base, ms.filter((m) => !held.has(m.bytes)), sys.fit).cluster;
    for (const m of ms) if (held.has(m.bytes)) add(m, predictNs(topology, c, m), 'held-out size', false);
  }
  // calibrated from send/recv only, predicting the all-reduce: the send/recv fixes the links, the latency scale and
  // the overhead; NCCL's tuner constants pick the algorithm and protocol; the collective figures are the preset's
  // (`all-reduce from send/recv`) or another system's fitted on its own all-reduce (`... + <other>'s collective figures`)
  const sr = ms.filter((m) => m.op === 'sendrecv');
  const ar = ms.filter((m) => m.op === 'allreduce');
  if (ar.length > 0) {
    const keys = sys.fit.filter((k) => !COLLECTIVE_FIGURES.includes(k) && k !== 'nodeNetworkGBps' && k !== 'll128AcrossNodes');
    const c = fitCluster(topology, base, sr, keys).cluster;
    for (const m of ar) add(m, predictNs(topology, c, m), 'all-reduce from send/recv', false);
    for (const o of others) {
      if (o.sys.id === sys.id || !o.ms.some((m) => m.op === 'allreduce')) continue;
      const t = fitCluster(topology, withCollectiveFigures(base, o.all), sr, keys).cluster;
      for (const m of ar) add(m, predictNs(topology, t, m), `all-reduce from send/recv + ${o.sys.id} collective figures`, false);
    }
  }
  return cases;
}

interface NcclTestsCase {
  id: string;
  source: string;
  topology: string;
  op: 'allreduce' | 'allgather' | 'reducescatter' | 'alltoall';
  /** Orrery's bytes per rank. */
  bytes: number;
  npus?: number;
  /** What is compared: time (us) or busBw (GB/s). */
  metric: 'us' | 'busBw GB/s';
  measured: number;
  inFit: boolean;
}

const GiB = 2 ** 30;
const MiB = 2 ** 20;
const PEERS = 'reference/PEERS.md §6';

/** nccl-tests figures (PEERS.md §6) against the shipped presets, as quoted there. */
export const NCCL_TESTS_CASES: NcclTestsCase[] = [
  { id: 'A1 8x A100 all-reduce 1 GiB', source: `${PEERS} A1 (nccl-tests #149)`, topology: 'dgx-a100:1', op: 'allreduce', bytes: GiB, metric: 'busBw GB/s', measured: 200, inFit: false },
  { id: 'A2 2x A100 all-reduce 1 GiB', source: `${PEERS} A2 (nccl-tests #178)`, topology: 'dgx-a100:1', npus: 2, op: 'allreduce', bytes: GiB, metric: 'busBw GB/s', measured: 208, inFit: false },
  // 3 servers with 4 HDR NICs each: the preset with 4 NICs per node (the measured peak, at the largest size, 128 MiB)
  { id: 'A3 24x A100 (3 nodes, 4 HDR) all-reduce 128 MiB', source: `${PEERS} A3 (nccl-tests #119)`, topology: 'dgx-a100:3', op: 'allreduce', bytes: 128 * MiB, metric: 'busBw GB/s', measured: 96, inFit: false },
  { id: 'A4 2x H100 PCIe all-reduce 1 GiB', source: `${PEERS} A4 (NVIDIA/nccl #1161)`, topology: 'h100-pcie-nvlink-bridge:1', op: 'allreduce', bytes: GiB, metric: 'us', measured: 9306.7, inFit: true },
  { id: 'A4 2x H100 PCIe all-reduce 2 GiB', source: `${PEERS} A4 (NVIDIA/nccl #1161)`, topology: 'h100-pcie-nvlink-bridge:1', op: 'allreduce', bytes: 2 * GiB, metric: 'us', measured: 18535, inFit: false },
  { id: 'A4 2x H100 PCIe all-reduce 4 GiB', source: `${PEERS} A4 (NVIDIA/nccl #1161)`, topology: 'h100-pcie-nvlink-bridge:1', op: 'allreduce', bytes: 4 * GiB, metric: 'us', measured: 36943, inFit: false },
  { id: 'A7 8x H100 all-gather 1 GiB', source: `${PEERS} A7 (nccl-tests #212)`, topology: 'dgx-h100:1', op: 'allgather', bytes: GiB / 8, metric: 'busBw GB/s', measured: 370, inFit: true },
  { id: 'A7 8x H100 reduce-scatter 1 GiB', source: `${PEERS} A7 (nccl-tests #212)`, topology: 'dgx-h100:1', op: 'reducescatter', bytes: GiB, metric: 'busBw GB/s', measured: 370, inFit: true },
  { id: 'A8 8x H100 NVLS all-reduce 1 GiB', source: `${PEERS} A8 (nccl-tests #212, #290)`, topology: 'dgx-h100:1', op: 'allreduce', bytes: GiB, metric: 'busBw GB/s', measured: 480, inFit: true },
  // "multi-node H100, NVLS + Tree": the node count is not given; 16 nodes, 1 GiB, the middle of 370-380 GB/s
  // A10: all-to-all across N nodes reaches busBw ≈ N/(N-1) × one NIC (the NICs do not aggregate for one GPU's
  // traffic); the NIC figure is A9's 47 GB/s per NDR NIC. The rule, not a measured table: 2 and 4 nodes
  { id: 'A10 2x DGX H100 all-to-all 1 GiB', source: `${PEERS} A10 (nccl-tests #130) with A9's 47 GB/s per NIC`, topology: 'dgx-h100:2', op: 'alltoall', bytes: GiB, metric: 'busBw GB/s', measured: (2 / 1) * 47, inFit: false },
  { id: 'A10 4x DGX H100 all-to-all 1 GiB', source: `${PEERS} A10 (nccl-tests #130) with A9's 47 GB/s per NIC`, topology: 'dgx-h100:4', op: 'alltoall', bytes: GiB, metric: 'busBw GB/s', measured: (4 / 3) * 47, inFit: false },
  { id: 'A11 16x DGX H100 NVLS+tree all-reduce 1 GiB', source: `${PEERS} A11 (NVIDIA/nccl #1649)`, topology: 'dgx-h100:16', op: 'allreduce', bytes: GiB, metric: 'busBw GB/s', measured: 375, inFit: false },
];

/** A5: sendrecv_perf -g 8 on 8x A100 NVLink; the preset's NVLink efficiency was fitted on its 1 GiB figure. */
const A5: [number, number][] = [[128 * MiB, 110.81], [256 * MiB, 188.6], [512 * MiB, 192.75], [GiB, 195.1]];

function ncclTestsCases(): ValidationCase[] {
  const out: ValidationCase[] = [];
  for (const c of NCCL_TESTS_CASES) {
    const { topology } = resolveTopology({ topology: c.topology });
    const group = c.npus !== undefined ? Array.from({ length: c.npus }, (_, i) => i) : undefined;
    const t = topology.cluster && c.id.startsWith('A3') ? { ...topology, cluster: { ...topology.cluster, nicsPerNode: 4 } } : topology;
    const r = runCollective({ topology: t, op: c.op, bytes: c.bytes, algorithms: ['auto'], model: 'analytical', ...(group ? { group } : {}) });
    out.push({
      id: `nccl-tests/${c.id}`, source: c.source, unit: c.metric, measured: c.measured,
      predicted: c.metric === 'us' ? r.timeNs / 1e3 : r.busBwGBps, inFit: c.inFit, group: 'nccl-tests',
    });
  }
  const { topology } = resolveTopology({ topology: 'dgx-a100:1' });
  for (const [bytes, gbps] of A5) {
    // sendrecv_perf: every GPU sends to the next and receives from the previous; busBw = algBw = bytes / time
    const t = predictNs(topology, topology.cluster!, { op: 'sendrecv', bytes, group: [0, 1], timeNs: 1, config: '' });
    out.push({
      id: `nccl-tests/A5 8x A100 sendrecv ${bytes / MiB} MiB`, source: `${PEERS} A5 (li-plus/playground cuda/nccl.md)`,
      unit: 'busBw GB/s', measured: gbps, predicted: bytes / t, inFit: bytes === GiB, group: 'nccl-tests',
    });
  }
  return out;
}

export const collectivesSuite: ValidationSuite = {
  name: 'collectives',
  description: 'NCCL-like collective model on the cluster presets against measured NCCL collectives (Vidur profiles, nccl-tests figures)',
  target: { medianAbsErrorPct: 10, p90AbsErrorPct: 25 },
  run(): ValidationCase[] {
    const prepared = VIDUR_SYSTEMS.map(prepare);
    return [...prepared.flatMap((p) => vidurCases(p, prepared)), ...ncclTestsCases()];
  },
};
