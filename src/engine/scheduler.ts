/**
 * Schedulers: priority queues of pending events ordered by (time, seq).
 *
 * An event lives in the engine's struct-of-arrays pool (see {@link EventPool}); a scheduler only orders pool
 * slots. It reads each slot's key from the pool at push time, so no float64 crosses a call boundary
 * (V8 would box it: reference/EVENT-QUEUE.md, "hidden allocation").
 *
 * Ordering contract, shared by every implementation and checked by one test suite (tests/engine.scheduler.test.ts):
 * pop returns the slot with the smallest time; among equal times, the smallest seq. The engine gives every event a
 * seq one larger than the previous, so equal times pop in the order they were scheduled (FIFO).
 *
 * | scheduler  | push                  | pop                      | memory / event | notes                             |
 * |------------|-----------------------|--------------------------|----------------|-----------------------------------|
 * | `bucket`   | O(1) if the time has  | O(1) within a time;      | ~8 B + ~60 B   | default: simulations of collectives |
 * |            | pending events, else  | O(log4 T) to open the    | per distinct   | schedule many events at one time   |
 * |            | O(log4 T) (T = times) | next time                | time           |                                    |
 * | `heap4`    | O(log4 N)             | O(log4 N)                | 24 B           | 4-ary heap on typed arrays          |
 * | `heap-js`  | O(log2 N)             | O(log2 N)                | ~110 B (object)| reference implementation (heap-js)  |
 */
import { Heap } from 'heap-js';

/** The engine's event keys, read by schedulers. Arrays are replaced when the pool grows. */
export interface EventKeys {
  time: Float64Array;
  seq: Float64Array;
}

export interface Scheduler {
  readonly name: SchedulerName;
  /** Number of queued slots. */
  readonly size: number;
  /** Queues `slot`, whose key is `(keys.time[slot], keys.seq[slot])`. */
  push(slot: number): void;
  /** Removes and returns the slot with the smallest key, or -1 when empty. */
  pop(): number;
  /** Returns the slot with the smallest key without removing it, or -1 when empty. */
  peek(): number;
  /** Removes every queued slot. */
  clear(): void;
}

export type SchedulerName = 'calendar' | 'bucket' | 'heap4' | 'heap-js';
export const SCHEDULER_NAMES: readonly SchedulerName[] = ['calendar', 'bucket', 'heap4', 'heap-js'];
export const DEFAULT_SCHEDULER: SchedulerName = 'calendar';

export function createScheduler(name: SchedulerName, keys: EventKeys): Scheduler {
  switch (name) {
    case 'calendar':
      return new CalendarScheduler(keys);
    case 'bucket':
      return new BucketScheduler(keys);
    case 'heap4':
      return new Heap4Scheduler(keys);
    case 'heap-js':
      return new HeapJsScheduler(keys);
    default:
      throw new Error(`unknown scheduler "${name as string}"; expected one of: ${SCHEDULER_NAMES.join(', ')}`);
  }
}

function grownFloat64(a: Float64Array, min: number): Float64Array {
  const b = new Float64Array(Math.max(min, a.length * 2));
  b.set(a);
  return b;
}
function grownInt32(a: Int32Array, min: number, fill?: number): Int32Array {
  const b = new Int32Array(Math.max(min, a.length * 2));
  if (fill !== undefined) b.fill(fill, a.length);
  b.set(a);
  return b;
}

/**
 * 4-ary min-heap over parallel typed arrays (time, seq, slot), as measured fastest among heaps in
 * reference/EVENT-QUEUE.md ("h4c"): sift-up never reads seq (a new event has the largest seq, so an equal time
 * stops it), and sift-down reads seq only on an exact time tie. Three sentinel entries past the end let every
 * node compare four children without bounds checks.
 */
export class Heap4Scheduler implements Scheduler {
  readonly name = 'heap4' as const;
  private t: Float64Array;
  private s: Float64Array;
  private id: Int32Array;
  private n = 0;

  constructor(private readonly keys: EventKeys, capacity = 1024) {
    this.t = new Float64Array(capacity + 4).fill(Infinity);
    this.s = new Float64Array(capacity + 4);
    this.id = new Int32Array(capacity + 4);
  }

