/**
 * Ring: members pass messages to their successor (position + 1 mod p), one step after another.
 *
 * | op             | steps   | message per step                   | reduces on            |
 * |----------------|---------|------------------------------------|-----------------------|
 * | reduce-scatter | p−1     | n/p                                | every step            |
 * | all-gather     | p−1     | n (each rank's input)              | none                  |
 * | all-reduce     | 2(p−1)  | n/p                                | the first p−1 steps   |
 * | all-to-all     | p−1     | step s (0-based): (p−1−s)·n/p, the blocks still travelling | none |
 *   (flavor `astra`: p(p−1)/2 steps of n/p, as ASTRA-sim does)
 * | broadcast      | p−1     | n, a chain from the root           | none                  |
 * | reduce         | p−1     | n, a chain ending at the root      | every step            |
 *
 * A member sends step s+1 once it has received and processed step s. A message that arrives before its member is
 * waiting for it is kept (a count; per step for the native all-to-all, whose shrinking messages can overtake each
 * other) and taken in when the member posts the receive for its step.
 *
 * One event per message: every message is delivered at arrival + processing delay (endpoint delay, reduction), the
 * time it is done if its receiver was already waiting when it arrived, which is the common case. The receiver
 * records when it started waiting; if that was after the arrival, the message is done that much later (one more
 * event), and if the receiver is not waiting yet, the message counts as arrived early.
 * Closed form (α-β, one chunk, free processing, one hop per step): all-reduce 2(p−1)(α + n/(pB)).
 */
import { PhaseRun } from './base.ts';
import type { Collective, CollectiveSystem } from '../system.ts';
import type { PhasePlan } from '../plan.ts';

const enum Kind { RS, AG, AR, A2A, BCAST, REDUCE }
/** Member states besides waiting (a wait records its start time, which is ≥ 0): see `since`. */
const IDLE = -1, TAKING = -2;

export class RingRun extends PhaseRun {
  private readonly kind: Kind;
  private readonly steps: number;
  private readonly unit: number; // bytes per step for RS/AR (n/p) and AG (n); per block for A2A (n/p)
  private readonly step: Int32Array; // next step each member waits for
  private readonly early: Int32Array; // messages arrived before their member was waiting
  /**
   * Per member: since when it has been waiting for step[m]'s message (≥ 0), or IDLE, or TAKING that message
   * (processing it after a late start). One array for state and time: the two are read together per message.
   */
  private readonly since: Float64Array;
  /** Steps below this reduce (RS, reduce: all; AR: the first p−1; others: none). */
  private readonly reduceBelow: number;
  /** Processing delay of a step's message that is reduced / is not (when every step's message has one size). */
  private readonly delayReduce: number;
  private readonly delayPlain: number;
  private readonly sizesVary: boolean; // native all-to-all: the message shrinks every step
  /**
   * Native all-to-all only: which early messages arrived, per (member, step). Its messages shrink every step, so
   * they are not interchangeable; equal-size messages are, and a count suffices for them even when they overtake
   * one another (see {@link processed}).
   */
  private readonly arrived: Uint8Array | undefined;

  constructor(system: CollectiveSystem, id: number, c: Collective, chunk: number, phaseIndex: number, phase: PhasePlan, bytes: number) {
    super(system, id, c, chunk, phaseIndex, phase, bytes);
    const p = this.p;
    const G = c.size;
    switch (phase.op) {
      case 'reducescatter': this.kind = Kind.RS; this.steps = p - 1; this.unit = this.part(bytes, p); break;
      case 'allgather': this.kind = Kind.AG; this.steps = p - 1; this.unit = bytes; break;
      case 'allreduce': this.kind = Kind.AR; this.steps = 2 * (p - 1); this.unit = this.part(bytes, p); break;
      // ASTRA-sim's ring all-to-all sends p(p−1)/2 messages of ⌊n/p⌋ one after another
      case 'alltoall': this.kind = Kind.A2A; this.steps = this.astra ? (p * (p - 1)) / 2 : p - 1; this.unit = this.part(bytes, p); break;
      case 'broadcast': this.kind = Kind.BCAST; this.steps = 1; this.unit = bytes; break;
      case 'reduce': this.kind = Kind.REDUCE; this.steps = 1; this.unit = bytes; break;
    }
    this.step = new Int32Array(G);
    this.early = new Int32Array(G);
    this.since = new Float64Array(G).fill(IDLE);
    this.reduceBelow = this.kind === Kind.RS || this.kind === Kind.REDUCE ? Infinity : this.kind === Kind.AR ? p - 1 : 0;
    this.sizesVary = this.kind === Kind.A2A && !this.astra;
    this.arrived = this.sizesVary ? new Uint8Array(G * this.steps) : undefined;
    this.delayReduce = this.processingDelay(this.unit, true);
    this.delayPlain = this.processingDelay(this.unit, false);
  }

