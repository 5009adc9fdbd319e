// The NCCL-like model (src/collectives/nccl/) and the cluster presets (topologies/clusters/). Expected values are
// NCCL's tuner arithmetic (tuning.cc figures in src/collectives/nccl/constants.ts) on the presets' link figures.
import { describe, expect, it } from 'vitest';
import {
  clusterPresetNames, loadClusterPreset, loadWorkloadSpec, namedWorkloads, resolveTopology, runCollective, runCollectiveOptions,
} from '../src/api/index.ts';
import { ncclCandidates, ncclChoose, ncclShape } from '../src/collectives/index.ts';
import { makeTopology } from '../src/network/index.ts';
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
