/**
 * The native `analytical` model: α-β with cut-through and no contention.
 *
 * A message of m bytes from a to b crosses, dimension by dimension (dim 0 first), h_d hops in each dimension where
 * the coordinates differ (ring: the shorter way round; fully connected: 1; switch: 2, NPU→switch→NPU). It arrives
 * after
 *
 *     delay = Σ_d h_d·latency_d + m / min_d bandwidth_d        (over the dimensions it crosses)
 *
 * rounded once to the nearest integer ns (half up). Every message sees its links' full bandwidth however many
 * others share them: there is no contention, which is why `flow` exists.
 */
import type { Engine } from '../engine/index.ts';
import type { NetworkModel, NetworkStats } from './model.ts';
import type { Topology } from './topology.ts';

/** Topologies up to this many NPUs get a coordinate table (D × npus int32); larger ones compute coordinates. */
const COORD_TABLE_MAX_NPUS = 2 ** 20;

export class AnalyticalNetwork implements NetworkModel {
  readonly name = 'analytical';
  private messages = 0;
  private readonly bytesSent = new Float64Array(1); // a typed-array cell: a double field would be reboxed per message
  private readonly kinds: Int32Array; // 0 ring, 1 fc, 2 switch
  private readonly sizes: Int32Array;
  private readonly lat: Float64Array;
  private readonly bw: Float64Array; // bytes per ns (1 GB/s = 1 B/ns)
  /**
   * A direct-mapped cache of routes, for speed: collectives send the same messages over the same (src, dst) pairs
   * again and again (a ring member always to its successor). Entry e holds its pair in keys[2e..2e+1] and
   * [latency, bandwidth, bytes, delay] in vals[4e..4e+3], where bytes and delay are the last message's.
   */
  private readonly keys: Int32Array;
  private readonly vals: Float64Array;
  private readonly shift: number;
  private readonly npus: number;
  /** coords[d·npus + i]: NPU i's coordinate in dimension d, for routes (empty above COORD_TABLE_MAX_NPUS). */
  private readonly coords: Int32Array;

  constructor(private readonly engine: Engine, readonly topology: Topology) {
    const dims = topology.dims;
    this.kinds = Int32Array.from(dims, (d) => (d.kind === 'ring' ? 0 : d.kind === 'fullyConnected' ? 1 : 2));
    this.sizes = Int32Array.from(dims, (d) => d.npus);
    this.lat = Float64Array.from(dims, (d) => d.latencyNs);
    this.bw = Float64Array.from(dims, (d) => d.bandwidthGBps);
    const bits = Math.min(16, Math.max(6, Math.ceil(Math.log2(topology.npus)) + 3)); // about 8 entries per NPU
    this.shift = 32 - bits;
    this.keys = new Int32Array(2 << bits).fill(-1);
    this.vals = new Float64Array(4 << bits);
    this.npus = topology.npus;
    this.coords = new Int32Array(topology.npus <= COORD_TABLE_MAX_NPUS ? dims.length * topology.npus : 0);
    for (let i = 0; i < this.coords.length / dims.length; i++) {
      let x = i;
      dims.forEach((d, k) => {
        this.coords[k * topology.npus + i] = x % d.npus;
        x = Math.floor(x / d.npus);
      });
    }
  }

  /** The α-β delay of one message, in integer ns. */
  delay(src: number, dst: number, bytes: number): number {
    const e = (Math.imul(src, 0x9e3779b1) ^ Math.imul(dst, 0x85ebca6b)) >>> this.shift;
    const keys = this.keys, vals = this.vals;
    if (keys[2 * e] !== src || keys[2 * e + 1] !== dst) {
      keys[2 * e] = src;
      keys[2 * e + 1] = dst;
      this.route(src, dst, 4 * e);
    }
    if (vals[4 * e + 2] !== bytes) {
      vals[4 * e + 2] = bytes;
      vals[4 * e + 3] = Math.round(vals[4 * e]! + bytes / vals[4 * e + 1]!);
    }
    return vals[4 * e + 3]!;
  }

  /**
   * Fills the route cache entry at vals[v..]: the latency Σ h_d·latency_d and the bandwidth min_d bandwidth_d over
   * the dimensions where src and dst differ (hops as in topology.ts `dimensionHops`, inlined).
   */
  private route(src: number, dst: number, v: number): void {
    let latency = 0;
    let bw = Infinity;
    const coords = this.coords, npus = this.npus;
    let a = src | 0, b = dst | 0; // without a table: NPU ids are below 2^24, so int32 arithmetic (not fmod)
    for (let d = 0; d < this.sizes.length; d++) {
      const n = this.sizes[d]!;
      let ca: number, cb: number;
      if (coords.length > 0) {
        ca = coords[d * npus + src]!;
        cb = coords[d * npus + dst]!;
      } else {
        ca = a % n;
        cb = b % n;
        a = ((a - ca) / n) | 0;
        b = ((b - cb) / n) | 0;
      }
      if (ca !== cb) {
        const k = this.kinds[d]!;
        const hops = k === 0 ? Math.min(Math.abs(ca - cb), n - Math.abs(ca - cb)) : k === 1 ? 1 : 2;
        latency += hops * this.lat[d]!;
        if (this.bw[d]! < bw) bw = this.bw[d]!;
      }
    }
    this.vals[v] = latency;
    this.vals[v + 1] = bw;
    this.vals[v + 2] = -1; // no message size yet
  }

  send(src: number, dst: number, bytes: number, handler: number, a: number, b: number, c: number, extraNs: number): void {
    this.messages++;
    this.bytesSent[0]! += bytes;
    this.engine.scheduleAt(this.engine.now + this.delay(src, dst, bytes) + extraNs, handler, a, b, c);
  }

  stats(): NetworkStats {
    return { messages: this.messages, bytes: this.bytesSent[0]! };
  }
}
