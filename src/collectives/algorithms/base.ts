/**
 * The per-phase, per-chunk state machine an algorithm implements, and the helpers every algorithm uses.
 *
 * One PhaseRun exists per (collective, chunk, phase). Its state is indexed by member (typed arrays of the group
 * size), so a 16,384-NPU phase is a handful of arrays, not thousands of objects. The system calls:
 * - `start(m)` when member m begins the phase (after its queue admitted the chunk);
 * - `arrive(m, round)` when a message for m's `round` has arrived; the algorithm either takes it in now (the member
 *   is waiting for that round) or keeps it for later (the member is behind);
 * - `processed(m, round)` when the receive's processing delay (endpoint delay, reduction) is over.
 * An algorithm calls `send` for each message and `done(m)` when m has finished the phase. `reset()` clears the
 * per-member state for reuse by a later instance of the same collective.
 *
 * Fast path: when `ready(to, round)` says the receiver is already waiting for that round (so nothing but this
 * message can satisfy it before it arrives), `send` asks the network to deliver straight to `processed` after
 * arrival + processing delay: one event per message instead of an arrival and a processing event.
 */
import type { Engine } from '../../engine/index.ts';
import type { NetworkModel } from '../../network/model.ts';
import type { Collective, CollectiveSystem } from '../system.ts';
import type { PhasePlan } from '../plan.ts';
import { CollectiveError } from '../types.ts';
import type { DeliveryBatches } from '../coalesce.ts';

export abstract class PhaseRun {
  /** Members per line. */
  protected readonly p: number;
  private readonly endpoint: number;
  private readonly reduceScale: number; // 3 / L in ns per byte, 0 when reductions are free
  private readonly localMemBw: number;
  /** ASTRA-sim arithmetic (integer message sizes, truncated delays, its algorithm quirks). */
  protected readonly astra: boolean;
  private readonly members: Int32Array;
  protected readonly engine: Engine;
  protected readonly net: NetworkModel;
  private readonly hProcessed: number;
  protected readonly batches: DeliveryBatches | undefined;
  private memoBytes = -1;
  private memoDelay = 0;

  constructor(
    protected readonly system: CollectiveSystem,
    readonly id: number,
    readonly collective: Collective,
    readonly chunk: number,
    readonly phaseIndex: number,
    readonly phase: PhasePlan,
    /** Bytes entering this phase per rank for this chunk. */
    protected readonly bytes: number,
  ) {
    this.p = phase.size;
    const o = collective.options;
    this.endpoint = o.endpointDelayNs;
    this.localMemBw = o.localMemBwGBps;
    this.reduceScale = o.localMemBwGBps === Infinity ? 0 : 3 / o.localMemBwGBps;
    this.astra = o.flavor === 'astra';
    this.members = collective.members;
    this.engine = system.engine;
    this.net = system.network;
    this.hProcessed = system.hProcessed;
    this.batches = system.batches;
  }

  abstract start(m: number): void;
  abstract arrive(m: number, round: number): void;
  abstract processed(m: number, round: number): void;
  /** True if member m is waiting for `round` now and will take in the next such message on arrival. */
  protected abstract ready(m: number, round: number): boolean;
  /** True if member m's part of the phase begins with a send (it then pays the endpoint delay first). */
  abstract opensWithSend(m: number): boolean;
  /**
   * Returns the per-member state to what the constructor made, for a new instance of the same collective (the
   * system reuses finished runs: CollectiveSystem.instantiate). Runs are reset in creation order.
   */
  abstract reset(): void;

  /** D/n: exact (native), or ASTRA-sim's integer division. */
  protected part(d: number, n: number): number {
    return this.astra ? Math.floor(d / n) : d / n;
  }

  /** Member index of position `pos` in member m's line. */
  protected peer(m: number, pos: number): number {
    return this.phase.lines[this.phase.lineOf[m]!]![pos]!;
  }

