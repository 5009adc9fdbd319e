/**
 * Schedulers: priority queues of pending events ordered by (time, seq).
 *
 * An event lives in the engine's pool (see {@link EventKeys}); a scheduler only orders pool slots. The key of the
 * slot being pushed is staged in a two-element array (`keys.key` = [time, seq]) rather than passed as arguments, and
 * pop and peek leave the popped or peeked slot's time there: no float64 crosses a call boundary (V8 would box it:
 * reference/EVENT-QUEUE.md, "hidden allocation").
 *
 * Ordering contract, shared by every implementation and checked by one test suite (tests/engine.scheduler.test.ts):
 * pop returns the slot with the smallest time; among equal times, the smallest seq. The engine gives every event a
 * seq one larger than the previous, so equal times pop in the order they were scheduled (FIFO).
 *
 * | scheduler  | push                  | pop                      | memory / event | notes                             |
 * |------------|-----------------------|--------------------------|----------------|-----------------------------------|
 * | `calendar` | O(1) at the time of   | O(1) within a time;      | 1.25 B (a link | default: simulations of collectives |
 * |            | the previous push,    | expected O(1) to open    | and a tag per 4)| schedule many events at one time  |
 * |            | else expected O(1)    | the next time            | + 40 B per distinct time + buckets; |             |
 * |            |                       |                          | a time's tail block (up to 16 slots) may be part empty | |
 * | `heap4`    | O(log4 N)             | O(log4 N)                | 24 B           | 4-ary heap on typed arrays          |
 * | `heap-js`  | O(log2 N)             | O(log2 N)                | ~110 B (object)| reference implementation (heap-js)  |
 */
import { CalendarScheduler } from './calendar.ts';
import { Heap4Scheduler, HeapJsScheduler } from './heaps.ts';

/** What the engine shares with its scheduler: the event pool, whose slots the scheduler hands out (so that it can
 * place events that run close together in time close together in memory), and the key being pushed or popped. */
export interface EventKeys {
  /** [time, seq]: the key of the event about to be pushed (set before push); after pop or peek, key[0] is the time
   * of the event returned. */
  key: Float64Array;
  /** The payload of each pool slot, 4 ints (handler, a, b, c). Replaced when the pool grows. */
  ev: Int32Array;
  /** A generation per pool slot, for the engine's cancellation ids. Replaced when the pool grows. */
  gen: Int32Array;
}

/** Keys and an empty pool of `capacity` slots (the pool doubles as schedulers need). */
export function newEventKeys(capacity: number): EventKeys {
  const cap = Math.max(16, capacity);
  return { key: new Float64Array(2), ev: new Int32Array(4 * cap), gen: new Int32Array(cap) };
}

/** Grows the pool to at least `slots` slots, by doubling. */
export function growPool(keys: EventKeys, slots: number): void {
  let cap = keys.gen.length;
  while (cap < slots) cap *= 2;
  keys.ev = grownInt32(keys.ev, 4 * cap);
  keys.gen = grownInt32(keys.gen, cap);
}

export interface Scheduler {
  readonly name: SchedulerName;
  /** Whether push reads key[1], the seq (a scheduler that keeps equal times in push order need not). */
  readonly readsSeq: boolean;
  /** Number of queued events. */
  readonly size: number;
  /** Queues an event at the key staged in `keys.key` and returns its pool slot, for the caller to fill. */
  push(): number;
  /** Removes the event with the smallest key and returns its slot (its time in key[0]), or -1 when empty. The slot's
   * payload stays readable until the next push. */
  pop(): number;
  /** Returns the slot of the event with the smallest key (its time in key[0]) without removing it, or -1. */
  peek(): number;
  /** Removes every queued event. */
  clear(): void;
}

/** Free pool slots for the heaps: a stack (the slot freed last is reused first, while it is still in cache). */
export class SlotStack {
  private free: Int32Array = new Int32Array(64);
  private n = 0;
  private high = 0;

  constructor(private readonly keys: EventKeys) {}

  take(): number {
    if (this.n > 0) return this.free[--this.n]!;
    const s = this.high++;
    if (s >= this.keys.gen.length) growPool(this.keys, s + 1);
    return s;
  }

  release(slot: number): void {
    if (this.n === this.free.length) this.free = grownInt32(this.free, this.n + 1);
    this.free[this.n++] = slot;
  }

  clear(): void {
    this.n = 0;
    this.high = 0;
  }
}

export type SchedulerName = 'calendar' | 'heap4' | 'heap-js';
export const SCHEDULER_NAMES: readonly SchedulerName[] = ['calendar', 'heap4', 'heap-js'];
export const DEFAULT_SCHEDULER: SchedulerName = 'calendar';

export function createScheduler(name: SchedulerName, keys: EventKeys): Scheduler {
  switch (name) {
    case 'calendar':
      return new CalendarScheduler(keys);
    case 'heap4':
      return new Heap4Scheduler(keys);
    case 'heap-js':
      return new HeapJsScheduler(keys);
    default:
      throw new Error(`unknown scheduler "${name as string}"; expected one of: ${SCHEDULER_NAMES.join(', ')}`);
  }
}

export function grownFloat64(a: Float64Array, min: number): Float64Array {
  const b = new Float64Array(Math.max(min, a.length * 2));
  b.set(a);
  return b;
}
export function grownInt32(a: Int32Array, min: number, fill?: number): Int32Array {
  const b = new Int32Array(Math.max(min, a.length * 2));
  if (fill !== undefined) b.fill(fill, a.length);
  b.set(a);
  return b;
}
