// The NCCL-like model (src/collectives/nccl/) and the cluster presets (topologies/clusters/). Expected values are
// NCCL's tuner arithmetic (tuning.cc figures in src/collectives/nccl/constants.ts) on the presets' link figures.
import { describe, expect, it } from 'vitest';
import {
  clusterPresetNames, loadClusterPreset, loadWorkloadSpec, namedWorkloads, resolveTopology, runCollective, runCollectiveOptions,
} from '../src/api/index.ts';
import { ncclCandidates, ncclChoose, ncclShape } from '../src/collectives/index.ts';
import { checkClusterInfo, makeTopology, type ClusterInfo } from '../src/network/index.ts';
import { getDevice } from '../src/workload/devices.ts';

const GiB = 2 ** 30;
const topo = (t: string) => resolveTopology({ topology: t }).topology;

describe('NCCL-like model: the tuner arithmetic', () => {
  it('8x A100 ring/Simple all-reduce: latency 8.4 + 14 × 3.4 µs, bandwidth 300 × 0.65 × 8/14 GB/s', () => {
    const t = topo('dgx-a100:1');
    const s = ncclShape(t, t.cluster!, [0, 1, 2, 3, 4, 5, 6, 7]);
    const ring = ncclCandidates('allreduce', GiB, s).find((c) => c.algo === 'ring' && c.proto === 'Simple')!;
    // baseLat ring Simple 8.4 µs; 2(p-1) = 14 steps of hwLat NVLink ring Simple 3.4 µs
    expect(ring.latencyNs).toBeCloseTo((8.4 + 14 * 3.4) * 1e3, 6);
    // bus bandwidth = link × efficiency; algBw = busBw × p / (2(p-1))
    expect(ring.algBwGBps).toBeCloseTo(300 * 0.65 * 8 / 14, 9);
    expect(ring.timeNs).toBeCloseTo(ring.latencyNs + GiB / ring.algBwGBps, 6);
  });

  it('picks LL for a tiny all-reduce and Simple for a large one, as NCCL does on one node', () => {
    const t = topo('dgx-a100:1');
    const s = ncclShape(t, t.cluster!, [0, 1, 2, 3, 4, 5, 6, 7]);
    // 1 KiB: LL's latency 6.6 + 14 × 0.6 = 15 µs beats LL128 (14 + 14 × 1.9) and Simple (8.4 + 14 × 3.4)
    expect(ncclChoose('allreduce', 1024, s).proto).toBe('LL');
    expect(ncclChoose('allreduce', GiB, s)).toMatchObject({ algo: 'ring', proto: 'Simple' });
  });

  it('NVLS on a DGX H100: algBw = 450 × 0.61, busBw near the measured 480 GB/s, in-network factor (p-1)/(p+1)', () => {
    const r = runCollective({ topology: topo('dgx-h100:1'), op: 'allreduce', bytes: GiB, algorithms: ['auto'], model: 'analytical' });
    expect(r.nccl).toMatchObject({ algorithm: 'nvls', protocol: 'Simple' });
    // time = 25 µs (hwLat NVLink NVLS Simple) + 1 GiB / (450 × 0.61), rounded once
    expect(r.timeNs).toBe(Math.round(25_000 + GiB / (450 * 0.61)));
    expect(r.busBwGBps).toBeCloseTo((GiB / r.timeNs) * (2 * 7) / 8, 9);
    expect(r.inNetworkBusBwGBps).toBeCloseTo((GiB / r.timeNs) * 7 / 9, 9);
  });

  it('send/recv across nodes is limited by one NIC: 8.4 + 14 µs, then bytes / (50 × 0.94)', () => {
    const t = topo('dgx-h100:2');
    const s = ncclShape(t, t.cluster!, [0, 8]);
    const c = ncclChoose('sendrecv', GiB, s);
    expect(c.proto).toBe('Simple');
    expect(c.timeNs).toBeCloseTo((8.4 + 14) * 1e3 + GiB / (50 * 0.94), 6);
  });

  it('all-to-all across nodes: each GPU sends (N - ranks per node)/N of its bytes through its own NIC', () => {
    const t = topo('dgx-h100:2');
    const s = ncclShape(t, t.cluster!, Array.from({ length: 16 }, (_, i) => i));
    const c = ncclChoose('alltoall', GiB, s);
    // inter share 8/16 over 47 GB/s outweighs the intra share 7/16 over 450 × 0.822 GB/s
    expect(c.timeNs).toBeCloseTo((8.4 + 14) * 1e3 + (GiB * 8) / 16 / 47, 3);
  });

  it('NCCL picks on the rated link figures; the time uses the achieved ones', () => {
    const t = topo('dgx-a100:1');
    const all8 = [0, 1, 2, 3, 4, 5, 6, 7];
    const rated = ncclShape(t, { ...t.cluster!, linkEfficiency: { nvlink: 1 } }, all8);
    const slow = ncclShape(t, { ...t.cluster!, linkEfficiency: { nvlink: 0.1 } }, all8);
    // 8 MiB on 8 ranks at 300 GB/s: NCCL's tuner prefers LL128 (14 + 14 × 1.9 µs, 0.92 × 300 × 8/14 GB/s) to
    // Simple (8.4 + 14 × 3.4 µs, 300 × 8/14); at 30 GB/s achieved it would prefer Simple, but NCCL does not know that
    const b = 8 * 2 ** 20;
    expect(ncclChoose('allreduce', b, rated)).toMatchObject({ algo: 'ring', proto: 'LL128' });
    const c = ncclChoose('allreduce', b, slow);
    expect(c).toMatchObject({ algo: 'ring', proto: 'LL128' });
    expect(c.timeNs).toBeCloseTo((14 + 14 * 1.9) * 1e3 + b / (300 * 0.1 * 0.92 * 8 / 14), 6);
    const simple = ncclCandidates('allreduce', b, slow).find((x) => x.algo === 'ring' && x.proto === 'Simple')!;
    expect(simple.timeNs).toBeLessThan(c.timeNs);
  });

  it('send/recv and all-to-all take NCCL\'s point-to-point rule: LL up to 16 KiB per peer, Simple above', () => {
    const t = topo('dgx-h100:2');
    const s = ncclShape(t, t.cluster!, [0, 8]);
    expect(ncclChoose('sendrecv', 16384, s).proto).toBe('LL');
    expect(ncclChoose('sendrecv', 16385, s).proto).toBe('Simple');
    const a = ncclShape(t, t.cluster!, Array.from({ length: 16 }, (_, i) => i));
    // all-to-all: bytes / 16 ranks per peer
    expect(ncclChoose('alltoall', 16 * 16384, a).proto).toBe('LL');
    expect(ncclChoose('alltoall', 16 * 16384 + 16, a).proto).toBe('Simple');
  });

  it('duplex efficiency slows collectives (both directions busy), not a one-way send/recv', () => {
    const t = topo('dgx-a100:1');
    const half = { ...t.cluster!, duplexEfficiency: { nvlink: 0.5 } };
    const ring = (c: ClusterInfo) => ncclCandidates('allreduce', GiB, ncclShape(t, c, [0, 1, 2, 3, 4, 5, 6, 7])).find((x) => x.algo === 'ring' && x.proto === 'Simple')!;
    expect(ring(half).algBwGBps).toBeCloseTo(300 * 0.65 * 0.5 * 8 / 14, 9);
    expect(ring(t.cluster!).algBwGBps).toBeCloseTo(300 * 0.65 * 8 / 14, 9);
    const sr = (c: ClusterInfo) => ncclChoose('sendrecv', GiB, ncclShape(t, c, [0, 1])).timeNs;
    expect(sr(half)).toBe(sr(t.cluster!));
  });

  it('networkStepNs adds to every network step: 2(nodes-1) for a ring all-reduce, one for a send/recv across nodes', () => {
    const t = topo('dgx-a100:2');
    const step = { ...t.cluster!, networkStepNs: 5000 };
    const lat = (c: ClusterInfo, op: 'allreduce' | 'sendrecv', g: number[], algo: string, proto: string) =>
      ncclCandidates(op, GiB, ncclShape(t, c, g)).find((x) => x.algo === algo && x.proto === proto)!.latencyNs;
    const g16 = Array.from({ length: 16 }, (_, i) => i);
    expect(lat(step, 'allreduce', g16, 'ring', 'Simple') - lat(t.cluster!, 'allreduce', g16, 'ring', 'Simple')).toBeCloseTo(2 * 5000, 6);
    // tree: up and down the inter-node tree, 2 log2(nodes) steps
    expect(lat(step, 'allreduce', g16, 'tree', 'Simple') - lat(t.cluster!, 'allreduce', g16, 'tree', 'Simple')).toBeCloseTo(2 * 5000, 6);
    expect(lat(step, 'sendrecv', [0, 8], 'p2p', 'Simple') - lat(t.cluster!, 'sendrecv', [0, 8], 'p2p', 'Simple')).toBeCloseTo(5000, 6);
    expect(lat(step, 'sendrecv', [0, 1], 'p2p', 'Simple')).toBe(lat(t.cluster!, 'sendrecv', [0, 1], 'p2p', 'Simple'));
  });

  it('the node network bound caps a node\'s NICs; LL and LL128 efficiencies scale their bandwidth; LL128 off across nodes', () => {
    const t = topo('dgx-a100:2');
    const g16 = Array.from({ length: 16 }, (_, i) => i);
    // 8 NICs × 25 × 0.94 = 188 GB/s, bounded at 60
    expect(ncclShape(t, { ...t.cluster!, nodeNetworkGBps: 60 }, g16).nodeNetBwGBps).toBe(60);
    expect(ncclShape(t, t.cluster!, g16).nodeNetBwGBps).toBeCloseTo(8 * 25 * 0.94, 9);
    const one = topo('dgx-a100:1');
    const g8 = [0, 1, 2, 3, 4, 5, 6, 7];
    const ll128 = (c: typeof one.cluster) => ncclCandidates('allreduce', GiB, ncclShape(one, c!, g8)).find((x) => x.proto === 'LL128')!;
    expect(ll128({ ...one.cluster!, protocolEfficiency: { LL128: 0.5 } }).algBwGBps).toBeCloseTo(ll128(one.cluster).algBwGBps * 0.5, 9);
    const off = { ...t.cluster!, ll128AcrossNodes: false };
    expect(ncclCandidates('allreduce', GiB, ncclShape(t, off, g16)).some((x) => x.proto === 'LL128')).toBe(false);
    expect(ncclCandidates('allreduce', GiB, ncclShape(t, off, g8)).some((x) => x.proto === 'LL128')).toBe(true);
  });

  it('a staged send across nodes ends when its last byte is in the buffer: max(bytes / staging, (bytes − buffer) / NIC)', () => {
    const t = topo('a100-nvlink-pairs:2');
    // NIC: 10 GB/s Ethernet × 0.2 = 2 GB/s; a 2 MB buffer filled at 8 GB/s; GPU 0 on node 0 to GPU 4 on node 1
    const plain: ClusterInfo = { ...t.cluster!, linkEfficiency: { ...t.cluster!.linkEfficiency, ethernet: 0.2 } };
    const staged: ClusterInfo = { ...plain, stagingBytes: 2e6, stagingGBps: 8 };
    const time = (c: ClusterInfo, bytes: number, g = [0, 4]) => ncclChoose('sendrecv', bytes, ncclShape(t, c, g)).timeNs;
    // 1 MB fits the buffer: 1e6 / 8 = 125 µs against 1e6 / 2 = 500 µs on the wire; the latency is the same
    expect(time(plain, 1e6) - time(staged, 1e6)).toBeCloseTo(500_000 - 125_000, 6);
    // 8 MB: max(8e6 / 8, (8e6 − 2e6) / 2) = 3 ms against 4 ms
    expect(time(plain, 8e6) - time(staged, 8e6)).toBeCloseTo(4e6 - 3e6, 6);
    // inside a node, and any collective, are not staged
    expect(time(staged, 8e6, [0, 1])).toBe(time(plain, 8e6, [0, 1]));
    expect(ncclChoose('allreduce', 8e6, ncclShape(t, staged, [0, 4])).timeNs).toBe(ncclChoose('allreduce', 8e6, ncclShape(t, plain, [0, 4])).timeNs);
  });

  it('a send across nodes beyond the first window waits one round trip; inside a node and collectives do not', () => {
    const t = topo('a40-nvlink-pairs:2');
    const plain = t.cluster!;
    // a 32 KiB window and a 40 µs round trip (the A40 pairs' fit: 32 KiB in every fold)
    const win: ClusterInfo = { ...plain, netWindowBytes: 32768, netRoundTripNs: 40_000 };
    const time = (c: ClusterInfo, bytes: number, g = [0, 8]) => ncclChoose('sendrecv', bytes, ncclShape(t, c, g)).timeNs;
    // at the window (32768 B) no round trip, one byte more: exactly one, and never more than one
    expect(time(win, 32768)).toBe(time(plain, 32768));
    expect(time(win, 32769) - time(plain, 32769)).toBe(40_000);
    expect(time(win, 64 * 2 ** 20) - time(plain, 64 * 2 ** 20)).toBe(40_000);
    // GPUs 0 and 1 share a node: no network, no window; nor any collective
    expect(time(win, 1e6, [0, 1])).toBe(time(plain, 1e6, [0, 1]));
    expect(ncclChoose('allreduce', 1e6, ncclShape(t, win, [0, 8])).timeNs).toBe(ncclChoose('allreduce', 1e6, ncclShape(t, plain, [0, 8])).timeNs);
  });

  it('netLLEfficiency sets LL across nodes only; inside a node LL keeps protocolEfficiency.LL', () => {
    const t = topo('a40-nvlink-pairs:2');
    const base: ClusterInfo = { ...t.cluster!, protocolEfficiency: { LL: 2 } };
    const net: ClusterInfo = { ...base, netLLEfficiency: 0.5 };
    const ll = (c: ClusterInfo, g: number[]) => ncclChoose('sendrecv', 8192, ncclShape(t, c, g));
    // 8 KiB is LL (≤ 16 KiB per peer); across nodes the bandwidth scales by 0.5 / 2 unless LL's cap binds
    expect(ll(net, [0, 8]).proto).toBe('LL');
    expect(ll(net, [0, 8]).algBwGBps).toBeCloseTo(ll(base, [0, 8]).algBwGBps * 0.25, 9);
    expect(ll(net, [0, 1]).timeNs).toBe(ll(base, [0, 1]).timeNs);
  });

  it('a send inside a node in P2P read mode ends when its last byte is in the sender\'s own 4 MiB buffer', () => {
    const t = topo('a100-nvlink-pairs:1');
    // NVLink bridge 300 GB/s × 1.0; the sender's buffer filled at 450 GB/s, NCCL_BUFFSIZE 4 MiB = 4194304 B
    const plain: ClusterInfo = { ...t.cluster!, linkEfficiency: { ...t.cluster!.linkEfficiency, nvlink: 1 } };
    const staged: ClusterInfo = { ...plain, nodeStagingGBps: 450 };
    const time = (c: ClusterInfo, bytes: number, g = [0, 1]) => ncclChoose('sendrecv', bytes, ncclShape(t, c, g)).timeNs;
    // 3 MB fits the buffer: 3e6 / 450 against 3e6 / 300 on the link
    expect(time(plain, 3e6) - time(staged, 3e6)).toBeCloseTo(3e6 / 300 - 3e6 / 450, 6);
    // 64 MiB: max(B / 450, (B − 4 MiB) / 300) = (B − 4194304) / 300, the buffer's worth faster than the link alone
    const B = 64 * 2 ** 20;
    expect(time(plain, B) - time(staged, B)).toBeCloseTo(4194304 / 300, 6);
    // not across nodes (GPU 0 to GPU 4 of a 2-node preset), nor a collective
    const t2 = topo('a100-nvlink-pairs:2');
    const c2: ClusterInfo = { ...t2.cluster!, nodeStagingGBps: 450 };
    expect(ncclChoose('sendrecv', B, ncclShape(t2, c2, [0, 4])).timeNs).toBe(ncclChoose('sendrecv', B, ncclShape(t2, t2.cluster!, [0, 4])).timeNs);
    expect(ncclChoose('allreduce', B, ncclShape(t, staged, [0, 1])).timeNs).toBe(ncclChoose('allreduce', B, ncclShape(t, plain, [0, 1])).timeNs);
  });

  it('refuses bad calibration figures in a cluster file with the field and what was expected', () => {
    const t = topo('dgx-a100:1');
    const bad = (extra: Record<string, unknown>) => checkClusterInfo({ ...t.cluster!, ...extra } as ClusterInfo, t.dims.length);
    expect(bad({ duplexEfficiency: { nvlink: 1.5 } })).toBe('duplexEfficiency.nvlink: expected a number in (0, 1], got 1.5');
    expect(bad({ duplexEfficiency: { wire: 0.5 } })).toMatch(/^duplexEfficiency: unknown link type "wire"; expected one of: nvlink, pcie/);
    expect(bad({ protocolEfficiency: { Simple: 0.5 } })).toBe('protocolEfficiency: unknown protocol "Simple"; expected one of: LL, LL128');
    // LL up to 2 (8 data bytes per 16-byte line against NCCL's quarter of the link), LL128 up to 1
    expect(bad({ protocolEfficiency: { LL: 2.5 } })).toBe('protocolEfficiency.LL: expected a number in (0, 2], got 2.5');
    expect(bad({ protocolEfficiency: { LL: 2, LL128: 1.5 } })).toBe('protocolEfficiency.LL128: expected a number in (0, 1], got 1.5');
    expect(bad({ nodeNetworkGBps: 0 })).toBe('nodeNetworkGBps: expected a positive number, got 0');
    expect(bad({ networkStepNs: -1 })).toBe('networkStepNs: expected a non-negative number, got -1');
    expect(bad({ ll128AcrossNodes: 'no' })).toBe('ll128AcrossNodes: expected true or false, got "no"');
    expect(bad({ stagingBytes: 1e6 })).toMatch(/^stagingBytes, stagingGBps: give both or neither/);
    expect(bad({ stagingBytes: 1e6, stagingGBps: 0 })).toBe('stagingGBps: expected a positive number, got 0');
    expect(bad({ netWindowBytes: 32768 })).toMatch(/^netWindowBytes, netRoundTripNs: give both or neither/);
    expect(bad({ netWindowBytes: 32768, netRoundTripNs: -1 })).toBe('netRoundTripNs: expected a non-negative number, got -1');
    expect(bad({ nodeStagingGBps: 0 })).toBe('nodeStagingGBps: expected a positive number, got 0');
    expect(bad({ netLLEfficiency: 3 })).toBe('netLLEfficiency: expected a number in (0, 2], got 3');
    expect(bad({})).toBeUndefined();
  });

  it('auto on a topology without cluster facts is today\'s ring, to the nanosecond', () => {
    const t = makeTopology([{ kind: 'switch', npus: 8, bandwidthGBps: 100, latencyNs: 500 }]);
    const auto = runCollective({ topology: t, op: 'allreduce', bytes: GiB, algorithms: ['auto'], model: 'analytical' });
    const ring = runCollective({ topology: t, op: 'allreduce', bytes: GiB, algorithms: ['ring'], model: 'analytical' });
    expect(auto.timeNs).toBe(ring.timeNs);
    expect(auto.nccl).toBeUndefined();
  });

  it('explicit algorithms on a preset keep the link arithmetic of the same dimensions', () => {
    const t = topo('dgx-a100:2');
    const bare = makeTopology(t.dims);
    for (const model of ['analytical', 'flow']) {
      const a = runCollective({ topology: t, op: 'allreduce', bytes: 1 << 24, algorithms: ['ring'], model });
      const b = runCollective({ topology: bare, op: 'allreduce', bytes: 1 << 24, algorithms: ['ring'], model });
      expect(a.timeNs).toBe(b.timeNs);
    }
  });

  it('refuses auto on the ASTRA-sim models', () => {
    expect(() => runCollective({ topology: topo('dgx-a100:1'), op: 'allreduce', bytes: GiB, algorithms: ['auto'], model: 'astra-unaware' }))
      .toThrow(/auto applies to the native models/);
  });

  it('--npus N runs on the first N NPUs (nccl-tests -g N)', () => {
    const { report } = runCollectiveOptions({ topology: 'dgx-a100:2', op: 'allreduce', bytes: GiB, algorithms: ['auto'], npus: 2 });
    expect(report.npus).toBe(2);
    expect(report.nccl).toMatchObject({ nodes: 1, ranksPerNode: 2 });
    expect(() => runCollectiveOptions({ topology: 'dgx-a100:2', op: 'allreduce', bytes: GiB, npus: 17 })).toThrow(/--npus: 17 is not between 1 and/);
  });

  it('decides once per shape: a 1 GiB all-reduce on 1,024 NPUs runs no events', () => {
    const r = runCollective({ topology: topo('dgx-h100:128'), op: 'allreduce', bytes: GiB, algorithms: ['auto'] });
    expect(r.npus).toBe(1024);
    expect(r.events).toBe(0);
    expect(r.nccl!.nodes).toBe(128);
  });
});