  /**
   * Sends `bytes` from member `from` to member `to`, tagged `round`; `reduce` says whether the receiver reduces
   * it (for its processing delay), over `reduceBytes` (default: the message).
   */
  protected send(from: number, to: number, bytes: number, round: number, reduce: boolean, reduceBytes = bytes): void {
    const s = this.system;
    if (this.astra && bytes >= 2 ** 31) tooBigForAstra(bytes);
    const batches = s.batches;
    if (this.ready(to, round)) {
      const delay = this.processingDelay(reduceBytes, reduce);
      if (batches !== undefined) batches.add(this.net.arrivalAt!(this.members[from]!, this.members[to]!, bytes, delay), this.id, to, round, false);
      else s.network.send(this.members[from]!, this.members[to]!, bytes, s.hProcessed, this.id, to, round, delay);
    } else if (batches !== undefined) {
      batches.add(this.net.arrivalAt!(this.members[from]!, this.members[to]!, bytes, 0), this.id, to, round, true);
    } else {
      s.network.send(this.members[from]!, this.members[to]!, bytes, s.hArrive, this.id, to, round, 0);
    }
  }

  /**
   * The hot path of {@link send} for algorithms whose receivers take every message at arrival + processing delay
   * (ring): member `from` sends `bytes`, its `round` message, to `to`, whose processing then takes `delay`.
   */
  protected sendStep(from: number, to: number, bytes: number, round: number, delay: number): void {
    if (this.astra && bytes >= 2 ** 31) tooBigForAstra(bytes);
    const batches = this.batches;
    if (batches !== undefined) batches.add(this.net.arrivalAt!(this.members[from]!, this.members[to]!, bytes, delay), this.id, to, round, false);
    else this.net.send(this.members[from]!, this.members[to]!, bytes, this.hProcessed, this.id, to, round, delay);
  }

  /**
   * Takes in a received message: after the processing delay (endpoint delay, plus the reduction of `bytes` if
   * `reduce`), `processed(m, round)` runs.
   */
  protected receive(m: number, round: number, bytes: number, reduce: boolean): void {
    const delay = this.processingDelay(bytes, reduce);
    if (delay === 0) this.processed(m, round);
    else this.system.engine.schedule(delay, this.system.hProcessed, this.id, m, round);
  }

  /** Endpoint delay, plus 3·m/L when the message is reduced. */
  protected processingDelay(bytes: number, reduce: boolean): number {
    if (!reduce || this.reduceScale === 0) return this.endpoint;
    // a phase reduces messages of one or a few sizes: remember the last one (two divisions per message add up)
    if (bytes !== this.memoBytes) {
      this.memoBytes = bytes;
      this.memoDelay = this.endpoint + (this.astra ? 3 * Math.floor((bytes / (this.localMemBw * 1e9)) * 1e9) : Math.round(bytes * this.reduceScale));
    }
    return this.memoDelay;
  }

  /**
   * Coalesced deliveries (collectives/coalesce.ts): runs `processed` for the entries (run id, member, round) of `buf`
   * from index k on, while they are this run's (and before `end`), in order; returns the index of the first entry not
   * taken. One call per run of entries instead of one dispatch each; algorithms may override it with their own copy
   * of this loop, where the call to `processed` has one receiver class and inlines.
   */
  processedRun(buf: Int32Array, k: number, end: number): number {
    const id = this.id;
    do {
      this.processed(buf[k + 1]!, buf[k + 2]!);
      k += 3;
    } while (k < end && buf[k] === id);
    return k;
  }

  /** Member m has finished this phase. */
  protected done(m: number): void {
    this.system.phaseDone(this, m);
  }
}

/**
 * ASTRA-sim keeps a message's size in an `int` where it charges the endpoint and reduction delays (`PacketBundle`),
 * so a message of 2 GiB or more overflows there and its result is undefined: flavor astra refuses to guess.
 */
function tooBigForAstra(bytes: number): never {
  throw new CollectiveError(
    `a message of ${bytes} bytes: ASTRA-sim stores message sizes in an int when it charges their delays, so messages of ` +
      '2 GiB or more overflow there and its result is undefined; split the collective into more chunks',
  );
}
