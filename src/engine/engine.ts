/**
 * The event engine: simulated time in integer nanoseconds, a pool of pending events, and the loop that runs them.
 *
 * An event is (time, seq, handler, a, b, c): at `time` the engine calls `handlers[handler].onEvent(a, b, c)`.
 * Handlers are long-lived components (a network model, the collectives layer, the replay); the three integers
 * say what happened. Nothing is allocated per event: the pool is struct-of-arrays typed arrays with a free list,
 * and dispatch is one call on a registered object, never a closure made per event.
 *
 * Order is (time, seq) with seq the global scheduling counter, so events at equal times run in the order they were
 * scheduled, on every run and with every scheduler.
 */
import { createScheduler, DEFAULT_SCHEDULER, type Scheduler, type SchedulerName } from './scheduler.ts';
import { LimitError, MAX_TIME_NS, timeOverflow } from '../units/index.ts';

/** A component that receives events. Keep the set of handler classes small: the call site is polymorphic. */
export interface EventHandler {
  onEvent(a: number, b: number, c: number): void;
}

/** Identifies a scheduled event for {@link Engine.cancel}. */
export type EventId = number;

export interface RunStats {
  /** Events dispatched by this call to run (cancelled events are not counted). */
  events: number;
  wallMs: number;
  /** Simulated time when the run stopped. */
  endNs: number;
}

export interface EngineOptions {
  scheduler?: SchedulerName;
  /** Initial pool capacity in events; the pool doubles as needed. */
  capacity?: number;
  /** Stop with a LimitError once this many events have run (default: no limit). */
  maxEvents?: number;
  /** Called every 2^18 events (about every 50 ms) with the events run so far and the simulated time: for progress. */
  onProgress?: (events: number, nowNs: number) => void;
}

/** Events between two progress calls, minus one (a mask: 2^18). */
const PROGRESS_MASK = 2 ** 18 - 1;

const SLOT_BITS = 2 ** 27; // EventId = generation * 2^27 + slot
const GEN_MOD = 2 ** 26;
const CANCELLED = -1; // handler id of a cancelled event

export class Engine {
  /** Current simulated time, integer ns. */
  now = 0;
  /** Events dispatched since the engine was made. */
  eventsProcessed = 0;
  readonly schedulerName: SchedulerName;

  // Event pool, struct of arrays. `ev` holds 4 ints per slot (handler, a, b, c) so one event is one cache line.
  private time: Float64Array;
  private seqs: Float64Array;
  private ev: Int32Array;
  private gen: Int32Array;
  private free: Int32Array;
  private nFree: number;
  private seq = 0;
  private readonly keys: { time: Float64Array; seq: Float64Array };
  private readonly queue: Scheduler;
  private readonly handlers: EventHandler[] = [];
  private stopped = false;
  /** Whether the scheduler orders by seq (the calendar keeps a FIFO per time and never reads it). */
  private readonly seqKeyed: boolean;
  /** Set by the first scheduleCancellable: until then no EventId exists, and slots need no generation bump. */
  private cancellable = false;

  constructor(opts: EngineOptions = {}) {
    const cap = Math.max(16, opts.capacity ?? 1024);
    this.time = new Float64Array(cap);
    this.seqs = new Float64Array(cap);
    this.ev = new Int32Array(4 * cap);
    this.gen = new Int32Array(cap);
    this.free = new Int32Array(cap);
    for (let i = 0; i < cap; i++) this.free[i] = cap - 1 - i;
    this.nFree = cap;
    this.keys = { time: this.time, seq: this.seqs };
    this.schedulerName = opts.scheduler ?? DEFAULT_SCHEDULER;
    this.queue = createScheduler(this.schedulerName, this.keys);
    this.seqKeyed = this.queue.readsSeq;
    this.maxEvents = opts.maxEvents ?? Infinity;
    this.onProgress = opts.onProgress;
  }

  private readonly maxEvents: number;
  private readonly onProgress: ((events: number, nowNs: number) => void) | undefined;

  /** Registers a handler and returns its id for {@link schedule}. */
  register(h: EventHandler): number {
    this.handlers.push(h);
    return this.handlers.length - 1;
  }

  /** Number of pending events (including cancelled ones not yet reached). */
  get pending(): number {
    return this.queue.size;
  }

  /**
   * Schedules `handlers[handler].onEvent(a, b, c)` at now + delay (a non-negative integer number of ns). Prefer it
   * to {@link scheduleAt} on hot paths: a delay below 2^31 ns is a small integer, while an absolute time past 2.1 s
   * is a double that V8 boxes (allocates) whenever it is passed to a call it did not inline.
   */
  schedule(delay: number, handler: number, a = 0, b = 0, c = 0): void {
    // (the time is stored here, not passed on: every call below takes small integers only)
    const at = this.now + delay;
    if (!(at >= this.now) || at > MAX_TIME_NS) this.timeError(at);
    const slot = this.take();
    this.time[slot] = at;
    this.put(slot, handler, a, b, c);
  }

