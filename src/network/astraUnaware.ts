/**
 * `astra-unaware`: ASTRA-sim 2.0's congestion-unaware analytical backend (astra-network-analytical
 * `congestion_unaware`), reproduced to the nanosecond (reference/ASTRA-SIM.md §2, notes §6.1).
 *
 * A message of m bytes from a to b is delivered after
 *
 *     delay = ⌊hops·latency + m / B⌋        (truncated to integer ns, as its uint64 cast does)
 *
 * where the hops and the dimension's latency and bandwidth B are those of the **first** dimension (dim 0 first) in
 * which a and b differ: ring, the shorter way round; fully connected, 1; switch, 2. A message never pays for a
 * second dimension, and there is no contention: any number of messages see the full bandwidth at once. Both are
 * departures from physics that Orrery's native models do not copy (an unaware direct all-reduce gets faster as the
 * number of NPUs grows).
 *
 * Bandwidth: the topology's `bandwidthGBps` is Orrery's GB/s (1 GB = 10^9 B, i.e. bytes per ns). An ASTRA-sim network
 * file's "GB/s" means 2^30 B/s; the importer converts it at the boundary (`bw · 2^30 / 10^9`, the same double
 * arithmetic as its `bw_GBps_to_Bpns`), so B here is that double, unrounded.
 */
import type { Engine } from '../engine/index.ts';
import type { NetworkModel, NetworkStats } from './model.ts';
import { dimensionTables, type Topology } from './topology.ts';

export class AstraUnawareNetwork implements NetworkModel {
  readonly name = 'astra-unaware';
  private messages = 0;
  private readonly bytesSent = new Float64Array(1); // a typed-array cell: a double field would be reboxed per message
  private readonly kinds: Int32Array; // 0 ring, 1 fully connected, 2 switch
  private readonly sizes: Int32Array;
  private readonly lat: Float64Array;
  private readonly bw: Float64Array; // bytes per ns
  private readonly oneDim: boolean;
  private memoBytes = -1;
  private memoDim = -1;
  private memoHops = -1;
  private memoDelay = 0;

  constructor(private readonly engine: Engine, readonly topology: Topology) {
    const dims = topology.dims;
    ({ kinds: this.kinds, sizes: this.sizes, lat: this.lat, bw: this.bw } = dimensionTables(topology));
    this.oneDim = dims.length === 1;
  }

  /** The delay of one message in integer ns: the first differing dimension's ⌊hops·latency + bytes/B⌋. */
  delay(src: number, dst: number, bytes: number): number {
    if (this.oneDim) {
      // one dimension: a switch or fully connected dimension's delay depends on the size alone
      if (this.kinds[0] !== 0 && bytes === this.memoBytes) return this.memoDelay;
      return this.dimDelay(0, src, dst, bytes);
    }
    let a = src | 0, b = dst | 0; // NPU ids are below 2^24: int32 arithmetic throughout
    for (let d = 0; d < this.sizes.length; d++) {
      const n = this.sizes[d]!;
      const ca = a % n, cb = b % n;
      if (ca !== cb) return this.dimDelay(d, ca, cb, bytes);
      a = ((a - ca) / n) | 0;
      b = ((b - cb) / n) | 0;
    }
    return 0; // src === dst: nothing crosses the network
  }

  private dimDelay(d: number, ca: number, cb: number, bytes: number): number {
    const k = this.kinds[d]!;
    let hops: number;
    if (k === 0) {
      const n = this.sizes[d]!;
      const cw = (cb - ca + n) % n;
      hops = cw < n - cw ? cw : n - cw;
    } else hops = k === 1 ? 1 : 2;
    // collectives send runs of equal messages over equal distances: remember the last delay (saves a division)
    if (bytes !== this.memoBytes || d !== this.memoDim || hops !== this.memoHops) {
      this.memoBytes = bytes;
      this.memoDim = d;
      this.memoHops = hops;
      this.memoDelay = Math.floor(hops * this.lat[d]! + bytes / this.bw[d]!);
    }
    return this.memoDelay;
  }

  send(src: number, dst: number, bytes: number, handler: number, a: number, b: number, c: number, extraNs: number): void {
    this.engine.scheduleAt(this.arrivalAt(src, dst, bytes, extraNs), handler, a, b, c);
  }

  /** A message is one event at now + delay + extraNs, and nothing else: the time, for callers that deliver it. */
  arrivalAt(src: number, dst: number, bytes: number, extraNs: number): number {
    this.messages++;
    this.bytesSent[0]! += bytes;
    return this.engine.now + this.delay(src, dst, bytes) + extraNs;
  }

  /** One switch or fully connected dimension: every pair is 2 (1) hops apart, so every pair sees one delay. */
  uniformDelay(bytes: number): number {
    return this.oneDim && this.kinds[0] !== 0 ? this.dimDelay(0, 0, 1, bytes) : -1;
  }

  countSent(messages: number, bytesEach: number): void {
    this.messages += messages;
    const total = this.bytesSent[0]! + messages * bytesEach;
    // one product equals the sum of the messages one by one while every partial sum is an exact integer
    if (Number.isInteger(bytesEach) && total <= Number.MAX_SAFE_INTEGER) this.bytesSent[0] = total;
    else for (let i = 0; i < messages; i++) this.bytesSent[0]! += bytesEach;
  }

  stats(): NetworkStats {
    return { messages: this.messages, bytes: this.bytesSent[0]! };
  }
}
