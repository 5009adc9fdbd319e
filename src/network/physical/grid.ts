/**
 * Grid networks: a product of one-dimensional pieces, routed dimension by dimension (dim 0 first). This is both
 * the logical multi-dimensional form mapped to links (family `logical`: ring, fully connected, switch dimensions)
 * and the torus/mesh family (ring and line dimensions).
 *
 * Per dimension d of n ≥ 2 NPUs (stride s = n0·…·n(d−1)), the links and the path of one step from coordinate a to b:
 *
 * | kind             | links                                  | path a → b                                          |
 * |------------------|----------------------------------------|-----------------------------------------------------|
 * | `ring`           | per NPU: one to +1, one to −1 (mod n)  | the shorter way round; on a tie (b − a = n/2) the + way |
 * | `line` (mesh)    | per NPU: one to +1, one to −1          | straight, |b − a| hops (the + link of n−1 and − link of 0 are ids without a link: `linkTo` −1) |
 * | `fullyConnected` | per NPU: one to each other coordinate  | 1 hop                                               |
 * | `switch`         | per NPU: up to the line's switch, down | 2 hops: up from a, down to b                        |
 *
 * A switch dimension has one switch node per line (N/n of them). A route's latency is Σ_d hops_d · latency_d,
 * summed in dimension order exactly as the analytical model sums it, so contention-free messages match it exactly.
 * Memory: O(links); routes are computed on the fly in O(dims + hops).
 */
import { TopologyError } from '../topology.ts';
import { MAX_LINKS, type PhysicalTopology } from './types.ts';
import { groupDigits } from '../../units/index.ts';

export type GridKind = 'ring' | 'line' | 'fullyConnected' | 'switch';

export interface GridDim {
  kind: GridKind;
  npus: number;
  bandwidthGBps: number;
  latencyNs: number;
}

const K_RING = 0, K_LINE = 1, K_FC = 2, K_SWITCH = 3;
const KIND_CODE: Record<GridKind, number> = { ring: K_RING, line: K_LINE, fullyConnected: K_FC, switch: K_SWITCH };

export class GridNetwork implements PhysicalTopology {
  readonly npus: number;
  readonly nodes: number;
  readonly links: number;
  readonly linkFrom: Int32Array;
  readonly linkTo: Int32Array;
  readonly capacity: Float64Array;
  readonly latency: Float64Array;
  readonly maxHops: number;
  routeLatencyNs = 0;
  private readonly kind: Int32Array;
  private readonly size: Int32Array;
  private readonly stride: Int32Array;
  private readonly base: Float64Array;
  private readonly lat: Float64Array;
  private readonly switchBase: Int32Array;

