/**
 * The `flow` model: every message is a flow of its bytes along its route on a physical network (physical/), and
 * the links share their bandwidth max-min fairly among the flows crossing them.
 *
 * Timing of one message of m bytes sent at t0 on a route with total latency Λ:
 * - Cut-through fluid: the flow occupies every link of its route at once (no per-hop store-and-forward) and moves
 *   at its max-min fair rate r(t); its last byte leaves the source at T, when ∫ r = m, and arrives at T + Λ.
 * - Rates are recomputed whenever a flow starts or finishes on a link that another flow shares (progressive
 *   filling), and never exceed a link's capacity (or the sender's injection bandwidth, when the topology sets one:
 *   an extra link in front of every route).
 *
 * **The rounding rule (one place: {@link FlowNetwork.schedule}).** A flow's state is re-anchored only when its rate
 * changes: at integer time a (the event that changed it) it has R bytes left at rate r. Then
 *
 *     release  = a + round(R / r)            (the network frees its links; integer ns)
 *     delivery = a + round(Λ + R / r) + extraNs
 *
 * with round = Math.round (half up). A contention-free message is anchored once, at t0 with R = m and r = the
 * smallest capacity on its route, so it arrives at t0 + round(Λ + m/B): exactly what `analytical` gives (grid.ts
 * sums Λ as the analytical model does). Between anchors the fluid state is exact; the only rounding is of the
 * release and delivery instants (≤ 0.5 ns each, never accumulated, since re-anchoring uses the exact rate history).
 *
 * **Incremental.** A start or finish marks the links it touches; one zero-delay recompute event per instant (so all
 * flows created at one instant are rated together, and the result does not depend on their creation order)
 * explores from those links the connected component of flows that share links with them, transitively, and runs
 * progressive filling on that component only; flows elsewhere keep their rates and events. A flow whose rate did
 * not change keeps its anchor and its scheduled event. Pending completions are cancelled and rescheduled
 * (`Engine.cancel`), never polled.
 *
 * **Isolated flows** (alone on every link of their route, the common case for ring and tree collectives) skip the
 * recompute: their rate is the route's smallest capacity, their delivery event goes straight to the receiver, and
 * their links are released lazily: the next flow to touch one retires every flow found there whose release time
 * has passed. So a contention-free message costs one event, as in `analytical`. The same holds for a component
 * whose flows are all released at one instant (a symmetric all-to-all): no one is left to speed up when they leave.
 * Otherwise a flow that shares a link gets a release event of its own (which then schedules the delivery).
 *
 * Complexity (F_c flows and L_c links in the affected component, h hops per route):
 * - send: O(h) to route and link in, plus O(1) amortised to retire finished flows it meets;
 * - recompute: O(L_c + F_c·h + P·log L_c) with P ≤ min(F_c·h, L_c²) heap updates: a BFS over the component, then
 *   progressive filling with an indexed binary heap of links keyed by fair share (capacity left / unfrozen flows),
 *   ties broken by link id; freezing a link's flows charges their other links, each re-keyed once per level;
 * - release: O(h) (taking a flow off a link is a swap-remove in the link's dense flow list, O(h) to fix the index of
 *   the flow moved).
 * Memory: O(links + flows·h): flow state in typed arrays (ids and route blocks pooled and reused), and per link a
 * dense array of the ids of its flows (allocated once per link, grown by doubling; nothing allocated per event).
 * A component can be the whole network (a direct all-to-all on a switch): a simultaneous batch is then one
 * O(F log L) recompute, but flows finishing at many distinct instants cost O(F) each.
 *
 * Determinism: progressive filling pops links in (share, link id) order and every flow frozen at a level subtracts
 * the same share, so rates depend only on the set of flows, not on the order they were created or listed.
 */
