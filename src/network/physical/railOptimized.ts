/**
 * Family `railOptimized`: a GPU cluster built like NVIDIA's DGX SuperPOD. Each node has `gpusPerNode` GPUs on one
 * NVSwitch (modelled as a single switch: each GPU has an up and a down link of `nvlinkGBps`); each GPU has its own
 * NIC (`nicGBps` each way) to the leaf switch of its rail (rail g = GPU index g in every node). A rail's nodes are
 * split into groups of `nodesPerLeaf` (scalable units), one leaf per rail per group; every leaf links to every
 * spine each way at `spineLinkGBps` (default nodesPerLeaf·nicGBps/(oversubscription·spines): non-blocking at 1).
 *
 * NPU id = gpu + gpusPerNode·node, so the matching logical form is switch:gpusPerNode × switch:nodes. Routing is
 * dimension-order over that form: a message first crosses the NVSwitch to the GPU of the destination's rail in the
 * source node (as NCCL's PXN does), then goes up that GPU's NIC to its rail leaf, through a spine if the nodes are
 * in different groups (spine chosen by ECMP on `ecmpHash(src, dst)`), and down the destination GPU's NIC.
 * Latency: 2·nvlinkLatencyNs for the NVSwitch part, 2·nicLatencyNs for the rail part, plus 2·spineLatencyNs
 * through a spine.
 *
 * Nodes: GPUs, then NVSwitches (one per node), leaves (rail-major: leaf = rail·groups + group), spines.
 */
import type { RailOptimizedSpec } from './spec.ts';
import { TopologyError } from '../topology.ts';
import { ecmpHash, LinkBuilder, type PhysicalTopology } from './types.ts';

export class RailOptimizedNetwork implements PhysicalTopology {
  readonly family = 'railOptimized';
  readonly nodes: number;
  readonly links: number;
  readonly linkFrom: Int32Array;
  readonly linkTo: Int32Array;
  readonly capacity: Float64Array;
  readonly latency: Float64Array;
  readonly maxHops = 6;
  routeLatencyNs = 0;
  private readonly G: number;
  private readonly groups: number;
  private readonly S: number;
  private readonly npl: number;
  private readonly spineBase: number;
  private readonly nvLat2: number;
  private readonly nicLat2: number;
  private readonly spineLat2: number;
  /** Scalable unit (leaf group) of each node. */
  private readonly groupOf: Int32Array;

  constructor(readonly spec: RailOptimizedSpec, readonly npus: number, where: string) {
    const N = npus;
    const G = (this.G = spec.gpusPerNode);
    const M = spec.nodes;
    this.npl = spec.nodesPerLeaf;
    const Q = (this.groups = M / this.npl);
    const S = (this.S = spec.spines);
    this.nvLat2 = 2 * spec.nvlinkLatencyNs;
    this.nicLat2 = 2 * spec.nicLatencyNs;
    this.spineLat2 = 2 * spec.spineLatencyNs;
    this.groupOf = Int32Array.from({ length: M }, (_, node) => Math.floor(node / this.npl));
    const lb = new LinkBuilder((n) => new TopologyError(`${where}: the rail-optimized cluster needs more than ${n} links, more than the flow model supports`));
    const nvswitch = (node: number) => N + node;
    const leaf = (rail: number, group: number) => N + M + rail * Q + group;
    const spine = (s: number) => N + M + G * Q + s;
    for (let x = 0; x < N; x++) {
      lb.add(x, nvswitch(Math.floor(x / G)), spec.nvlinkGBps, spec.nvlinkLatencyNs);
      lb.add(nvswitch(Math.floor(x / G)), x, spec.nvlinkGBps, spec.nvlinkLatencyNs);
    }
    for (let x = 0; x < N; x++) {
      const l = leaf(x % G, Math.floor(Math.floor(x / G) / this.npl));
      lb.add(x, l, spec.nicGBps, spec.nicLatencyNs);
      lb.add(l, x, spec.nicGBps, spec.nicLatencyNs);
    }
    this.spineBase = lb.count;
    if (Q > 1) {
      for (let l = 0; l < G * Q; l++) {
        for (let s = 0; s < S; s++) {
          lb.add(N + M + l, spine(s), spec.spineLinkGBps, spec.spineLatencyNs);
          lb.add(spine(s), N + M + l, spec.spineLinkGBps, spec.spineLatencyNs);
        }
      }
    }
    this.nodes = N + M + G * Q + (Q > 1 ? S : 0);
    const packed = lb.finish();
    this.links = packed.links;
    this.linkFrom = packed.linkFrom;
    this.linkTo = packed.linkTo;
    this.capacity = packed.capacity;
    this.latency = packed.latency;
  }

  route(src: number, dst: number, out: Int32Array): number {
    const G = this.G, N = this.npus;
    const gs = src % G, gd = dst % G;
    const ns = ((src - gs) / G) | 0, nd = ((dst - gd) / G) | 0;
    let n = 0;
    let lat = 0;
    let cur = src;
    if (gs !== gd) {
      out[n++] = 2 * src;
      cur = ns * G + gd;
      out[n++] = 2 * cur + 1;
      lat += this.nvLat2;
    }
    if (ns !== nd) {
      out[n++] = 2 * N + 2 * cur;
      const qs = this.groupOf[ns]!, qd = this.groupOf[nd]!;
      if (qs !== qd) {
        const s = ecmpHash(src, dst) % this.S;
        out[n++] = this.spineBase + 2 * ((gd * this.groups + qs) * this.S + s);
        out[n++] = this.spineBase + 2 * ((gd * this.groups + qd) * this.S + s) + 1;
        lat += this.nicLat2 + this.spineLat2;
      } else {
        lat += this.nicLat2;
      }
      out[n++] = 2 * N + 2 * dst + 1;
    }
    this.routeLatencyNs = lat;
    return n;
  }

  nodeName(node: number): string {
    const N = this.npus, M = this.spec.nodes, G = this.G, Q = this.groups;
    if (node < N) return `gpu ${node % G} of node ${Math.floor(node / G)}`;
    if (node < N + M) return `nvswitch of node ${node - N}`;
    if (node < N + M + G * Q) {
      const l = node - N - M;
      return `leaf of rail ${Math.floor(l / Q)}, group ${l % Q}`;
    }
    return `spine ${node - N - M - G * Q}`;
  }
}
