/**
 * The heap schedulers: a 4-ary heap on typed arrays, and heap-js's binary heap as the reference implementation
 * (scheduler.ts has the ordering contract they share with the calendar queue).
 */
import { Heap } from 'heap-js';
import { grownFloat64, grownInt32, SlotStack, type EventKeys, type Scheduler } from './scheduler.ts';

/**
 * 4-ary min-heap over parallel typed arrays (time, seq, slot), as measured fastest among heaps in
 * reference/EVENT-QUEUE.md ("h4c"): sift-up never reads seq (a new event has the largest seq, so an equal time
 * stops it), and sift-down reads seq only on an exact time tie. Three sentinel entries past the end let every
 * node compare four children without bounds checks.
 */
export class Heap4Scheduler implements Scheduler {
  readonly name = 'heap4' as const;
  readonly readsSeq = true;
  private t: Float64Array;
  private s: Float64Array;
  private id: Int32Array;
  private n = 0;
  private readonly slots: SlotStack;

  constructor(private readonly keys: EventKeys, capacity = 1024) {
    this.slots = new SlotStack(keys);
    this.t = new Float64Array(capacity + 4).fill(Infinity);
    this.s = new Float64Array(capacity + 4);
    this.id = new Int32Array(capacity + 4);
  }

  get size(): number {
    return this.n;
  }

  push(): number {
    const slot = this.slots.take();
    if (this.n + 4 >= this.t.length) this.grow();
    const t = this.t, s = this.s, ids = this.id;
    const key = this.keys.key;
    const time = key[0]!;
    const seq = key[1]!;
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
    return slot;
  }

  peek(): number {
    if (this.n === 0) return -1;
    this.keys.key[0] = this.t[0]!;
    return this.id[0]!;
  }

  pop(): number {
    if (this.n === 0) return -1;
    const top = this.id[0]!;
    this.keys.key[0] = this.t[0]!;
    const n = --this.n;
    if (n > 0) this.siftDownLast(n);
    else this.t[0] = Infinity;
    this.slots.release(top);
    return top;
  }

  clear(): void {
    this.n = 0;
    this.t.fill(Infinity);
    this.slots.clear();
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

interface HeapEntry {
  t: number;
  s: number;
  slot: number;
}

/** The reference scheduler: heap-js with one object per event and a (time, seq) comparator. */
export class HeapJsScheduler implements Scheduler {
  readonly name = 'heap-js' as const;
  readonly readsSeq = true;
  private readonly heap = new Heap<HeapEntry>((x, y) => x.t - y.t || x.s - y.s);
  private readonly slots: SlotStack;

  constructor(private readonly keys: EventKeys) {
    this.slots = new SlotStack(keys);
  }

  get size(): number {
    return this.heap.length;
  }

  push(): number {
    const key = this.keys.key;
    const slot = this.slots.take();
    this.heap.add({ t: key[0]!, s: key[1]!, slot });
    return slot;
  }

  peek(): number {
    const top = this.heap.peek();
    if (top === undefined) return -1;
    this.keys.key[0] = top.t;
    return top.slot;
  }

  pop(): number {
    const top = this.heap.pop();
    if (top === undefined) return -1;
    this.keys.key[0] = top.t;
    this.slots.release(top.slot);
    return top.slot;
  }

  clear(): void {
    this.heap.clear();
    this.slots.clear();
  }
}