import type { Engine, EventHandler } from '../engine/index.ts';
import type { NetworkModel, NetworkStats } from './model.ts';
import { buildPhysical, type PhysicalTopology } from './physical/index.ts';
import type { Topology } from './topology.ts';
import { ProgressiveFilling } from './flow-fill.ts';

// flow states
const FREE = 0;
/** Created at this instant, not yet rated (waiting for the recompute event). */
const PENDING = 1;
/** Rated, sharing a link: a release event is scheduled at fRelease. */
const ACTIVE = 2;
/** Rated, alone on its links: its delivery event is scheduled; its links are released lazily. */
const LAZY = 3;

// event opcodes (payload a)
const OP_RECOMPUTE = 0;
const OP_RELEASE = 1;

export interface FlowOptions {
  /** Test hook, called after every change of rates (a recompute, or an isolated flow's start). */
  observer?: (net: FlowNetwork) => void;
}

/** One flow as seen by {@link FlowNetwork.snapshot} (tests and debugging). */
export interface FlowView {
  id: number;
  links: number[];
  /** Bytes per ns; NaN while pending. */
  rate: number;
  bytes: number;
  state: 'pending' | 'active' | 'lazy';
  /** Integer ns at which its links are freed. */
  releaseNs: number;
  deliveryNs: number;
}

function growF64(a: Float64Array, n: number): Float64Array<ArrayBuffer> {
  const b = new Float64Array(n);
  b.set(a);
  return b;
}
function growI32(a: Int32Array, n: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(n);
  b.set(a);
  return b;
}

export class FlowNetwork implements NetworkModel, EventHandler {
  readonly name = 'flow';
  readonly physical: PhysicalTopology;
  private readonly engine: Engine;
  private readonly hSelf: number;
  private readonly observer: ((net: FlowNetwork) => void) | undefined;

  // ---- links: the physical ones, then one injection link per NPU when the topology sets injectionGBps
  readonly linkCount: number;
  private readonly cap: Float64Array;
  private readonly injBase: number;
  /** Per link: the flows on it, dense (swap-remove; ePos holds each entry's index). Created on first use. */
  private readonly lFlows: (number[] | undefined)[];
  private readonly lCount: Int32Array;
  private readonly lStamp: Int32Array;
  /** Max-min fair rates of a component (progressive filling over an indexed heap of its links). */
  private readonly filling: ProgressiveFilling;

  // ---- flows (struct of arrays, ids pooled)
  private fCap = 0;
  private fState = new Uint8Array(0);
  private fHops = new Int32Array(0);
  private fOff = new Int32Array(0);
  private fHandler = new Int32Array(0);
  private fA = new Int32Array(0);
  private fB = new Int32Array(0);
  private fC = new Int32Array(0);
  private fStamp = new Int32Array(0);
  private fChanged = new Uint8Array(0);
  private fBytes = new Float64Array(0);
  private fRemain = new Float64Array(0);
  private fAnchor = new Float64Array(0);
  private fRate = new Float64Array(0);
  private fNew = new Float64Array(0);
  private fLat = new Float64Array(0);
  private fExtra = new Float64Array(0);
  private fRelease = new Float64Array(0);
  private fDeliver = new Float64Array(0);
  private fEvent = new Float64Array(0);
  private freeFlows = new Int32Array(0);
  private nFreeFlows = 0;
  private nextFlow = 0;
  private comp = new Int32Array(0);
  private pending = new Int32Array(0);
  private nPending = 0;

  // ---- route entries: flow f's hop i is entry fOff[f] + i: its link, and its index in that link's flow list
  private eLink = new Int32Array(0);
  private ePos = new Int32Array(0);
  private arenaTop = 0;
  /** Free route blocks by length: a list threaded through eLink of each block's first entry. */
  private readonly freeBlock: Int32Array;

  // ---- recompute bookkeeping
  private readonly dirty: Int32Array;
  private nDirty = 0;
  private readonly dirtyStamp: Int32Array;
  private dirtyEpoch = 1;
  private epoch = 0;
  private recomputeScheduled = false;
  private readonly linkQ: Int32Array;
  private readonly route: Int32Array;
  private readonly routeTail: Int32Array;

