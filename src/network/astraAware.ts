/**
 * `astra-aware`: ASTRA-sim 2.0's congestion-aware analytical backend (astra-network-analytical `congestion_aware`),
 * reproduced to the nanosecond on 1-D topologies (reference/ASTRA-SIM.md §2, notes §6.2).
 *
 * The topology is devices joined by one-way links:
 * - ring: links i→i+1 and i+1→i (wrapping); a message goes clockwise unless anticlockwise is strictly shorter;
 * - fully connected: a link for every ordered pair; a message takes the direct link;
 * - switch: a switch device with links NPU→switch and switch→NPU; a message goes src→switch→dst.
 *
 * A link sends one whole message at a time (store-and-forward per message, no packets). A message that finds its
 * link busy waits in the link's FIFO. Sending m bytes on a link with latency α and bandwidth B, starting at t:
 * the message reaches the next device at t + ⌊α + m/B⌋ (scheduled first), and the link is free again at
 * t + ⌊m/B⌋ (scheduled second), when the head of its FIFO starts. A device forwards an arriving message at once.
 * So a switch hop costs 2·⌊α + m/B⌋ here where the unaware model charges ⌊2α + m/B⌋.
 *
 * ASTRA-sim rejects topologies of more than one dimension in this backend. Orrery accepts them as an extension:
 * each dimension's lines (the NPUs that differ only in that coordinate) get their own links and switch, and a
 * message crosses every dimension in which source and destination differ, dim 0 first. 1-D results are ASTRA-sim's.
 *
 * Hot path: messages and link FIFOs live in typed arrays (a message pool with a free list; each link's FIFO is an
 * intrusive list through the messages); events carry a message or link index. Nothing is allocated per message.
 */
import type { Engine, EventHandler } from '../engine/index.ts';
import type { NetworkModel, NetworkStats } from './model.ts';
import type { Topology } from './topology.ts';

const RING = 0, FC = 1, SWITCH = 2;

export class AstraAwareNetwork implements NetworkModel {
  readonly name = 'astra-aware';
  private messages = 0;
  private readonly bytesSent = new Float64Array(1); // a typed-array cell: a double field would be reboxed per message
  private queued = 0;
  private readonly hArrive: number;
  private readonly hFree: number;

  // dimensions
  private readonly kinds: Int32Array;
  private readonly sizes: Int32Array;
  private readonly strides: Float64Array;
  private readonly lat: Float64Array;
  private readonly bw: Float64Array; // bytes per ns
  private readonly linkBase: Float64Array; // first link id of each dimension
  private readonly linksPerLine: Float64Array;
  /** Per dimension d and NPU i, at d·npus + i: i's coordinate in d, and the first link id of i's line in d. */
  private readonly coord: Int32Array;
  private readonly lineBase: Int32Array;
  private readonly npus: number;

  // links
  private readonly linkDim: Uint8Array;
  private readonly busy: Uint8Array;
  private readonly head: Int32Array;
  private readonly tail: Int32Array;

  // message pool
  private cap = 0;
  private nFree = 0;
  private freeList = new Int32Array(0);
  private bytes = new Float64Array(0);
  private extra = new Float64Array(0);
  /** Where the message is (or is going on its current link): an NPU id; with `atSwitch` the switch of that NPU's line. */
  private pos = new Int32Array(0);
  private atSwitch = new Int8Array(0); // -1 at an NPU, else the dimension of the switch
  private dst = new Int32Array(0);
  private nextMsg = new Int32Array(0); // next in its link's FIFO
  private payload = new Int32Array(0); // 4 per message: handler, a, b, c

  constructor(private readonly engine: Engine, readonly topology: Topology) {
    const dims = topology.dims;
    const D = dims.length;
    this.kinds = Int32Array.from(dims, (d) => (d.kind === 'ring' ? RING : d.kind === 'fullyConnected' ? FC : SWITCH));
    this.sizes = Int32Array.from(dims, (d) => d.npus);
    this.lat = Float64Array.from(dims, (d) => d.latencyNs);
    this.bw = Float64Array.from(dims, (d) => d.bandwidthGBps);
    this.strides = new Float64Array(D);
    this.linkBase = new Float64Array(D);
    this.linksPerLine = new Float64Array(D);
    let stride = 1, links = 0;
    for (let d = 0; d < D; d++) {
      const n = this.sizes[d]!;
      this.strides[d] = stride;
      stride *= n;
      this.linkBase[d] = links;
      this.linksPerLine[d] = this.kinds[d] === FC ? n * n : 2 * n;
      links += (topology.npus / n) * this.linksPerLine[d]!;
    }
    if (links > 2 ** 31 - 1) throw new RangeError(`astra-aware: ${links} links exceed the 2^31 - 1 link ids`);
    // coordinates and line bases, computed once here so that forwarding a message divides nothing
    const N = topology.npus;
    this.npus = N;
    this.coord = new Int32Array(D * N);
    this.lineBase = new Int32Array(D * N);
    for (let d = 0; d < D; d++) {
      const st = this.strides[d]!, n = this.sizes[d]!;
      for (let i = 0; i < N; i++) {
        this.coord[d * N + i] = Math.floor(i / st) % n;
        this.lineBase[d * N + i] = this.lineLinks(d, i, st, n);
      }
    }
    this.linkDim = new Uint8Array(links);
    for (let d = 0; d < D; d++) this.linkDim.fill(d, this.linkBase[d]!, d + 1 < D ? this.linkBase[d + 1]! : links);
    this.busy = new Uint8Array(links);
    this.head = new Int32Array(links).fill(-1);
    this.tail = new Int32Array(links).fill(-1);
    this.grow(1024);
    const self = this;
    this.hArrive = engine.register({ onEvent(m: number) { self.arrive(m); } } satisfies EventHandler);
    this.hFree = engine.register({ onEvent(l: number) { self.free(l); } } satisfies EventHandler);
  }