  reset(): void {
    const step = this.step, early = this.early, since = this.since;
    for (let m = 0; m < step.length; m++) { // (a loop: fill() is a builtin call per array, dear for a group's few members)
      step[m] = 0;
      early[m] = 0;
      since[m] = IDLE;
    }
    this.arrived?.fill(0);
  }

  /** Processing delay of step s's message at its receiver. */
  private delay(s: number): number {
    if (this.sizesVary) return this.processingDelay(this.size(s), false);
    return s < this.reduceBelow ? this.delayReduce : this.delayPlain;
  }

  private size(s: number): number {
    return this.kind === Kind.A2A && !this.astra ? (this.p - 1 - s) * this.unit : this.unit;
  }

  opensWithSend(m: number): boolean {
    return (this.kind !== Kind.BCAST && this.kind !== Kind.REDUCE) || this.chainPos(m) === 0;
  }

  private reduces(s: number): boolean {
    return s < this.reduceBelow;
  }

  /** Position relative to the chain start: 0 sends first; p−1 receives last. */
  private chainPos(m: number): number {
    const pos = this.phase.posOf[m]!;
    const root = this.phase.rootPos![this.phase.lineOf[m]!]!;
    const p = this.p;
    return this.kind === Kind.BCAST ? (pos - root + p) % p : (pos - root - 1 + 2 * p) % p;
  }

  private successor(m: number): number {
    return this.phase.next[m]!;
  }

  /** Every message is delivered to `processed` at arrival + processing delay (see the header). */
  protected ready(): boolean {
    return true;
  }

  start(m: number): void {
    if (this.p <= 1) return this.done(m);
    if (this.kind === Kind.BCAST || this.kind === Kind.REDUCE) {
      if (this.chainPos(m) === 0) {
        this.send(m, this.successor(m), this.unit, 0, this.kind === Kind.REDUCE);
        return this.done(m);
      }
    } else {
      this.send(m, this.successor(m), this.size(0), 0, this.reduces(0));
    }
    this.post(m);
  }

  /** Member m posts the receive for its current step (kept small: it runs once per message). */
  private post(m: number): void {
    if (this.arrived !== undefined) return this.postSized(m);
    if (this.early[m]! > 0) {
      this.early[m]!--;
      this.take(m, this.step[m]!);
    } else this.since[m] = this.engine.now;
  }

  /**
   * Member m takes in a message for step s that had arrived before it waited for it: done after the processing
   * delay, signalled by a step of ~s (negative), so that the end of processing is never mistaken for a message.
   */
  private take(m: number, s: number): void {
    const delay = this.delay(s);
    if (delay === 0) return this.next(m, s);
    this.since[m] = TAKING;
    this.engine.schedule(delay, this.system.hProcessed, this.id, m, ~s);
  }

  /** {@link post} for the native all-to-all, whose early messages are kept per step. */
  private postSized(m: number): void {
    const arrived = this.arrived!;
    const s = this.step[m]!;
    const k = m * this.steps + s;
    if (arrived[k] === 1) {
      arrived[k] = 0;
      this.take(m, s);
    } else this.since[m] = this.engine.now;
  }

  /** Unused: messages come to {@link processed} (ready() is always true). */
  arrive(m: number, round: number): void {
    this.processed(m, round);
  }