  // ---- statistics
  private messages = 0;
  private bytesSent = 0;
  private flows = 0;
  private isolated = 0;
  private recomputes = 0;
  private components = 0;
  private ratedFlows = 0;
  private peakComponent = 0;
  private live = 0;
  private peakLive = 0;
  private retired = 0;
  private bytesRetired = 0;
  private maxOverdraftNs = 0;

  constructor(engine: Engine, readonly topology: Topology, options: FlowOptions = {}) {
    this.engine = engine;
    this.observer = options.observer;
    const P = (this.physical = buildPhysical(topology));
    const inj = topology.physical?.injectionGBps;
    this.injBase = inj !== undefined ? P.links : -1;
    const L = (this.linkCount = P.links + (inj !== undefined ? P.npus : 0));
    this.cap = new Float64Array(L);
    this.cap.set(P.capacity);
    if (inj !== undefined) this.cap.fill(inj, P.links);
    this.lFlows = new Array<number[] | undefined>(L);
    this.lCount = new Int32Array(L);
    this.lStamp = new Int32Array(L);
    this.dirty = new Int32Array(L);
    this.dirtyStamp = new Int32Array(L);
    this.linkQ = new Int32Array(L);
    this.filling = new ProgressiveFilling(this.cap, this.lCount, this.lFlows);
    const H = P.maxHops + (inj !== undefined ? 1 : 0);
    this.route = new Int32Array(Math.max(1, H));
    this.routeTail = this.route.subarray(1);
    this.freeBlock = new Int32Array(H + 1).fill(-1);
    this.growFlows(1024);
    this.growArena(1024 * Math.max(1, H));
    this.hSelf = engine.register(this);
  }

  // ------------------------------------------------------------------ the seam

  send(src: number, dst: number, bytes: number, handler: number, a: number, b: number, c: number, extraNs: number): void {
    this.messages++;
    this.bytesSent += bytes;
    const P = this.physical;
    const route = this.route;
    const hops = this.injBase >= 0 && src !== dst ? 1 + P.route(src, dst, this.routeTail) : P.route(src, dst, route);
    if (this.injBase >= 0 && src !== dst) route[0] = this.injBase + src;
    const lat = P.routeLatencyNs;
    const now = this.engine.now;
    if (hops === 0 || !(bytes > 0)) {
      // nothing to share: a message to itself, or an empty one, takes its latency only
      this.engine.scheduleAt(now + Math.round(lat) + extraNs, handler, a, b, c);
      return;
    }
    this.flows++;
    let f = this.reuse(route, hops, now);
    let alone = f >= 0;
    let r = Infinity;
    if (alone) {
      for (let i = 0; i < hops; i++) if (this.cap[route[i]!]! < r) r = this.cap[route[i]!]!;
    } else {
      alone = true;
      for (let i = 0; i < hops; i++) {
        const l = route[i]!;
        if (this.lCount[l] !== 0 && !this.clearLink(l, now)) {
          alone = false;
          break;
        }
      }
      f = this.allocFlow(hops);
      const off = this.fOff[f]!;
      for (let i = 0; i < hops; i++) {
        const l = route[i]!;
        this.link(off + i, f, l);
        if (this.cap[l]! < r) r = this.cap[l]!;
      }
    }
    this.fHandler[f] = handler;
    this.fA[f] = a;
    this.fB[f] = b;
    this.fC[f] = c;
    this.fBytes[f] = bytes;
    this.fLat[f] = lat;
    this.fExtra[f] = extraNs;
    if (alone) {
      // rated at once: the route's smallest capacity (setTimes inlined, from locals)
      this.isolated++;
      this.fAnchor[f] = now;
      this.fRemain[f] = bytes;
      this.fRate[f] = r;
      const x = bytes / r;
      this.fRelease[f] = now + Math.round(x);
      const deliver = now + Math.round(lat + x) + extraNs;
      this.fDeliver[f] = deliver;
      this.fState[f] = LAZY;
      this.fEvent[f] = this.engine.scheduleCancellable(deliver, handler, a, b, c);
      if (this.observer) this.observer(this);
    } else {
      this.fState[f] = PENDING;
      this.fRate[f] = NaN;
      if (this.nPending === this.pending.length) this.pending = growI32(this.pending, 2 * this.pending.length);
      this.pending[this.nPending++] = f;
      this.ensureRecompute();
    }
  }

