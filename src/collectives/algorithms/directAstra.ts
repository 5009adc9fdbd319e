/**
 * Direct, flavor `astra`: ASTRA-sim's `AllToAll` collective (a subclass of its `Ring`) with its counters kept
 * literally (notes §5.2), because with a window W < p−1 its timing has no closed form: which receives are reduced
 * depends on the order they arrive in.
 *
 * Per member: a window P = min(W, p−1) (`direct` alone: P = p−1); a budget of sends S (all-reduce 2(p−1), the others
 * p−1); the message ⌊D/p⌋ (all-gather: D). Its k-th packet (0-based) goes to the member k mod (p−1) + 1 positions
 * ahead in the line and posts the receive from as many positions behind; a message is matched to the receive of
 * the same index, and one that arrives before its receive is posted is taken in when it is (in the same instant).
 *
 * - insert (at the start, P times; then on each receive): open a new round of P "zero" and P "nonzero" slots when
 *   both are used up (flipping `toggle`); a zero slot is not reduced, a nonzero one is reduced for a reduce-scatter,
 *   and for an all-reduce when `toggle` is set. Either way the member pays the endpoint delay (plus 3·⌊m/L⌋ if
 *   reduced) and then runs `general`.
 * - general: one credit more; then send one packet if a packet, a send and a credit are left. In an all-reduce's
 *   second half (S ≤ p−1 sends left) it instead waits until p−1 messages have been received, then sends up to P.
 * - The member is done when it has sent everything and holds all P credits.
 *
 * With P = p−1 on a symmetric network this is the textbook direct: all-reduce = 2T + 3e + R.
 */
import { PhaseRun } from './base.ts';
import type { Collective, CollectiveSystem } from '../system.ts';
import type { PhasePlan } from '../plan.ts';

const enum Kind { RS, AG, AR, A2A }

export class AstraDirectRun extends PhaseRun {
  private readonly kind: Kind;
  private readonly window: number;
  private readonly sends: number;
  private readonly msg: number;
  private readonly zero: Int32Array;
  private readonly nonzero: Int32Array;
  private readonly toggle: Uint8Array;
  private readonly credit: Int32Array;
  private readonly received: Int32Array;
  private readonly inserted: Int32Array; // packets made
  private readonly sent: Int32Array; // packets sent (= receives posted)
  private readonly finished: Uint8Array;
  /** Member × send index: the message arrived before its receive was posted. Made on first need. */
  private early: Uint8Array | undefined;

  constructor(system: CollectiveSystem, id: number, c: Collective, chunk: number, phaseIndex: number, phase: PhasePlan, bytes: number) {
    super(system, id, c, chunk, phaseIndex, phase, bytes);
    const p = this.p;
    switch (phase.op) {
      case 'reducescatter': this.kind = Kind.RS; break;
      case 'allgather': this.kind = Kind.AG; break;
      case 'allreduce': this.kind = Kind.AR; break;
      case 'alltoall': this.kind = Kind.A2A; break;
      default: throw new Error(`direct (astra) cannot run ${phase.op}`); // the registry rejects it first
    }
    const w = phase.algorithm.window;
    this.window = w === undefined || w <= 0 ? Math.max(1, p - 1) : Math.min(w, Math.max(1, p - 1));
    this.sends = this.kind === Kind.AR ? 2 * (p - 1) : p - 1;
    this.msg = this.kind === Kind.AG ? bytes : Math.floor(bytes / p);
    const G = c.size;
    this.zero = new Int32Array(G);
    this.nonzero = new Int32Array(G);
    this.toggle = new Uint8Array(G);
    this.credit = new Int32Array(G);
    this.received = new Int32Array(G);
    this.inserted = new Int32Array(G);
    this.sent = new Int32Array(G);
    this.finished = new Uint8Array(G);
  }

  reset(): void {
    this.zero.fill(0);
    this.nonzero.fill(0);
    this.toggle.fill(0);
    this.credit.fill(0);
    this.received.fill(0);
    this.inserted.fill(0);
    this.sent.fill(0);
    this.finished.fill(0);
    this.early?.fill(0);
  }

  opensWithSend(): boolean {
    return true;
  }

  /** Never fold processing into the arrival: whether a receive is reduced depends on the order of arrivals. */
  protected ready(): boolean {
    return false;
  }

  start(m: number): void {
    if (this.p <= 1) return this.done(m);
    // the P initial inserts (their endpoint delay was paid before start) and their generals
    for (let i = 0; i < this.window; i++) this.insert(m, false);
    for (let i = 0; i < this.window; i++) this.general(m);
  }

  /** Message with send index j has reached member m. */
  arrive(m: number, j: number): void {
    if (j < this.sent[m]!) {
      this.received[m]!++;
      this.insert(m, true);
    } else {
      const early = this.early ?? (this.early = new Uint8Array(this.collective.size * this.sends));
      early[m * this.sends + j] = 1;
    }
  }

  processed(m: number): void {
    this.general(m);
  }

  /** Takes a slot for a new packet; with `bundle`, schedules its general after the endpoint delay (+ reduction). */
  private insert(m: number, bundle: boolean): void {
    if (this.zero[m] === 0 && this.nonzero[m] === 0) {
      this.zero[m] = this.window;
      this.nonzero[m] = this.window;
      this.toggle[m] = this.toggle[m]! ^ 1;
    }
    let reduce = false;
    if (this.zero[m]! > 0) this.zero[m]!--;
    else {
      this.nonzero[m]!--;
      reduce = this.kind === Kind.RS || (this.kind === Kind.AR && this.toggle[m] === 1);
    }
    this.inserted[m]!++;
    if (bundle) this.receive(m, 0, this.msg, reduce);
  }

  private general(m: number): void {
    this.credit[m]!++;
    const p = this.p;
    if (this.kind === Kind.AR && this.sends - this.sent[m]! <= p - 1) {
      if (this.received[m]! < p - 1) return;
      // up to P sends; stop at the first that cannot go (nothing changes until the next event)
      for (let i = 0; i < this.window; i++) if (!this.sendOne(m)) break;
    } else this.sendOne(m);
    if (this.sent[m] === this.sends && this.credit[m] === this.window && this.finished[m] === 0) {
      this.finished[m] = 1;
      this.done(m);
    }
  }

  /** Sends member m's next packet if a packet, a send and a credit are left; says whether it did. */
  private sendOne(m: number): boolean {
    const j = this.sent[m]!;
    if (this.inserted[m]! <= j || j >= this.sends || this.credit[m]! <= 0) return false;
    const p = this.p;
    const pos = this.phase.posOf[m]!;
    const off = 1 + (j % (p - 1));
    this.sent[m] = j + 1;
    this.credit[m]!--;
    this.send(m, this.peer(m, (pos + off) % p), this.msg, j, false);
    // the receive of index j is now posted: take in a message that came early, later in this instant
    const early = this.early;
    if (early !== undefined && early[m * this.sends + j] === 1) {
      early[m * this.sends + j] = 0;
      this.system.engine.schedule(0, this.system.hArrive, this.id, m, j);
    }
    return true;
  }
}
