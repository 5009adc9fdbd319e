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

export class AnalyticalNetwork implements NetworkModel {
  readonly name = 'analytical';
  private messages = 0;
  private bytesSent = 0;
  private readonly kinds: Int32Array; // 0 ring, 1 fc, 2 switch
  private readonly sizes: Int32Array;
  private readonly lat: Float64Array;
  private readonly bw: Float64Array; // bytes per ns (1 GB/s = 1 B/ns)
  private readonly oneDim: boolean;

  constructor(private readonly engine: Engine, readonly topology: Topology) {
    const dims = topology.dims;
    this.kinds = Int32Array.from(dims, (d) => (d.kind === 'ring' ? 0 : d.kind === 'fullyConnected' ? 1 : 2));
    this.sizes = Int32Array.from(dims, (d) => d.npus);
    this.lat = Float64Array.from(dims, (d) => d.latencyNs);
    this.bw = Float64Array.from(dims, (d) => d.bandwidthGBps);
    this.oneDim = dims.length === 1;
  }

  /** The α-β delay of one message, in integer ns (hops per dimension as in topology.ts `dimensionHops`, inlined). */
  delay(src: number, dst: number, bytes: number): number {
    if (this.oneDim) {
      const n = this.sizes[0]!;
      const k = this.kinds[0]!;
      const hops = k === 0 ? Math.min(Math.abs(src - dst), n - Math.abs(src - dst)) : k === 1 ? 1 : 2;
      return Math.round(hops * this.lat[0]! + bytes / this.bw[0]!);
    }
    let latency = 0;
    let bw = Infinity;
    let a = src, b = dst;
    for (let d = 0; d < this.sizes.length; d++) {
      const n = this.sizes[d]!;
      const ca = a % n, cb = b % n;
      if (ca !== cb) {
        const k = this.kinds[d]!;
        const hops = k === 0 ? Math.min(Math.abs(ca - cb), n - Math.abs(ca - cb)) : k === 1 ? 1 : 2;
        latency += hops * this.lat[d]!;
        if (this.bw[d]! < bw) bw = this.bw[d]!;
      }
      a = (a - ca) / n;
      b = (b - cb) / n;
    }
    return Math.round(latency + bytes / bw);
  }

  send(src: number, dst: number, bytes: number, handler: number, a: number, b: number, c: number, extraNs: number): void {
    this.messages++;
    this.bytesSent += bytes;
    this.engine.scheduleAt(this.engine.now + this.delay(src, dst, bytes) + extraNs, handler, a, b, c);
  }

  stats(): NetworkStats {
    return { messages: this.messages, bytes: this.bytesSent };
  }
}