  /** Engine events: (OP_RECOMPUTE) or (OP_RELEASE, flow). */
  onEvent(op: number, f: number): void {
    if (op === OP_RELEASE) {
      this.retire(f, true);
      if (this.nDirty > 0) this.ensureRecompute();
    } else {
      this.recompute();
    }
  }

  stats(): NetworkStats {
    return {
      messages: this.messages,
      bytes: this.bytesSent,
      flows: this.flows,
      isolatedFlows: this.isolated,
      recomputes: this.recomputes,
      components: this.components,
      ratedFlows: this.ratedFlows,
      peakComponent: this.peakComponent,
      peakConcurrentFlows: this.peakLive,
      links: this.linkCount,
    };
  }

  // ------------------------------------------------------------------ rates and events

  /** The rounding rule (see the file comment): release and delivery instants from the flow's anchor. */
  private setTimes(f: number): void {
    const x = this.fRemain[f]! / this.fRate[f]!;
    const a = this.fAnchor[f]!;
    this.fRelease[f] = a + Math.round(x);
    this.fDeliver[f] = a + Math.round(this.fLat[f]! + x) + this.fExtra[f]!;
  }

  /**
   * Schedules the flow's next event: its delivery (lazy: nothing else needs to know when it leaves) or its release
   * (a shared flow: the others are re-rated when it leaves, and the release schedules the delivery).
   */
  private post(f: number, lazy: boolean): void {
    if (lazy) {
      this.fState[f] = LAZY;
      this.fEvent[f] = this.engine.scheduleCancellable(this.fDeliver[f]!, this.fHandler[f]!, this.fA[f]!, this.fB[f]!, this.fC[f]!);
    } else {
      this.fState[f] = ACTIVE;
      this.fEvent[f] = this.engine.scheduleCancellable(this.fRelease[f]!, this.hSelf, OP_RELEASE, f, 0);
    }
  }

  private ensureRecompute(): void {
    if (this.recomputeScheduled) return;
    this.recomputeScheduled = true;
    this.engine.schedule(0, this.hSelf, OP_RECOMPUTE, 0, 0);
  }

  /**
   * The common case of a pipeline (a ring step after the previous one on the same links): if the only flow on
   * every link of this route is one lazy flow that has finished and took exactly this route, retire it and hand its
   * record, already on the links, to the new flow. Returns its id, or −1.
   */
  private reuse(route: Int32Array, hops: number, now: number): number {
    const l0 = route[0]!;
    if (this.lCount[l0] !== 1) return -1;
    const g = this.lFlows[l0]![0]!;
    if (this.fState[g] !== LAZY || this.fRelease[g]! > now || this.fHops[g] !== hops) return -1;
    const off = this.fOff[g]!;
    for (let i = 0; i < hops; i++) {
      const l = route[i]!;
      if (this.eLink[off + i] !== l || this.lCount[l] !== 1) return -1;
    }
    this.retired++;
    this.bytesRetired += this.fBytes[g]!;
    return g;
  }

