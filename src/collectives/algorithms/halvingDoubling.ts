/**
 * Halving-doubling (recursive halving for reduce-scatter, recursive doubling for all-gather; Rabenseifner's
 * all-reduce), and binomial trees for broadcast and reduce. Lines must have a power-of-two size.
 *
 * | op             | rounds   | round r: partner, message                                           |
 * |----------------|----------|---------------------------------------------------------------------|
 * | reduce-scatter | L=log2 p | pos XOR 2^r, n/2^(r+1), reduces                                      |
 * | all-gather     | L        | pos XOR 2^(L−1−r), x·2^r (x = each rank's input)                     |
 * | all-reduce     | 2L       | reduce-scatter rounds, then all-gather rounds on x = n/p             |
 * | broadcast      | L        | binomial tree from the root: relative rank q < 2^r sends n to q + 2^r |
 * | reduce         | L        | binomial tree to the root: q with lowest set bit r sends n to q − 2^r |
 *
 * In a broadcast a member starts its next send when its previous one has arrived (a tree, not a star).
 * Closed form (α-β, one chunk, free processing, switch: 2 hops): all-reduce 2·L·2α + 2(p−1)n/(pB).
 * All-to-all is not supported (as in ASTRA-sim, which exits on it): choose ring or direct.
 */
import { PhaseRun } from './base.ts';
import type { Collective, CollectiveSystem } from '../system.ts';
import type { PhasePlan } from '../plan.ts';
import { CollectiveError } from '../types.ts';

const enum Kind { RS, AG, AR, BCAST, REDUCE }

export class HalvingDoublingRun extends PhaseRun {
  private readonly kind: Kind;
  private readonly L: number;
  private readonly rounds: number;
  private readonly round: Int32Array; // round a member waits for; -1 before start
  private readonly early: Int32Array; // bit r: a round-r message arrived before its member waited for it
  private readonly waitingSince: Float64Array; // when the member started waiting for round[m]
  private readonly taking: Uint8Array; // the member has taken in round[m]'s message and is processing it

  constructor(system: CollectiveSystem, id: number, c: Collective, chunk: number, phaseIndex: number, phase: PhasePlan, bytes: number) {
    super(system, id, c, chunk, phaseIndex, phase, bytes);
    switch (phase.op) {
      case 'reducescatter': this.kind = Kind.RS; break;
      case 'allgather': this.kind = Kind.AG; break;
      case 'allreduce': this.kind = Kind.AR; break;
      case 'broadcast': this.kind = Kind.BCAST; break;
      case 'reduce': this.kind = Kind.REDUCE; break;
      case 'alltoall':
        throw new CollectiveError('halvingDoubling does not support all-to-all (ASTRA-sim exits on it too); use ring or direct');
    }
    this.L = Math.round(Math.log2(this.p));
    this.rounds = this.kind === Kind.AR ? 2 * this.L : this.L;
    this.round = new Int32Array(c.size).fill(-1);
    this.early = new Int32Array(c.size);
    this.waitingSince = new Float64Array(c.size);
    this.taking = new Uint8Array(c.size);
  }

  reset(): void {
    this.round.fill(-1);
    this.early.fill(0);
    this.waitingSince.fill(0);
    this.taking.fill(0);
  }

  private rel(m: number): number {
    const pos = this.phase.posOf[m]!;
    return this.kind === Kind.BCAST || this.kind === Kind.REDUCE
      ? (pos - this.phase.rootPos![this.phase.lineOf[m]!]! + this.p) % this.p
      : pos;
  }

  private member(m: number, rel: number): number {
    const root = this.kind === Kind.BCAST || this.kind === Kind.REDUCE ? this.phase.rootPos![this.phase.lineOf[m]!]! : 0;
    return this.peer(m, (rel + root) % this.p);
  }

  /** Partner distance and message size of round r for RS/AG/AR. */
  private dist(r: number): number {
    if (this.kind === Kind.RS || (this.kind === Kind.AR && r < this.L)) return 1 << r;
    const g = this.kind === Kind.AR ? r - this.L : r;
    return 1 << (this.L - 1 - g);
  }

  private msg(r: number): number {
    switch (this.kind) {
      case Kind.RS: return this.part(this.bytes, 1 << (r + 1));
      case Kind.AG: return this.bytes * (1 << r);
      case Kind.AR: return r < this.L ? this.part(this.bytes, 1 << (r + 1)) : this.part(this.bytes, this.p) * (1 << (r - this.L));
      default: return this.bytes;
    }
  }

