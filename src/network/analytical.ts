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
import { dimensionTables, type Topology } from './topology.ts';

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
  private readonly npus: number;
  /** coords[d·npus + i]: NPU i's coordinate in dimension d (empty above COORD_TABLE_MAX_NPUS). */
  private readonly coords: Int32Array;
  /** The last delay computed: [bytes, latency, bandwidth, delay] (a division and a rounding saved per repeat). */
  private readonly memo = Float64Array.of(-1, 0, 0, 0);
  /**
   * Per source NPU, its last message's destination, size and delay: a collective's member sends equal messages to
   * the same peer step after step, so most messages find their delay here without the route walk.
   */
  private readonly lastDst: Int32Array;
  private readonly lastBytes: Float64Array;
  private readonly lastDelay: Float64Array;

  constructor(private readonly engine: Engine, readonly topology: Topology) {
    const dims = topology.dims;
    ({ kinds: this.kinds, sizes: this.sizes, lat: this.lat, bw: this.bw } = dimensionTables(topology));
    this.npus = topology.npus;
    this.lastDst = new Int32Array(topology.npus).fill(-1);
    this.lastBytes = new Float64Array(topology.npus);
    this.lastDelay = new Float64Array(topology.npus);
    this.coords = new Int32Array(topology.npus <= COORD_TABLE_MAX_NPUS ? dims.length * topology.npus : 0);
    if (this.coords.length > 0) {
      for (let i = 0; i < topology.npus; i++) {
        let x = i;
        for (let d = 0; d < dims.length; d++) {
          const n = dims[d]!.npus;
          this.coords[d * topology.npus + i] = x % n;
          x = Math.floor(x / n);
        }
      }
    }
  }

  /**
   * The α-β delay of one message, in integer ns (hops per dimension as in topology.ts `dimensionHops`, inlined).
   * Speed: coordinates come from a table (no division per dimension) and the last result is remembered, since
   * collectives send runs of equal messages over equal distances.
   */
  delay(src: number, dst: number, bytes: number): number {
    let latency = 0;
    let bw = Infinity;
    const coords = this.coords, npus = this.npus;
    let a = src | 0, b = dst | 0; // without a table: NPU ids are below 2^24, so int32 arithmetic
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
    const memo = this.memo;
    if (bytes !== memo[0] || latency !== memo[1] || bw !== memo[2]) {
      memo[0] = bytes;
      memo[1] = latency;
      memo[2] = bw;
      memo[3] = Math.round(latency + bytes / bw);
    }
    return memo[3]!;
  }

  send(src: number, dst: number, bytes: number, handler: number, a: number, b: number, c: number, extraNs: number): void {
    this.messages++;
    this.bytesSent[0]! += bytes;
    let delay: number;
    if (this.lastDst[src] === dst && this.lastBytes[src] === bytes) delay = this.lastDelay[src]!;
    else {
      delay = this.lastDelay[src] = this.delay(src, dst, bytes);
      this.lastDst[src] = dst;
      this.lastBytes[src] = bytes;
    }
    this.engine.schedule(delay + extraNs, handler, a, b, c); // (a delay, not a time: see Engine.schedule)
  }

  stats(): NetworkStats {
    return { messages: this.messages, bytes: this.bytesSent[0]! };
  }
}