  /** Retires finished flows from link l (stopping at the first live one); true if the link is then empty. */
  private clearLink(l: number, now: number): boolean {
    const flows = this.lFlows[l]!;
    while (flows.length > 0) {
      const g = flows[0]!;
      const st = this.fState[g]!;
      if (st === PENDING || this.fRelease[g]! > now) return false;
      this.retire(g, true);
      if (this.nDirty > 0) this.ensureRecompute();
    }
    return true;
  }

  /**
   * Removes a finished flow from its links and frees it. A shared (ACTIVE) flow's delivery is scheduled now (its
   * release event, if still pending, is cancelled); a lazy flow's delivery was scheduled when it started.
   * `markDirty`: note the links it leaves that still carry flows, for the next recompute.
   */
  private retire(f: number, markDirty: boolean): void {
    const st = this.fState[f]!;
    const off = this.fOff[f]!, h = this.fHops[f]!;
    for (let i = 0; i < h; i++) {
      const e = off + i;
      const l = this.eLink[e]!;
      this.unlink(e, l);
      if (markDirty && st === ACTIVE && this.lCount[l]! > 0 && this.dirtyStamp[l] !== this.dirtyEpoch) {
        this.dirtyStamp[l] = this.dirtyEpoch;
        this.dirty[this.nDirty++] = l;
      }
    }
    this.retired++;
    this.bytesRetired += this.fBytes[f]!;
    if (st === ACTIVE) {
      this.engine.cancel(this.fEvent[f]!);
      this.engine.scheduleAt(this.fDeliver[f]!, this.fHandler[f]!, this.fA[f]!, this.fB[f]!, this.fC[f]!);
    }
    this.freeFlow(f);
  }

  /** The recompute event: rate every component touched since the last one (new flows' links, vacated links). */
  private recompute(): void {
    this.recomputeScheduled = false;
    this.recomputes++;
    const epoch = ++this.epoch;
    for (let i = 0; i < this.nPending; i++) {
      const f = this.pending[i]!;
      if (this.fState[f] !== PENDING) continue;
      const off = this.fOff[f]!, h = this.fHops[f]!;
      for (let j = 0; j < h; j++) {
        const l = this.eLink[off + j]!;
        if (this.lStamp[l] !== epoch) this.component(l, epoch);
      }
    }
    for (let i = 0; i < this.nDirty; i++) {
      const l = this.dirty[i]!;
      if (this.lStamp[l] !== epoch) this.component(l, epoch);
    }
    this.nPending = 0;
    this.nDirty = 0;
    this.dirtyEpoch++;
    if (this.observer) this.observer(this);
  }

  /** Collects the component of flows reachable from link l0 through shared links, then rates it. */
  private component(l0: number, epoch: number): void {
    const now = this.engine.now;
    const Q = this.linkQ;
    let qh = 0, qt = 0, nf = 0;
    Q[qt++] = l0;
    this.lStamp[l0] = epoch;
    while (qh < qt) {
      const l = Q[qh++]!;
      const flows = this.lFlows[l]!;
      let i = 0;
      while (i < flows.length) {
        const g = flows[i]!;
        if (this.fStamp[g] !== epoch) {
          // its other links join the component either way: it is still there, or it just left them
          const off = this.fOff[g]!, h = this.fHops[g]!;
          for (let j = 0; j < h; j++) {
            const l2 = this.eLink[off + j]!;
            if (this.lStamp[l2] !== epoch) {
              this.lStamp[l2] = epoch;
              Q[qt++] = l2;
            }
          }
          if (this.fState[g] !== PENDING && this.fRelease[g]! <= now) {
            this.retire(g, false); // swap-removes it: index i now holds another flow
            continue;
          }
          this.fStamp[g] = epoch;
          this.comp[nf++] = g;
        }
        i++;
      }
    }
    if (nf === 0) return;
    this.components++;
    this.ratedFlows += nf;
    if (nf > this.peakComponent) this.peakComponent = nf;
    this.filling.fill(this.linkQ, qt, this.comp, nf, this.fNew, this.fOff, this.fHops, this.eLink);
    this.apply(nf);
  }