  send(src: number, dst: number, bytes: number, handler: number, a: number, b: number, c: number, extraNs: number): void {
    this.messages++;
    this.bytesSent[0]! += bytes;
    if (this.nFree === 0) this.grow(2 * this.cap);
    const m = this.freeList[--this.nFree]!;
    this.bytes[m] = bytes;
    this.extra[m] = extraNs;
    this.pos[m] = src;
    this.atSwitch[m] = -1;
    this.dst[m] = dst;
    const k = 4 * m;
    this.payload[k] = handler;
    this.payload[k + 1] = a;
    this.payload[k + 2] = b;
    this.payload[k + 3] = c;
    this.forward(m);
  }

  /** The message has reached the device it was sent to. */
  private arrive(m: number): void {
    this.forward(m);
  }

  /** Routes message m one hop on from where it is, or delivers it at its destination. */
  private forward(m: number): void {
    const here = this.pos[m]!;
    const sw = this.atSwitch[m]!;
    const dst = this.dst[m]!;
    const coord = this.coord;
    let linkId: number;
    if (sw >= 0) {
      // at the switch of dimension sw: down to the destination's coordinate
      const o = sw * this.npus;
      const cb = coord[o + dst]!, ca = coord[o + here]!;
      linkId = this.lineBase[o + here]! + 2 * cb + 1;
      this.pos[m] = here + (cb - ca) * this.strides[sw]!;
      this.atSwitch[m] = -1;
    } else {
      if (here === dst) return this.deliver(m);
      // first dimension in which here and dst differ
      let d = 0, o = 0, ca = coord[here]!, cb = coord[dst]!;
      while (ca === cb) {
        d++;
        o += this.npus;
        ca = coord[o + here]!;
        cb = coord[o + dst]!;
      }
      const n = this.sizes[d]!, st = this.strides[d]!;
      const base = this.lineBase[o + here]!;
      switch (this.kinds[d]) {
        case RING: {
          const cw = (cb - ca + n) % n;
          if (n - cw < cw) {
            linkId = base + 2 * ca + 1; // anticlockwise, to ca − 1
            this.pos[m] = here + (((ca - 1 + n) % n) - ca) * st;
          } else {
            linkId = base + 2 * ca; // clockwise, to ca + 1
            this.pos[m] = here + (((ca + 1) % n) - ca) * st;
          }
          break;
        }
        case FC:
          linkId = base + ca * n + cb;
          this.pos[m] = here + (cb - ca) * st;
          break;
        default:
          linkId = base + 2 * ca; // up to the switch
          this.atSwitch[m] = d;
      }
    }
    if (this.busy[linkId] === 1) {
      this.nextMsg[m] = -1;
      const t = this.tail[linkId]!;
      if (t < 0) this.head[linkId] = m;
      else this.nextMsg[t] = m;
      this.tail[linkId] = m;
      this.queued++;
    } else this.transmit(linkId, m);
  }

  /** First link id of the line of dimension d (stride st, n NPUs) through NPU `npu`. */
  private lineLinks(d: number, npu: number, st: number, n: number): number {
    const lo = npu % st;
    const hi = Math.floor(npu / (st * n));
    const line = lo + st * hi;
    return this.linkBase[d]! + line * this.linksPerLine[d]!;
  }

  private transmit(linkId: number, m: number): void {
    this.busy[linkId] = 1;
    const d = this.linkDim[linkId]!;
    const ser = this.bytes[m]! / this.bw[d]!;
    const now = this.engine.now;
    this.engine.scheduleAt(now + Math.floor(this.lat[d]! + ser), this.hArrive, m);
    this.engine.scheduleAt(now + Math.floor(ser), this.hFree, linkId);
  }

  private free(linkId: number): void {
    this.busy[linkId] = 0;
    const m = this.head[linkId]!;
    if (m >= 0) {
      const nx = this.nextMsg[m]!;
      this.head[linkId] = nx;
      if (nx < 0) this.tail[linkId] = -1;
      this.transmit(linkId, m);
    }
  }

  private deliver(m: number): void {
    const k = 4 * m;
    const h = this.payload[k]!, a = this.payload[k + 1]!, b = this.payload[k + 2]!, c = this.payload[k + 3]!;
    const extra = this.extra[m]!;
    this.freeList[this.nFree++] = m;
    if (extra > 0) this.engine.schedule(extra, h, a, b, c);
    else this.engine.dispatch(h, a, b, c);
  }

  private grow(cap: number): void {
    const old = this.cap;
    const f64 = (x: Float64Array, n: number) => { const y = new Float64Array(n); y.set(x); return y; };
    const i32 = (x: Int32Array, n: number) => { const y = new Int32Array(n); y.set(x); return y; };
    this.bytes = f64(this.bytes, cap);
    this.extra = f64(this.extra, cap);
    this.pos = i32(this.pos, cap);
    const sw = new Int8Array(cap);
    sw.set(this.atSwitch);
    this.atSwitch = sw;
    this.dst = i32(this.dst, cap);
    this.nextMsg = i32(this.nextMsg, cap);
    this.payload = i32(this.payload, 4 * cap);
    const fl = new Int32Array(cap);
    fl.set(this.freeList.subarray(0, this.nFree));
    let n = this.nFree;
    for (let i = cap - 1; i >= old; i--) fl[n++] = i;
    this.freeList = fl;
    this.nFree = n;
    this.cap = cap;
  }

  stats(): NetworkStats {
    return { messages: this.messages, bytes: this.bytesSent[0]!, queuedAtBusyLink: this.queued };
  }
}