  constructor(readonly family: string, dims: readonly GridDim[], where: string) {
    const D = dims.length;
    this.kind = Int32Array.from(dims, (d) => KIND_CODE[d.kind]);
    this.size = Int32Array.from(dims, (d) => d.npus);
    this.lat = Float64Array.from(dims, (d) => d.latencyNs);
    this.stride = new Int32Array(D);
    this.base = new Float64Array(D);
    this.switchBase = new Int32Array(D).fill(-1);
    let N = 1;
    for (let d = 0; d < D; d++) {
      this.stride[d] = N;
      N *= dims[d]!.npus;
    }
    this.npus = N;
    let links = 0;
    let switches = 0;
    let maxHops = 0;
    for (let d = 0; d < D; d++) {
      const n = dims[d]!.npus;
      this.base[d] = links;
      if (n < 2) continue;
      switch (this.kind[d]) {
        case K_RING: links += 2 * N; maxHops += Math.floor(n / 2); break;
        case K_LINE: links += 2 * N; maxHops += n - 1; break;
        case K_FC: links += N * (n - 1); maxHops += 1; break;
        case K_SWITCH:
          links += 2 * N;
          maxHops += 2;
          this.switchBase[d] = switches;
          switches += N / n;
          break;
      }
    }
    if (links > MAX_LINKS) {
      throw new TopologyError(
        `${where}: the flow model would need ${groupDigits(links)} links for this topology, more than it supports (${groupDigits(MAX_LINKS)}); use --model analytical`,
      );
    }
    this.links = links;
    this.nodes = N + switches;
    this.maxHops = maxHops;
    this.linkFrom = new Int32Array(links);
    this.linkTo = new Int32Array(links);
    this.capacity = new Float64Array(links);
    this.latency = new Float64Array(links);
    for (let d = 0; d < D; d++) {
      const n = dims[d]!.npus;
      if (n < 2) continue;
      const s = this.stride[d]!;
      const b = this.base[d]!;
      const count = (d + 1 < D ? this.base[d + 1]! : links) - b;
      this.capacity.fill(dims[d]!.bandwidthGBps, b, b + count);
      this.latency.fill(dims[d]!.latencyNs, b, b + count);
      for (let x = 0; x < N; x++) {
        const c = Math.floor(x / s) % n;
        switch (this.kind[d]) {
          case K_RING:
          case K_LINE: {
            const wrap = this.kind[d] === K_RING;
            const up = c + 1 < n ? x + s : wrap ? x - (n - 1) * s : -1;
            const down = c > 0 ? x - s : wrap ? x + (n - 1) * s : -1;
            this.linkFrom[b + 2 * x] = x;
            this.linkTo[b + 2 * x] = up;
            this.linkFrom[b + 2 * x + 1] = x;
            this.linkTo[b + 2 * x + 1] = down;
            break;
          }
          case K_FC:
            for (let k = 1; k < n; k++) {
              const id = b + x * (n - 1) + (k - 1);
              this.linkFrom[id] = x;
              this.linkTo[id] = x + (((c + k) % n) - c) * s;
            }
            break;
          case K_SWITCH: {
            const sw = N + this.switchBase[d]! + this.lineOf(x, d);
            this.linkFrom[b + 2 * x] = x;
            this.linkTo[b + 2 * x] = sw;
            this.linkFrom[b + 2 * x + 1] = sw;
            this.linkTo[b + 2 * x + 1] = x;
            break;
          }
        }
      }
    }
  }

  /** Index of x's line along dimension d (its id with coordinate d removed). */
  private lineOf(x: number, d: number): number {
    const s = this.stride[d]!;
    return (x % s) + s * Math.floor(x / (s * this.size[d]!));
  }

  route(src: number, dst: number, out: Int32Array): number {
    let k = 0;
    let lat = 0;
    let cur = src;
    const D = this.size.length;
    for (let d = 0; d < D; d++) {
      const n = this.size[d]!;
      const s = this.stride[d]!;
      const a = ((cur / s) | 0) % n;
      const b = ((dst / s) | 0) % n;
      if (a === b) continue;
      const base = this.base[d]!;
      switch (this.kind[d]) {
        case K_RING: {
          const fwd = b > a ? b - a : b - a + n;
          const plus = fwd <= n - fwd;
          const steps = plus ? fwd : n - fwd;
          let c = a;
          for (let i = 0; i < steps; i++) {
            out[k++] = base + 2 * cur + (plus ? 0 : 1);
            const next = plus ? (c + 1 === n ? 0 : c + 1) : c === 0 ? n - 1 : c - 1;
            cur += (next - c) * s;
            c = next;
          }
          lat += steps * this.lat[d]!;
          break;
        }
        case K_LINE: {
          const plus = b > a;
          const steps = plus ? b - a : a - b;
          for (let i = 0; i < steps; i++) {
            out[k++] = base + 2 * cur + (plus ? 0 : 1);
            cur += plus ? s : -s;
          }
          lat += steps * this.lat[d]!;
          break;
        }
        case K_FC: {
          const fwd = b > a ? b - a : b - a + n;
          out[k++] = base + cur * (n - 1) + (fwd - 1);
          cur += (b - a) * s;
          lat += this.lat[d]!;
          break;
        }
        case K_SWITCH:
          out[k++] = base + 2 * cur;
          cur += (b - a) * s;
          out[k++] = base + 2 * cur + 1;
          lat += 2 * this.lat[d]!;
          break;
      }
    }
    this.routeLatencyNs = lat;
    return k;
  }

  nodeName(node: number): string {
    if (node < this.npus) return `npu ${node}`;
    const i = node - this.npus;
    for (let d = this.size.length - 1; d >= 0; d--) {
      if (this.switchBase[d]! >= 0 && i >= this.switchBase[d]!) return `switch (dimension ${d}, line ${i - this.switchBase[d]!})`;
    }
    return `node ${node}`;
  }
}