  /**
   * Applies the new rates: re-anchors the flows whose rate changed (and anchors the new ones) and reschedules them.
   * If every flow of the component is released at the same instant, none of them needs a release event (no one is
   * left to speed up): they all go lazy, with their deliveries scheduled directly. Otherwise each gets a release
   * event. A flow whose rate did not change keeps its anchor and times; only its kind of event may change.
   */
  private apply(nf: number): void {
    const now = this.engine.now;
    const comp = this.comp, changed = this.fChanged;
    let same = true;
    let t0 = 0;
    for (let i = 0; i < nf; i++) {
      const g = comp[i]!;
      const r = this.fNew[g]!;
      if (this.fState[g] === PENDING) {
        this.fAnchor[g] = now;
        this.fRemain[g] = this.fBytes[g]!;
        this.fRate[g] = r;
        this.setTimes(g);
        changed[g] = 1;
      } else if (r !== this.fRate[g]) {
        const left = this.fRemain[g]! - this.fRate[g]! * (now - this.fAnchor[g]!);
        // a flow is re-rated no later than its (rounded) release, so it can be overdrawn by at most 0.5 ns of sending
        if (left < 0 && -left / this.fRate[g]! > this.maxOverdraftNs) this.maxOverdraftNs = -left / this.fRate[g]!;
        this.fRemain[g] = left > 0 ? left : 0;
        this.fAnchor[g] = now;
        this.fRate[g] = r;
        this.setTimes(g);
        changed[g] = 1;
      } else {
        changed[g] = 0;
      }
      if (i === 0) t0 = this.fRelease[g]!;
      else if (this.fRelease[g] !== t0) same = false;
    }
    for (let i = 0; i < nf; i++) {
      const g = comp[i]!;
      const st = this.fState[g]!;
      if (changed[g] === 1) {
        if (st !== PENDING) this.engine.cancel(this.fEvent[g]!);
        this.post(g, same);
      } else if ((st === LAZY) !== same) {
        this.engine.cancel(this.fEvent[g]!);
        this.post(g, same);
      }
    }
  }

  // ------------------------------------------------------------------ pools

  /** Puts entry e (a hop of flow f) on link l. */
  private link(e: number, f: number, l: number): void {
    this.eLink[e] = l;
    const flows = (this.lFlows[l] ??= []);
    this.ePos[e] = flows.length;
    flows.push(f);
    this.lCount[l]!++;
  }

  /** Takes entry e off link l: the link's last flow moves into its place. */
  private unlink(e: number, l: number): void {
    const flows = this.lFlows[l]!;
    const p = this.ePos[e]!;
    const last = flows.pop()!;
    if (p < flows.length) {
      flows[p] = last;
      const off = this.fOff[last]!, h = this.fHops[last]!;
      for (let j = 0; j < h; j++) {
        if (this.eLink[off + j] === l) {
          this.ePos[off + j] = p;
          break;
        }
      }
    }
    this.lCount[l]!--;
  }

  private allocFlow(hops: number): number {
    let f: number;
    if (this.nFreeFlows > 0) f = this.freeFlows[--this.nFreeFlows]!;
    else {
      if (this.nextFlow === this.fCap) this.growFlows(2 * this.fCap);
      f = this.nextFlow++;
    }
    let off = this.freeBlock[hops]!;
    if (off >= 0) this.freeBlock[hops] = this.eLink[off]!;
    else {
      if (this.arenaTop + hops > this.eLink.length) this.growArena(2 * (this.arenaTop + hops));
      off = this.arenaTop;
      this.arenaTop += hops;
    }
    this.fOff[f] = off;
    this.fHops[f] = hops;
    if (++this.live > this.peakLive) this.peakLive = this.live;
    return f;
  }