  get size(): number {
    return this.n;
  }

  push(slot: number): void {
    if (this.n + 4 >= this.t.length) this.grow();
    const t = this.t, s = this.s, ids = this.id;
    const time = this.keys.time[slot]!;
    const seq = this.keys.seq[slot]!;
    let i = this.n++;
    while (i > 0) {
      const p = (i - 1) >> 2;
      const pt = t[p]!;
      if (pt <= time) break;
      t[i] = pt;
      s[i] = s[p]!;
      ids[i] = ids[p]!;
      i = p;
    }
    t[i] = time;
    s[i] = seq;
    ids[i] = slot;
  }

  peek(): number {
    return this.n > 0 ? this.id[0]! : -1;
  }

  pop(): number {
    if (this.n === 0) return -1;
    const top = this.id[0]!;
    const n = --this.n;
    if (n > 0) this.siftDownLast(n);
    else this.t[0] = Infinity;
    return top;
  }

  clear(): void {
    this.n = 0;
    this.t.fill(Infinity);
  }

  /** Moves the entry at index n (the old last) to the root and sifts it down. */
  private siftDownLast(n: number): void {
    const t = this.t, s = this.s, ids = this.id;
    const time = t[n]!, seq = s[n]!, slot = ids[n]!;
    t[n] = Infinity; // sentinel: the vacated cell must never win a comparison
    let i = 0;
    for (;;) {
      const c = 4 * i + 1;
      if (c >= n) break;
      const t0 = t[c]!, t1 = t[c + 1]!, t2 = t[c + 2]!, t3 = t[c + 3]!;
      const a = t1 !== t0 ? (t1 < t0 ? c + 1 : c) : s[c + 1]! < s[c]! ? c + 1 : c;
      const b = t3 !== t2 ? (t3 < t2 ? c + 3 : c + 2) : s[c + 3]! < s[c + 2]! ? c + 3 : c + 2;
      const ta = t[a]!, tb = t[b]!;
      const m = tb !== ta ? (tb < ta ? b : a) : s[b]! < s[a]! ? b : a;
      const mt = t[m]!;
      if (time < mt || (time === mt && seq < s[m]!)) break;
      t[i] = mt;
      s[i] = s[m]!;
      ids[i] = ids[m]!;
      i = m;
    }
    t[i] = time;
    s[i] = seq;
    ids[i] = slot;
  }

  private grow(): void {
    const old = this.t.length;
    this.t = grownFloat64(this.t, old * 2);
    this.t.fill(Infinity, old);
    this.s = grownFloat64(this.s, old * 2);
    this.id = grownInt32(this.id, old * 2);
  }
}

/**
 * Time buckets: one FIFO list of slots per distinct pending time, and a 4-ary heap of the distinct times.
 * Pushing at a time that already has events is an O(1) append (plus a Map lookup, skipped when the time equals
 * the previous push's, which is the common burst case: a collective step schedules every rank's arrival at the
 * same instant). Popping within a time is O(1). FIFO order among equal times needs no seq comparison because the
 * engine pushes slots in seq order.
 */
export class BucketScheduler implements Scheduler {
  readonly name = 'bucket' as const;
  private next: Int32Array; // per pool slot: next slot in its bucket, -1 at the tail
  private head: Int32Array; // per bucket
  private tail: Int32Array;
  private btime: Float64Array; // per bucket: its time
  private freeBuckets: Int32Array;
  private nFree = 0;
  private nBuckets = 0; // buckets ever created (high-water mark)
  private readonly index = new Map<number, number>(); // time -> bucket
  // 4-ary heap of bucket ids keyed by btime (all distinct)
  private ht: Float64Array;
  private hb: Int32Array;
  private hn = 0;
  private n = 0;
  private lastTime = NaN;
  private lastBucket = -1;

  constructor(private readonly keys: EventKeys, capacity = 1024) {
    this.next = new Int32Array(capacity).fill(-1);
    this.head = new Int32Array(64);
    this.tail = new Int32Array(64);
    this.btime = new Float64Array(64);
    this.freeBuckets = new Int32Array(64);
    this.ht = new Float64Array(64 + 4).fill(Infinity);
    this.hb = new Int32Array(64 + 4);
  }

