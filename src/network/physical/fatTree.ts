/**
 * Family `fatTree`: a two- or three-tier fat-tree (Clos) with oversubscription and ECMP.
 *
 * Two tiers (leaf–spine): N/k leaves of k NPUs (`npusPerLeaf`), each NPU on its leaf by a link of B
 * (`hostLinkGBps`) each way; S spines, every leaf linked to every spine each way at k·B/(ρ·S), so a leaf's uplinks
 * carry 1/ρ of what its NPUs can send (ρ = `oversubscription`; 2 means 2:1).
 *
 * Three tiers: leaves grouped into pods of `leavesPerPod`; A aggregation switches per pod (`aggsPerPod`), every leaf
 * linked to every aggregation switch of its pod at k·B/(ρ·A); C·A core switches in A groups, aggregation switch j
 * of every pod linked to the C cores of group j (`coresPerAgg`) at leavesPerPod·(k·B/(ρ·A))/(ρ_pod·C), ρ_pod =
 * `podOversubscription`.
 *
 * Routing: up to the lowest common tier and down again. Where there is a choice (the spine; the aggregation switch
 * and the core), it is made by ECMP on a deterministic hash of (src, dst) — `ecmpHash` in types.ts, MurmurHash3's
 * fmix32 of imul(src, 0x9E3779B1) + dst (+ a salt per tier) — modulo the number of choices. So every message between
 * a pair takes one path, and two pairs may collide on a link as they do under real per-flow ECMP.
 * Every link has latency `latencyNs`; a route's latency is hops × latencyNs.
 *
 * Nodes: NPUs, then leaves, then spines (two tiers) or aggregation switches (pod-major) and cores (group-major).
 */
import type { FatTreeSpec } from './spec.ts';
import { TopologyError } from '../topology.ts';
import { ecmpHash, LinkBuilder, type PhysicalTopology } from './types.ts';

export class FatTreeNetwork implements PhysicalTopology {
  readonly family = 'fatTree';
  readonly nodes: number;
  readonly links: number;
  readonly linkFrom: Int32Array;
  readonly linkTo: Int32Array;
  readonly capacity: Float64Array;
  readonly latency: Float64Array;
  readonly maxHops: number;
  routeLatencyNs = 0;
  private readonly k: number;
  private readonly leaves: number;
  private readonly S: number; // spines (2 tiers)
  private readonly LP: number; // leaves per pod (3 tiers)
  private readonly A: number; // aggs per pod
  private readonly C: number; // cores per agg
  private readonly pods: number;
  private readonly aggCoreBase: number;
  private readonly lat: number;
  private readonly threeTier: boolean;

  constructor(readonly spec: FatTreeSpec, readonly npus: number, where: string) {
    const N = npus;
    this.k = spec.npusPerLeaf;
    this.leaves = N / this.k;
    this.threeTier = spec.tiers === 3;
    this.S = spec.spines;
    this.LP = spec.leavesPerPod;
    this.A = spec.aggsPerPod;
    this.C = spec.coresPerAgg;
    this.pods = this.threeTier ? this.leaves / this.LP : 0;
    this.lat = spec.latencyNs;
    const lb = new LinkBuilder((n) => new TopologyError(`${where}: the fat-tree needs more than ${n} links, more than the flow model supports`));
    const B = spec.hostLinkGBps;
    const leafNode = (l: number) => N + l;
    for (let x = 0; x < N; x++) {
      lb.add(x, leafNode(Math.floor(x / this.k)), B, this.lat);
      lb.add(leafNode(Math.floor(x / this.k)), x, B, this.lat);
    }
    const upCap = (this.k * B) / (spec.oversubscription * (this.threeTier ? this.A : this.S));
    let nodes = N + this.leaves;
    if (!this.threeTier) {
      for (let l = 0; l < this.leaves; l++) {
        for (let s = 0; s < this.S; s++) {
          lb.add(leafNode(l), nodes + s, upCap, this.lat);
          lb.add(nodes + s, leafNode(l), upCap, this.lat);
        }
      }
      nodes += this.S;
      this.aggCoreBase = 0;
    } else {
      const aggNode = (p: number, a: number) => N + this.leaves + p * this.A + a;
      for (let l = 0; l < this.leaves; l++) {
        const p = Math.floor(l / this.LP);
        for (let a = 0; a < this.A; a++) {
          lb.add(leafNode(l), aggNode(p, a), upCap, this.lat);
          lb.add(aggNode(p, a), leafNode(l), upCap, this.lat);
        }
      }
      this.aggCoreBase = lb.count;
      const coreBase = N + this.leaves + this.pods * this.A;
      const coreCap = (this.LP * upCap) / (spec.podOversubscription * this.C);
      for (let p = 0; p < this.pods; p++) {
        for (let a = 0; a < this.A; a++) {
          for (let c = 0; c < this.C; c++) {
            lb.add(aggNode(p, a), coreBase + a * this.C + c, coreCap, this.lat);
            lb.add(coreBase + a * this.C + c, aggNode(p, a), coreCap, this.lat);
          }
        }
      }
      nodes = coreBase + this.A * this.C;
    }
    this.nodes = nodes;
    const packed = lb.finish();
    this.links = packed.links;
    this.linkFrom = packed.linkFrom;
    this.linkTo = packed.linkTo;
    this.capacity = packed.capacity;
    this.latency = packed.latency;
    this.maxHops = this.threeTier ? 6 : 4;
  }

  route(src: number, dst: number, out: Int32Array): number {
    if (src === dst) {
      this.routeLatencyNs = 0;
      return 0;
    }
    const N = this.npus;
    const ls = Math.floor(src / this.k), ld = Math.floor(dst / this.k);
    let n = 0;
    out[n++] = 2 * src;
    if (ls !== ld) {
      if (!this.threeTier) {
        const s = ecmpHash(src, dst) % this.S;
        out[n++] = 2 * N + 2 * (ls * this.S + s);
        out[n++] = 2 * N + 2 * (ld * this.S + s) + 1;
      } else {
        const a = ecmpHash(src, dst) % this.A;
        out[n++] = 2 * N + 2 * (ls * this.A + a);
        const ps = Math.floor(ls / this.LP), pd = Math.floor(ld / this.LP);
        if (ps !== pd) {
          const c = ecmpHash(src, dst, 1) % this.C;
          out[n++] = this.aggCoreBase + 2 * ((ps * this.A + a) * this.C + c);
          out[n++] = this.aggCoreBase + 2 * ((pd * this.A + a) * this.C + c) + 1;
        }
        out[n++] = 2 * N + 2 * (ld * this.A + a) + 1;
      }
    }
    out[n++] = 2 * dst + 1;
    this.routeLatencyNs = n * this.lat;
    return n;
  }

  nodeName(node: number): string {
    const N = this.npus;
    if (node < N) return `npu ${node}`;
    if (node < N + this.leaves) return `leaf ${node - N}`;
    const i = node - N - this.leaves;
    if (!this.threeTier) return `spine ${i}`;
    if (i < this.pods * this.A) return `agg ${i % this.A} of pod ${Math.floor(i / this.A)}`;
    const c = i - this.pods * this.A;
    return `core ${c % this.C} of group ${Math.floor(c / this.C)}`;
  }
}