  private reduces(r: number): boolean {
    // ASTRA-sim reduces on only L−1 of the L reduce-scatter receives (its slot count per round is
    // int(log2 p − 1), an operator-precedence slip), and charges each the next round's, halved, message
    if (this.astra && this.kind !== Kind.REDUCE) return (this.kind === Kind.RS || this.kind === Kind.AR) && r < this.L - 1;
    return this.kind === Kind.RS || this.kind === Kind.REDUCE || (this.kind === Kind.AR && r < this.L);
  }

  /** Bytes a round-r receive reduces over (flavor astra: the next round's message; notes §5.3). */
  private reduceBytes(r: number): number {
    return this.astra && this.kind !== Kind.REDUCE ? this.msg(r + 1) : this.msg(r);
  }

  start(m: number): void {
    if (this.p <= 1) return this.done(m);
    const q = this.rel(m);
    switch (this.kind) {
      case Kind.BCAST:
        if (q === 0) return this.sendDown(m, 0);
        // receives in the round of its highest set bit
        return this.wait(m, 31 - Math.clz32(q));
      case Kind.REDUCE: {
        const low = q === 0 ? this.L : 31 - Math.clz32(q & -q); // rounds 0..low-1 bring children's data
        if (low === 0) { this.send(m, this.member(m, q - 1), this.bytes, 0, true); return this.done(m); }
        return this.wait(m, 0);
      }
      default:
        this.send(m, this.member(m, q ^ this.dist(0)), this.msg(0), 0, this.reduces(0), this.reduceBytes(0));
        return this.wait(m, 0);
    }
  }

  private wait(m: number, r: number): void {
    this.round[m] = r;
    const bit = 1 << r;
    if ((this.early[m]! & bit) !== 0) {
      this.early[m]! &= ~bit;
      this.taking[m] = 1;
      this.receive(m, r, this.reduceBytes(r), this.reduces(r));
    } else this.waitingSince[m] = this.system.engine.now;
  }

  opensWithSend(m: number): boolean {
    const q = this.rel(m);
    if (this.kind === Kind.BCAST) return q === 0;
    if (this.kind === Kind.REDUCE) return (q & 1) === 1;
    return true;
  }

  /**
   * One event per message (as in ring.ts): every message but a broadcast's is delivered to `processed` at arrival +
   * processing delay, and the receiver settles there whether it was already waiting when the message arrived. A
   * broadcast arrival also releases its sender's next send, so it comes through arrive().
   */
  protected ready(): boolean {
    return this.kind !== Kind.BCAST;
  }

  arrive(m: number, r: number): void {
    if (this.kind === Kind.BCAST) {
      // the sender's round-r message has arrived: it may send its next one
      const q = this.rel(m);
      this.sendDown(this.member(m, q - (1 << r)), r + 1);
    }
    if (this.round[m] === r) this.receive(m, r, this.reduceBytes(r), this.reduces(r));
    else this.early[m]! |= 1 << r;
  }

  processed(m: number, r: number): void {
    if (this.kind !== Kind.BCAST) {
      if (this.taking[m] === 1 && this.round[m] === r) this.taking[m] = 0;
      else if (this.round[m] === r) {
        // delivered at arrival + delay: done now if the member was waiting when it arrived, else that much later
        const delay = this.processingDelay(this.reduceBytes(r), this.reduces(r));
        const since = this.waitingSince[m]!;
        if (since > this.system.engine.now - delay) {
          this.taking[m] = 1;
          this.system.engine.scheduleAt(since + delay, this.system.hProcessed, this.id, m, r);
          return;
        }
      } else {
        this.early[m]! |= 1 << r;
        return;
      }
    }
    const q = this.rel(m);
    switch (this.kind) {
      case Kind.BCAST:
        return this.sendDown(m, r + 1);
      case Kind.REDUCE: {
        const low = q === 0 ? this.L : 31 - Math.clz32(q & -q);
        // wait for the next child that exists (q + 2^r' < p always holds for power-of-two p)
        if (r + 1 < low) return this.wait(m, r + 1);
        if (q !== 0) this.send(m, this.member(m, q - (1 << low)), this.bytes, low, true);
        return this.done(m);
      }
      default: {
        const next = r + 1;
        if (next === this.rounds) return this.done(m);
        this.send(m, this.member(m, q ^ this.dist(next)), this.msg(next), next, this.reduces(next), this.reduceBytes(next));
        return this.wait(m, next);
      }
    }
  }

  /** Broadcast: member m sends its round-r child message, or finishes when it has no more children. */
  private sendDown(m: number, r: number): void {
    const q = this.rel(m);
    if (r >= this.L || q >= 1 << r) return this.done(m);
    this.send(m, this.member(m, q + (1 << r)), this.bytes, r, false);
  }
}