  get size(): number {
    return this.n;
  }

  push(slot: number): void {
    if (slot >= this.next.length) this.next = grownInt32(this.next, slot + 1, -1);
    const time = this.keys.time[slot]!;
    let b: number;
    if (time === this.lastTime) b = this.lastBucket;
    else {
      const found = this.index.get(time);
      b = found === undefined ? this.openBucket(time) : found;
      this.lastTime = time;
      this.lastBucket = b;
    }
    const tl = this.tail[b]!;
    this.next[slot] = -1;
    if (tl === -1) this.head[b] = slot;
    else this.next[tl] = slot;
    this.tail[b] = slot;
    this.n++;
  }

  peek(): number {
    return this.hn > 0 ? this.head[this.hb[0]!]! : -1;
  }

  pop(): number {
    if (this.hn === 0) return -1;
    const b = this.hb[0]!;
    const slot = this.head[b]!;
    const nx = this.next[slot]!;
    this.n--;
    if (nx !== -1) this.head[b] = nx;
    else this.closeTop(b);
    return slot;
  }

  clear(): void {
    this.index.clear();
    this.hn = 0;
    this.ht.fill(Infinity);
    this.nFree = 0;
    this.nBuckets = 0;
    this.n = 0;
    this.lastTime = NaN;
    this.lastBucket = -1;
  }

  private openBucket(time: number): number {
    let b: number;
    if (this.nFree > 0) b = this.freeBuckets[--this.nFree]!;
    else {
      b = this.nBuckets++;
      if (b >= this.head.length) {
        const cap = this.head.length * 2;
        this.head = grownInt32(this.head, cap);
        this.tail = grownInt32(this.tail, cap);
        this.btime = grownFloat64(this.btime, cap);
        this.freeBuckets = grownInt32(this.freeBuckets, cap);
      }
    }
    this.head[b] = -1;
    this.tail[b] = -1;
    this.btime[b] = time;
    this.index.set(time, b);
    this.heapPush(b, time);
    return b;
  }

  /** The top bucket `b` is empty: remove it from the heap and the index and recycle it. */
  private closeTop(b: number): void {
    this.index.delete(this.btime[b]!);
    if (this.lastBucket === b) {
      this.lastBucket = -1;
      this.lastTime = NaN;
    }
    this.freeBuckets[this.nFree++] = b;
    const n = --this.hn;
    if (n === 0) {
      this.ht[0] = Infinity;
      return;
    }
    // sift the last entry down from the root (times are distinct: no tie-breaks needed)
    const t = this.ht, hb = this.hb;
    const time = t[n]!, bk = hb[n]!;
    t[n] = Infinity;
    let i = 0;
    for (;;) {
      const c = 4 * i + 1;
      if (c >= n) break;
      let m = c;
      let mt = t[c]!;
      const t1 = t[c + 1]!, t2 = t[c + 2]!, t3 = t[c + 3]!;
      if (t1 < mt) { m = c + 1; mt = t1; }
      if (t2 < mt) { m = c + 2; mt = t2; }
      if (t3 < mt) { m = c + 3; mt = t3; }
      if (time <= mt) break;
      t[i] = mt;
      hb[i] = hb[m]!;
      i = m;
    }
    t[i] = time;
    hb[i] = bk;
  }

  private heapPush(b: number, time: number): void {
    if (this.hn + 4 >= this.ht.length) {
      const old = this.ht.length;
      this.ht = grownFloat64(this.ht, old * 2);
      this.ht.fill(Infinity, old);
      this.hb = grownInt32(this.hb, old * 2);
    }
    const t = this.ht, hb = this.hb;
    let i = this.hn++;
    while (i > 0) {
      const p = (i - 1) >> 2;
      const pt = t[p]!;
      if (pt <= time) break;
      t[i] = pt;
      hb[i] = hb[p]!;
      i = p;
    }
    t[i] = time;
    hb[i] = b;
  }
}

interface HeapEntry {
  t: number;
  s: number;
  slot: number;
}

/** The reference scheduler: heap-js with one object per event and a (time, seq) comparator. */
export class HeapJsScheduler implements Scheduler {
  readonly name = 'heap-js' as const;
  private readonly heap = new Heap<HeapEntry>((x, y) => x.t - y.t || x.s - y.s);

