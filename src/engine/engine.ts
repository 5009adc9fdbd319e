/**
 * The event engine: simulated time in integer nanoseconds, a pool of pending events, and the loop that runs them.
 *
 * An event is (time, seq, handler, a, b, c): at `time` the engine calls `handlers[handler].onEvent(a, b, c)`.
 * Handlers are long-lived components (a network model, the collectives layer, the replay); the three integers
 * say what happened. Nothing is allocated per event: the pool is typed arrays (4 ints of payload and a generation
 * for cancellation per slot) whose slots the scheduler hands out, and dispatch is one call on a registered object,
 * never a closure made per event. Times live in the scheduler (the calendar keeps one per distinct time and gives
 * the events of one time consecutive slots, so a burst is read in address order), so an event costs about 21 bytes.
 *
 * Order is (time, seq) with seq the global scheduling counter, so events at equal times run in the order they were
 * scheduled, on every run and with every scheduler.
 */
import { createScheduler, DEFAULT_SCHEDULER, newEventKeys, type EventKeys, type Scheduler, type SchedulerName } from './scheduler.ts';
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

  private seq = 0;
  /** Shared with the scheduler: the pool (keys.ev: handler, a, b, c per slot; keys.gen), and [time, seq] staged for
   * push / left by pop. */
  private readonly keys: EventKeys;
  private readonly key: Float64Array;
  private readonly queue: Scheduler;
  private readonly handlers: EventHandler[] = [];
  private stopped = false;
  /** Whether the scheduler orders by seq (the calendar keeps a FIFO per time and never reads it). */
  private readonly seqKeyed: boolean;
  /** Set by the first scheduleCancellable: until then no EventId exists, and slots need no generation bump. */
  private cancellable = false;

  constructor(opts: EngineOptions = {}) {
    const cap = Math.max(16, opts.capacity ?? 1024);
    this.keys = newEventKeys(cap);
    this.key = this.keys.key;
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
    // (the time is staged in key[0], not passed on: every call below takes small integers only)
    const at = this.now + delay;
    if (!(at >= this.now) || at > MAX_TIME_NS) this.timeError(at);
    this.key[0] = at;
    this.put(handler, a, b, c);
  }

  /** Schedules an event at absolute time `at` (integer ns, not before now). */
  scheduleAt(at: number, handler: number, a = 0, b = 0, c = 0): void {
    if (!(at >= this.now) || at > MAX_TIME_NS) this.timeError(at);
    this.key[0] = at;
    this.put(handler, a, b, c);
  }

  /** Like {@link scheduleAt}, and returns an id for {@link cancel}. */
  scheduleCancellable(at: number, handler: number, a = 0, b = 0, c = 0): EventId {
    this.cancellable = true;
    if (!(at >= this.now) || at > MAX_TIME_NS) this.timeError(at);
    this.key[0] = at;
    const slot = this.put(handler, a, b, c);
    return this.keys.gen[slot]! * SLOT_BITS + slot;
  }

  /** Cancels a pending event. Cancelling an event that already ran or was cancelled does nothing. */
  cancel(id: EventId): void {
    const slot = id % SLOT_BITS;
    const g = (id - slot) / SLOT_BITS;
    const { gen, ev } = this.keys;
    if (slot < gen.length && gen[slot] === g) ev[4 * slot] = CANCELLED;
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
    const keys = this.keys;
    const key = this.key;
    const bounded = until !== Infinity;
    let events = 0;
    const budget = this.maxEvents - this.eventsProcessed;
    this.stopped = false;
    while (!this.stopped) {
      let slot: number;
      if (bounded) {
        slot = queue.peek();
        if (slot === -1 || key[0]! > until) break;
        queue.pop();
      } else {
        slot = queue.pop();
        if (slot === -1) break;
      }
      this.now = key[0]!;
      const ev = keys.ev, k = 4 * slot;
      const h = ev[k]!, a = ev[k + 1]!, b = ev[k + 2]!, c = ev[k + 3]!;
      if (this.cancellable) keys.gen[slot] = (keys.gen[slot]! + 1) & (GEN_MOD - 1);
      if (h === CANCELLED) continue;
      if (++events > budget) this.limitError();
      if ((events & PROGRESS_MASK) === 0 && this.onProgress !== undefined) this.onProgress(this.eventsProcessed + events, this.now);
      handlers[h]!.onEvent(a, b, c);
    }
    if (bounded && !this.stopped && this.now < until) this.now = until;
    this.eventsProcessed += events;
    return { events, wallMs: performance.now() - t0, endNs: this.now };
  }

  /** Queues an event at the time staged in key[0] and fills its payload; returns its slot. Runs once per event: kept
   * small so that V8 inlines it. */
  private put(handler: number, a: number, b: number, c: number): number {
    if (this.seqKeyed) this.key[1] = this.seq++;
    const slot = this.queue.push();
    const ev = this.keys.ev, k = 4 * slot;
    ev[k] = handler;
    ev[k + 1] = a;
    ev[k + 2] = b;
    ev[k + 3] = c;
    return slot;
  }

  private limitError(): never {
    throw new LimitError(`the run passed ${this.maxEvents.toExponential(2).replace('e+', 'e')} events, the limit; --max-events raises it (it may take long and much memory)`);
  }

  private timeError(at: number): never {
    // past 2^53 ns (or NaN from an infinite duration): the inputs are out of scale, not a bug
    if (!(at <= MAX_TIME_NS) && !(at < this.now)) throw timeOverflow(at);
    throw new RangeError(`event time ${at} ns is before now (${this.now} ns)`);
  }
}