  /** Schedules an event at absolute time `at` (integer ns, not before now). */
  scheduleAt(at: number, handler: number, a = 0, b = 0, c = 0): void {
    if (!(at >= this.now) || at > MAX_TIME_NS) this.timeError(at);
    const slot = this.take();
    this.time[slot] = at;
    this.put(slot, handler, a, b, c);
  }

  /** Like {@link scheduleAt}, and returns an id for {@link cancel}. */
  scheduleCancellable(at: number, handler: number, a = 0, b = 0, c = 0): EventId {
    this.cancellable = true;
    if (!(at >= this.now) || at > MAX_TIME_NS) this.timeError(at);
    const slot = this.take();
    this.time[slot] = at;
    this.put(slot, handler, a, b, c);
    return this.gen[slot]! * SLOT_BITS + slot;
  }

  /** Cancels a pending event. Cancelling an event that already ran or was cancelled does nothing. */
  cancel(id: EventId): void {
    const slot = id % SLOT_BITS;
    const g = (id - slot) / SLOT_BITS;
    if (slot < this.gen.length && this.gen[slot] === g) this.ev[4 * slot] = CANCELLED;
  }

  /**
   * Calls `handlers[handler].onEvent(a, b, c)` now, synchronously, as if an event at the current time had just been
   * dispatched (not counted as an event). For components that finish something inside their own event and must hand
   * it on in the same instant, in order, without queueing behind every other event of that time.
   */
  dispatch(handler: number, a = 0, b = 0, c = 0): void {
    this.handlers[handler]!.onEvent(a, b, c);
  }

  /** Makes the current {@link run} return after the event being dispatched. */
  stop(): void {
    this.stopped = true;
  }

  /**
   * Runs events in (time, seq) order until none are left, `until` (inclusive) is passed, or {@link stop} is called.
   * Returns what this call did.
   */
  run(until = Infinity): RunStats {
    const t0 = performance.now();
    const queue = this.queue;
    const handlers = this.handlers;
    const bounded = until !== Infinity;
    let events = 0;
    const budget = this.maxEvents - this.eventsProcessed;
    this.stopped = false;
    while (!this.stopped) {
      let slot: number;
      if (bounded) {
        slot = queue.peek();
        if (slot === -1 || this.time[slot]! > until) break;
        queue.pop();
      } else {
        slot = queue.pop();
        if (slot === -1) break;
      }
      this.now = this.time[slot]!;
      const ev = this.ev, k = 4 * slot;
      const h = ev[k]!, a = ev[k + 1]!, b = ev[k + 2]!, c = ev[k + 3]!;
      if (this.cancellable) this.gen[slot] = (this.gen[slot]! + 1) & (GEN_MOD - 1);
      this.free[this.nFree++] = slot;
      if (h === CANCELLED) continue;
      if (++events > budget) this.limitError();
      if ((events & PROGRESS_MASK) === 0 && this.onProgress !== undefined) this.onProgress(this.eventsProcessed + events, this.now);
      handlers[h]!.onEvent(a, b, c);
    }
    if (bounded && !this.stopped && this.now < until) this.now = until;
    this.eventsProcessed += events;
    return { events, wallMs: performance.now() - t0, endNs: this.now };
  }

  // take and put run once per event: kept small (errors and growth out of line) so that V8 inlines them.

  /** A free pool slot for a new event. */
  private take(): number {
    if (this.nFree === 0) this.grow();
    return this.free[--this.nFree]!;
  }

  /** Fills slot's payload (its time is already set) and queues it. */
  private put(slot: number, handler: number, a: number, b: number, c: number): void {
    if (this.seqKeyed) this.seqs[slot] = this.seq++;
    const ev = this.ev, k = 4 * slot;
    ev[k] = handler;
    ev[k + 1] = a;
    ev[k + 2] = b;
    ev[k + 3] = c;
    this.queue.push(slot);
  }

  private limitError(): never {
    throw new LimitError(`the run passed ${this.maxEvents.toExponential(2).replace('e+', 'e')} events, the limit; --max-events raises it (it may take long and much memory)`);
  }

  private timeError(at: number): never {
    // past 2^53 ns (or NaN from an infinite duration): the inputs are out of scale, not a bug
    if (!(at <= MAX_TIME_NS) && !(at < this.now)) throw timeOverflow(at);
    throw new RangeError(`event time ${at} ns is before now (${this.now} ns)`);
  }

  private grow(): void {
    const old = this.time.length;
    const cap = old * 2;
    const f64 = (a: Float64Array) => { const b = new Float64Array(cap); b.set(a); return b; };
    const i32 = (a: Int32Array, n: number) => { const b = new Int32Array(n); b.set(a); return b; };
    this.time = f64(this.time);
    this.seqs = f64(this.seqs);
    this.keys.time = this.time;
    this.keys.seq = this.seqs;
    this.ev = i32(this.ev, 4 * cap);
    this.gen = i32(this.gen, cap);
    const free = new Int32Array(cap);
    free.set(this.free.subarray(0, this.nFree));
    let n = this.nFree;
    for (let i = cap - 1; i >= old; i--) free[n++] = i;
    this.free = free;
    this.nFree = n;
  }
}