  constructor(private readonly keys: EventKeys) {}

  get size(): number {
    return this.heap.length;
  }

  push(slot: number): void {
    this.heap.add({ t: this.keys.time[slot]!, s: this.keys.seq[slot]!, slot });
  }

  peek(): number {
    const top = this.heap.peek();
    return top === undefined ? -1 : top.slot;
  }

  pop(): number {
    const top = this.heap.pop();
    return top === undefined ? -1 : top.slot;
  }

  clear(): void {
    this.heap.clear();
  }
}

/**
 * Calendar queue (R. Brown, CACM 1988) with FIFO buckets and adaptive width.
 *
 * Time is cut into buckets of `width` ns; bucket i holds the events whose virtual bucket floor(t / width) is i mod
 * nb, each bucket a singly linked list sorted by time with ties in insertion (= seq) order. Pop walks forward from
 * the current virtual bucket and takes a head that belongs to it; after a full lap without one, a direct search
 * over the heads finds the minimum. A push at or after the tail's time (the usual case: events are scheduled in
 * the future of everything in their bucket, and equal times append) is O(1).
 *
 * The number of buckets follows the number of distinct pending times (doubling above 2 per bucket, halving below
 * 1/2) and the width is
 * re-estimated from the gaps between the earliest pending events at each resize, and whenever pops scan too many
 * empty buckets or pushes walk too far into sorted lists. Expected O(1) per operation for stationary workloads;
 * O(n) worst case for a single operation.
 */
export class CalendarScheduler implements Scheduler {
  readonly name = 'calendar' as const;
  private next: Int32Array; // per pool slot
  private head: Int32Array; // per bucket
  private tail: Int32Array;
  private nb = 0;
  private mask = 0;
  private width = 1;
  private invW = 1;
  private cur = 0; // current virtual bucket: floor(time / width) of the last minimum found
  private n = 0;
  private minSlot = -1; // cached result of findMin, valid until the next push or pop
  private work = 0; // bucket steps and list walks since the last re-estimate
  private ops = 0; // pushes and pops since the last re-estimate
  private perTime = 1; // pending events per distinct time, estimated at the last rebuild

  constructor(private readonly keys: EventKeys, capacity = 1024) {
    this.next = new Int32Array(capacity).fill(-1);
    this.head = new Int32Array(0);
    this.tail = new Int32Array(0);
    this.setBuckets(16, 1);
  }

  get size(): number {
    return this.n;
  }

  push(slot: number): void {
    if (slot >= this.next.length) this.next = grownInt32(this.next, slot + 1, -1);
    this.insert(slot);
    this.n++;
    this.minSlot = -1;
    if (this.n > 2 * this.nb * this.perTime) this.resize(this.nb * 2);
    else if (++this.ops > 2 * this.nb && this.work > 4 * this.ops) this.resize(this.nb);
  }

  peek(): number {
    if (this.n === 0) return -1;
    return this.minSlot !== -1 ? this.minSlot : this.findMin();
  }

  pop(): number {
    if (this.n === 0) return -1;
    const slot = this.minSlot !== -1 ? this.minSlot : this.findMin();
    const b = this.cur & this.mask;
    const nx = this.next[slot]!;
    this.head[b] = nx;
    if (nx === -1) this.tail[b] = -1;
    this.n--;
    this.minSlot = -1;
    if (this.nb > 16 && this.n < (this.nb >> 1) * this.perTime) this.resize(this.nb >> 1);
    else if (++this.ops > 2 * this.nb && this.work > 4 * this.ops) this.resize(this.nb);
    return slot;
  }

  clear(): void {
    this.head.fill(-1);
    this.tail.fill(-1);
    this.n = 0;
    this.cur = 0;
    this.minSlot = -1;
  }