describe('cluster presets', () => {
  it('ships the presets the issue names', () => {
    expect(clusterPresetNames()).toEqual(
      expect.arrayContaining(['dgx-a100', 'dgx-h100', 'a100-nvlink-pairs', 'h100-nvlink-pairs', 'a40-nvlink-pairs', 'h100-pcie-nvlink-bridge']),
    );
  });

  it.each(clusterPresetNames())('%s: sized by nodes, names a known device, and sources every efficiency', (name) => {
    const { preset } = loadClusterPreset(name);
    expect(getDevice(preset.device!).name).toBe(preset.device);
    const gpus = preset.node.reduce((a, d) => a * d.npus, 1);
    expect(topo(`${name}:1`).npus).toBe(gpus);
    if (preset.network) expect(topo(`${name}:4`).npus).toBe(4 * gpus);
    else expect(() => topo(`${name}:2`)).toThrow(/single machine/);
    for (const link of Object.keys(preset.nccl.linkEfficiency)) {
      expect(Object.keys(preset.sources).some((k) => k.includes('linkEfficiency'))).toBe(true);
      expect(['nvlink', 'pcie', 'infiniband', 'roce', 'ethernet']).toContain(link);
    }
  });

  it('rejects an unknown preset listing the valid ones', () => {
    expect(() => topo('dgx-z100:4')).toThrow(/no cluster preset "dgx-z100"; cluster presets: a100-nvlink-pairs, a40-nvlink-pairs, dgx-a100/);
  });

  it.each(namedWorkloads())('workload %s names a cluster with as many GPUs as its training plan (or room for its inference TP)', (name) => {
    const spec = loadWorkloadSpec(name);
    const npus = topo(spec.cluster!).npus;
    if (spec.training) {
      const p = spec.training.parallel;
      expect(npus).toBe(p.tp * p.pp * p.dp);
    } else {
      expect(npus).toBeGreaterThanOrEqual(spec.inference!.parallel.tp);
    }
  });
});
