/**
 * Physical topologies: nodes, directed links with a capacity and a latency, and a routing function. This is what
 * the `flow` model shares bandwidth on. (The `analytical` model reads only the logical dimensions.)
 *
 * - Nodes: NPUs are 0..npus−1 (the same ids as the logical topology), then switches.
 * - Links: directed, numbered 0..links−1; capacity in bytes per ns (1 GB/s = 1 B/ns), latency in ns.
 * - `route(src, dst, out)` writes the ids of the links a message from NPU `src` to NPU `dst` crosses, in order,
 *   into `out` and returns how many; it also sets `routeLatencyNs` to the route's total latency. Routes are computed
 *   on the fly (no all-pairs table: memory stays O(links) at 16,384 NPUs) and never repeat a link.
 *
 * One file per family, each a pure builder from its spec: `grid.ts` (the logical multi-dimensional form and
 * torus/mesh), `fatTree.ts`, `railOptimized.ts`.
 */

export interface PhysicalTopology {
  /** Family name for reports (`logical`, `torus`, `fatTree`, `railOptimized`). */
  readonly family: string;
  readonly npus: number;
  /** NPUs first, then switches. */
  readonly nodes: number;
  readonly links: number;
  readonly linkFrom: Int32Array;
  readonly linkTo: Int32Array;
  /** Bytes per ns, per link (one direction). */
  readonly capacity: Float64Array;
  /** ns, per link. */
  readonly latency: Float64Array;
  /** The longest route, in links. */
  readonly maxHops: number;
  /** Set by every {@link route} call: the route's total latency, ns. */
  routeLatencyNs: number;
  /** Writes the route's link ids into `out` (length ≥ maxHops) and returns their count (0 when src = dst). */
  route(src: number, dst: number, out: Int32Array): number;
  /** A readable name for a node, e.g. `npu 3`, `leaf 2`, `spine 0`. */
  nodeName(node: number): string;
}

/** Largest link count the flow model accepts (each link costs ~60 B of state). */
export const MAX_LINKS = 2 ** 24;

/** Accumulates links during a build; `finish` packs them into typed arrays. */
export class LinkBuilder {
  private from: number[] = [];
  private to: number[] = [];
  private cap: number[] = [];
  private lat: number[] = [];

  constructor(private readonly limitError: (n: number) => Error) {}

  get count(): number {
    return this.from.length;
  }

  /** Adds a directed link and returns its id. `gbps` is GB/s (= B/ns). */
  add(from: number, to: number, gbps: number, latencyNs: number): number {
    if (this.from.length >= MAX_LINKS) throw this.limitError(this.from.length);
    this.from.push(from);
    this.to.push(to);
    this.cap.push(gbps);
    this.lat.push(latencyNs);
    return this.from.length - 1;
  }

  finish(): { links: number; linkFrom: Int32Array; linkTo: Int32Array; capacity: Float64Array; latency: Float64Array } {
    return {
      links: this.from.length,
      linkFrom: Int32Array.from(this.from),
      linkTo: Int32Array.from(this.to),
      capacity: Float64Array.from(this.cap),
      latency: Float64Array.from(this.lat),
    };
  }
}

/**
 * The deterministic ECMP hash of a (src, dst) pair, as an unsigned 32-bit integer: MurmurHash3's 32-bit finalizer
 * (fmix32) applied to imul(src, 0x9E3779B1) + dst + salt. Every message between the same pair takes the same path
 * (per-flow ECMP with fixed ports); different salts give independent choices at different tiers.
 */
export function ecmpHash(src: number, dst: number, salt = 0): number {
  let h = (Math.imul(src, 0x9e3779b1) + dst + Math.imul(salt, 0x85ebca77)) | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
