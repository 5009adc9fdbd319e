/**
 * Direct: every member exchanges with every other member of its line at once (at most `window` messages of a
 * round in flight per member; by default all p−1).
 *
 * | op             | rounds | each member sends                          | reduces on |
 * |----------------|--------|--------------------------------------------|------------|
 * | reduce-scatter | 1      | n/p to each of the p−1 others              | round 0    |
 * | all-gather     | 1      | n (its input) to each of the others        | none       |
 * | all-reduce     | 2      | reduce-scatter round, then all-gather of n/p | round 0  |
 * | all-to-all     | 1      | n/p to each of the others                  | none       |
 * | broadcast      | 1      | the root sends n to each of the others     | none       |
 * | reduce         | 1      | each non-root sends n to the root          | round 0    |
 *
 * A round ends for a member when it has processed every message it expects in that round. With a window W < p−1,
 * a member starts W sends and starts the next one each time it has processed a received message of the round.
 * Closed form (α-β, no contention, one chunk, free processing, h hops between any two members):
 * all-reduce 2(h·α + n/(pB)).
 */
import { PhaseRun } from './base.ts';
import type { Collective, CollectiveSystem } from '../system.ts';
import type { PhasePlan } from '../plan.ts';

const enum Kind { RS, AG, AR, A2A, BCAST, REDUCE }

export class DirectRun extends PhaseRun {
  private readonly kind: Kind;
  private readonly window: number;
  private readonly rounds: number;
  private readonly round: Int32Array; // round each member is in; -1 before start
  private readonly sent: Int32Array; // sends issued in the current round
  private readonly got: Int32Array; // messages processed in the current round
  private readonly early0: Int32Array; // arrivals for round 0 / round 1 not yet taken in
  private readonly early1: Int32Array;

  constructor(system: CollectiveSystem, id: number, c: Collective, chunk: number, phaseIndex: number, phase: PhasePlan, bytes: number) {
    super(system, id, c, chunk, phaseIndex, phase, bytes);
    switch (phase.op) {
      case 'reducescatter': this.kind = Kind.RS; break;
      case 'allgather': this.kind = Kind.AG; break;
      case 'allreduce': this.kind = Kind.AR; break;
      case 'alltoall': this.kind = Kind.A2A; break;
      case 'broadcast': this.kind = Kind.BCAST; break;
      case 'reduce': this.kind = Kind.REDUCE; break;
    }
    this.rounds = this.kind === Kind.AR ? 2 : 1;
    const w = phase.algorithm.window;
    this.window = w === undefined || w <= 0 ? Math.max(1, this.p - 1) : Math.min(w, Math.max(1, this.p - 1));
    const G = c.size;
    this.round = new Int32Array(G).fill(-1);
    this.sent = new Int32Array(G);
    this.got = new Int32Array(G);
    this.early0 = new Int32Array(G);
    this.early1 = new Int32Array(G);
  }

  reset(): void {
    this.round.fill(-1);
    this.sent.fill(0);
    this.got.fill(0);
    this.early0.fill(0);
    this.early1.fill(0);
  }

  private isRoot(m: number): boolean {
    return this.phase.posOf[m] === this.phase.rootPos![this.phase.lineOf[m]!];
  }

  /** Messages member m sends in round r. */
  private sendsIn(m: number): number {
    if (this.kind === Kind.BCAST) return this.isRoot(m) ? this.p - 1 : 0;
    if (this.kind === Kind.REDUCE) return this.isRoot(m) ? 0 : 1;
    return this.p - 1;
  }

  /** Messages member m receives in round r. */
  private expects(m: number): number {
    if (this.kind === Kind.BCAST) return this.isRoot(m) ? 0 : 1;
    if (this.kind === Kind.REDUCE) return this.isRoot(m) ? this.p - 1 : 0;
    return this.p - 1;
  }

  private msgBytes(_r: number): number {
    switch (this.kind) {
      case Kind.AG: case Kind.BCAST: case Kind.REDUCE: return this.bytes;
      default: return this.part(this.bytes, this.p); // RS, A2A, and both rounds of AR
    }
  }

  private reduces(r: number): boolean {
    return r === 0 && (this.kind === Kind.RS || this.kind === Kind.AR || this.kind === Kind.REDUCE);
  }

  /** The k-th destination (0-based) of member m: the others in line order starting after m; the root for reduce. */
  private target(m: number, k: number): number {
    const pos = this.phase.posOf[m]!;
    if (this.kind === Kind.REDUCE) return this.peer(m, this.phase.rootPos![this.phase.lineOf[m]!]!);
    return this.peer(m, (pos + 1 + k) % this.p);
  }

  start(m: number): void {
    if (this.p <= 1) return this.done(m);
    this.begin(m, 0);
  }

  private begin(m: number, r: number): void {
    this.round[m] = r;
    this.sent[m] = 0;
    this.got[m] = 0;
    const total = this.sendsIn(m);
    const first = Math.min(total, this.window);
    for (let k = 0; k < first; k++) this.send(m, this.target(m, k), this.msgBytes(r), r, this.reduces(r));
    this.sent[m] = first;
    if (this.expects(m) === 0) {
      // nothing to receive (broadcast root, reduce leaf): the window refills need no receives either
      for (let k = first; k < total; k++) this.send(m, this.target(m, k), this.msgBytes(r), r, this.reduces(r));
      return this.endRound(m, r);
    }
    const early = r === 0 ? this.early0 : this.early1;
    let e = early[m]!;
    early[m] = 0;
    const b = this.msgBytes(r), red = this.reduces(r);
    while (e-- > 0) this.receive(m, r, b, red);
  }

  opensWithSend(m: number): boolean {
    return this.sendsIn(m) > 0;
  }

  protected ready(m: number, r: number): boolean {
    return this.round[m] === r;
  }

  arrive(m: number, r: number): void {
    if (this.round[m] === r) this.receive(m, r, this.msgBytes(r), this.reduces(r));
    else if (r === 0) this.early0[m]!++;
    else this.early1[m]!++;
  }

  processed(m: number, r: number): void {
    const got = ++this.got[m]!;
    const total = this.sendsIn(m);
    if (this.sent[m]! < total) {
      this.send(m, this.target(m, this.sent[m]!), this.msgBytes(r), r, this.reduces(r));
      this.sent[m]!++;
    }
    if (got === this.expects(m)) {
      // flush any sends the window still holds (possible when sends outnumber receives)
      while (this.sent[m]! < total) {
        this.send(m, this.target(m, this.sent[m]!), this.msgBytes(r), r, this.reduces(r));
        this.sent[m]!++;
      }
      this.endRound(m, r);
    }
  }

  private endRound(m: number, r: number): void {
    if (r + 1 < this.rounds) this.begin(m, r + 1);
    else this.done(m);
  }
}