  private freeFlow(f: number): void {
    this.fState[f] = FREE;
    const h = this.fHops[f]!, off = this.fOff[f]!;
    this.eLink[off] = this.freeBlock[h]!;
    this.freeBlock[h] = off;
    this.freeFlows[this.nFreeFlows++] = f;
    this.live--;
  }

  private growFlows(n: number): void {
    const s = new Uint8Array(n);
    s.set(this.fState);
    this.fState = s;
    this.fHops = growI32(this.fHops, n);
    this.fOff = growI32(this.fOff, n);
    this.fHandler = growI32(this.fHandler, n);
    this.fA = growI32(this.fA, n);
    this.fB = growI32(this.fB, n);
    this.fC = growI32(this.fC, n);
    this.fStamp = growI32(this.fStamp, n);
    const ch = new Uint8Array(n);
    ch.set(this.fChanged);
    this.fChanged = ch;
    this.fBytes = growF64(this.fBytes, n);
    this.fRemain = growF64(this.fRemain, n);
    this.fAnchor = growF64(this.fAnchor, n);
    this.fRate = growF64(this.fRate, n);
    this.fNew = growF64(this.fNew, n);
    this.fLat = growF64(this.fLat, n);
    this.fExtra = growF64(this.fExtra, n);
    this.fRelease = growF64(this.fRelease, n);
    this.fDeliver = growF64(this.fDeliver, n);
    this.fEvent = growF64(this.fEvent, n);
    this.freeFlows = growI32(this.freeFlows, n);
    this.comp = growI32(this.comp, n);
    if (this.pending.length < 16) this.pending = new Int32Array(1024);
    this.fCap = n;
  }

  private growArena(n: number): void {
    this.eLink = growI32(this.eLink, n);
    this.ePos = growI32(this.ePos, n);
  }

  // ------------------------------------------------------------------ inspection (tests, debugging)

  /**
   * The flows on the links now, including those whose last byte has left but which are not retired yet (`releaseNs`
   * ≤ now: lazily released flows, or a release event due at this instant).
   */
  snapshot(): FlowView[] {
    const out: FlowView[] = [];
    for (let f = 0; f < this.nextFlow; f++) {
      const st = this.fState[f]!;
      if (st === FREE) continue;
      const links: number[] = [];
      for (let i = 0; i < this.fHops[f]!; i++) links.push(this.eLink[this.fOff[f]! + i]!);
      out.push({
        id: f, links, rate: st === PENDING ? NaN : this.fRate[f]!, bytes: this.fBytes[f]!,
        state: st === PENDING ? 'pending' : st === ACTIVE ? 'active' : 'lazy',
        releaseNs: this.fRelease[f]!, deliveryNs: this.fDeliver[f]!,
      });
    }
    return out;
  }

  /** True when no recompute is pending: every flow on the network has its max-min rate for the current set. */
  get quiescent(): boolean {
    return !this.recomputeScheduled;
  }

  /** Capacity of link l in B/ns (including injection links). */
  capacityOf(l: number): number {
    return this.cap[l]!;
  }

  /**
   * Retires every flow whose release time has passed (lazy flows stay on their links until touched) and returns
   * byte accounting: flows and bytes retired so far, flows still live, and the most any flow was found to have sent
   * beyond its bytes when re-rated, in ns of sending (the rounding rule bounds it by 0.5 ns; more would mean a
   * finished flow kept its bandwidth).
   */
  settle(): { flowsRetired: number; bytesRetired: number; maxOverdraftNs: number; live: number } {
    const now = this.engine.now;
    for (let f = 0; f < this.nextFlow; f++) {
      const st = this.fState[f]!;
      if ((st === LAZY || st === ACTIVE) && this.fRelease[f]! <= now) this.retire(f, true);
    }
    if (this.nDirty > 0) this.ensureRecompute();
    return { flowsRetired: this.retired, bytesRetired: this.bytesRetired, maxOverdraftNs: this.maxOverdraftNs, live: this.live };
  }
}