  /**
   * Either a message for step s delivered at arrival + processing delay, or (s < 0) the end of the processing of
   * the message for step ~s, taken in late.
   *
   * Messages from the predecessor may arrive out of step order: flows that share links and finish at one instant
   * are delivered in whatever order the network scheduled them, and a reduced step's message carries a longer
   * processing delay than the plain one after it. Equal-size messages are interchangeable, so a member counts them:
   * one for a later step waits (early) until the member gets there; one for a step it already took a stand-in for
   * is the data of its current step, taken at once if it is waiting. (Taking it as early instead left the member
   * waiting beside its own data for ever: the flow model's deadlock of GPT-3 on the SuperPOD.) The native
   * all-to-all's messages differ in size and are matched by step exactly.
   */
  processed(m: number, s: number): void {
    const since = this.since[m]!;
    if (s < 0) {
      this.since[m] = IDLE;
      return this.next(m, ~s);
    }
    const cur = this.step[m]!;
    if (since >= 0 && (cur === s || (s < cur && this.arrived === undefined))) {
      this.since[m] = IDLE;
      const delay = this.delay(cur);
      if (since <= this.engine.now - delay) return this.next(m, cur); // it was waiting when the message arrived
      this.since[m] = TAKING;
      this.engine.scheduleAt(since + delay, this.system.hProcessed, this.id, m, ~cur);
      return;
    }
    if (this.arrived !== undefined) this.arrived[m * this.steps + s] = 1;
    else this.early[m]!++;
  }

  /**
   * {@link PhaseRun.processedRun} with the common case written out: member m was waiting for step s when its message
   * arrived, and sends step s + 1 next. That case does what processed() → next() → sendStep() → post() do, in the
   * same order (the state written and the message sent are the same); anything else goes to processed(). Entries of
   * one step share their delays; on a network where every pair sees one delay (uniformDelay), they share the
   * arrival time too, and while nothing else has run in between, each joins the batch the one before it opened.
   */
  override processedRun(buf: Int32Array, k: number, end: number): number {
    const id = this.id, unit = this.unit;
    if (this.kind === Kind.BCAST || this.kind === Kind.REDUCE || this.sizesVary || (this.astra && unit >= 2 ** 31)) {
      return super.processedRun(buf, k, end);
    }
    const batches = this.batches!, net = this.net;
    const uniform = net.uniformDelay !== undefined ? net.uniformDelay(unit) : -1;
    const step = this.step, since = this.since, early = this.early, succ = this.phase.next;
    const now = this.engine.now, last = this.steps - 1;
    let cs = -1, dS = 0, dN = 0, at = -1, sent = 0;
    let joined = false; // the previous entry's message opened or joined the open batch, and nothing ran since
    do {
      const m = buf[k + 1]!, s = buf[k + 2]!;
      if (s !== cs) {
        cs = s;
        dS = this.delay(s);
        dN = this.delay(s + 1);
        at = uniform >= 0 ? now + uniform + dN : -1;
        joined = false;
      }
      const w = since[m]!;
      if (w >= 0 && s >= 0 && s < last && step[m] === s && early[m] === 0 && w <= now - dS) {
        step[m] = s + 1;
        if (at < 0) this.sendStep(m, succ[m]!, unit, s + 1, dN);
        else {
          if (joined) batches.append(id, succ[m]!, s + 1);
          else batches.add(at, id, succ[m]!, s + 1, false);
          joined = true;
          sent++;
        }
        since[m] = now; // post(): waits for step s + 1 (none of it arrived early)
      } else {
        this.processed(m, s);
        joined = false;
      }
      k += 3;
    } while (k < end && buf[k] === id);
    if (sent > 0) net.countSent!(sent, unit);
    return k;
  }

  /** Member m has taken in and processed step s. */
  private next(m: number, s: number): void {
    if (this.kind === Kind.BCAST || this.kind === Kind.REDUCE) return this.nextInChain(m);
    const next = s + 1;
    this.step[m] = next;
    if (next === this.steps) return this.done(m);
    this.sendStep(m, this.phase.next[m]!, this.size(next), next, this.delay(next));
    this.post(m);
  }

  /** Broadcast / reduce: member m has its data; it passes it on unless it ends the chain. */
  private nextInChain(m: number): void {
    if (this.chainPos(m) !== this.p - 1) this.send(m, this.successor(m), this.unit, 0, this.kind === Kind.REDUCE);
    this.done(m);
  }
}