  private insert(slot: number): void {
    const time = this.keys.time;
    const t = time[slot]!;
    const vb = Math.floor(t * this.invW);
    if (vb < this.cur) this.cur = vb; // an event before the current position (after a peek past it)
    const b = vb & this.mask;
    const tl = this.tail[b]!;
    if (tl === -1) {
      this.head[b] = slot;
      this.tail[b] = slot;
      this.next[slot] = -1;
    } else if (time[tl]! <= t) {
      this.next[tl] = slot;
      this.next[slot] = -1;
      this.tail[b] = slot;
    } else {
      // sorted insert after every event with time <= t (keeps FIFO among ties)
      let prev = -1;
      let p = this.head[b]!;
      while (p !== -1 && time[p]! <= t) {
        prev = p;
        p = this.next[p]!;
        this.work++;
      }
      this.next[slot] = p;
      if (prev === -1) this.head[b] = slot;
      else this.next[prev] = slot;
    }
  }

  /** Moves `cur` to the virtual bucket of the minimum and returns its slot (the head of bucket cur & mask). */
  private findMin(): number {
    const time = this.keys.time;
    const head = this.head, mask = this.mask, invW = this.invW;
    let cur = this.cur;
    for (let k = 0; k < this.nb; k++, cur++) {
      const h = head[cur & mask]!;
      if (h !== -1 && Math.floor(time[h]! * invW) <= cur) {
        this.work += k;
        this.cur = cur;
        this.minSlot = h;
        return h;
      }
    }
    // a full lap without an event of this year: direct search over the bucket heads
    let best = -1;
    let bt = Infinity;
    for (let b = 0; b < this.nb; b++) {
      const h = head[b]!;
      if (h !== -1 && time[h]! < bt) {
        bt = time[h]!;
        best = h;
      }
    }
    this.work += 2 * this.nb;
    this.cur = Math.floor(bt * invW);
    this.minSlot = best;
    return best;
  }

  private setBuckets(nb: number, width: number): void {
    this.nb = nb;
    this.mask = nb - 1;
    this.width = width;
    this.invW = 1 / width;
    if (this.head.length !== nb) {
      this.head = new Int32Array(nb);
      this.tail = new Int32Array(nb);
    }
    this.head.fill(-1);
    this.tail.fill(-1);
  }

  /** Rebuilds with `nb` buckets and a width estimated from the earliest pending events. */
  private resize(nb: number): void {
    const time = this.keys.time;
    // collect every slot in time order: repeatedly take the minimum (the calendar itself sorts them)
    const slots = new Int32Array(this.n);
    let k = 0;
    while (this.n > 0) {
      slots[k++] = this.pop1();
    }
    // Brown's estimate: the mean gap between the earliest distinct pending times, ignoring gaps more than twice
    // the mean, times 3. When times repeat (collectives schedule whole steps at one instant) a bucket should hold
    // one distinct time, so the factor drops to 1. Integer time means a width below 1 ns buys nothing.
    let width = this.width;
    let distinct = 0;
    let sum = 0;
    let i = 1;
    for (; i < k && distinct < 25; i++) {
      const g = time[slots[i]!]! - time[slots[i - 1]!]!;
      if (g > 0) { distinct++; sum += g; }
    }
    if (distinct > 0) {
      const mean = sum / distinct;
      let trimmed = 0;
      let cnt = 0;
      for (let j = 1; j < i; j++) {
        const g = time[slots[j]!]! - time[slots[j - 1]!]!;
        if (g > 0 && g <= 2 * mean) { trimmed += g; cnt++; }
      }
      const perTime = i / (distinct + 1);
      width = Math.max(1, (trimmed / cnt) * (perTime >= 3 ? 1 : 3));
      // size the calendar by distinct times, not events: ties share a bucket
      this.perTime = Math.max(1, perTime);
      while (nb > 16 && k < (nb >> 1) * this.perTime) nb >>= 1;
    }
    this.setBuckets(nb, width);
    this.cur = k > 0 ? Math.floor(time[slots[0]!]! * this.invW) : 0;
    for (let i = 0; i < k; i++) this.insert(slots[i]!);
    this.n = k;
    this.minSlot = -1;
    this.work = 0;
    this.ops = 0;
  }

  /** Pop without resizing (used while rebuilding). */
  private pop1(): number {
    const slot = this.minSlot !== -1 ? this.minSlot : this.findMin();
    const b = this.cur & this.mask;
    const nx = this.next[slot]!;
    this.head[b] = nx;
    if (nx === -1) this.tail[b] = -1;
    this.n--;
    this.minSlot = -1;
    return slot;
  }
}
