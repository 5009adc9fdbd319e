/**
 * The default scheduler: a calendar queue with a FIFO of pool-slot blocks per distinct time (scheduler.ts has the
 * ordering contract it shares with the heaps).
 */
import { growPool, grownInt32, type EventKeys, type Scheduler } from './scheduler.ts';

/** Pool slots per block of a time's FIFO: 2^BLOCK_BITS, 4 events of 16 bytes = one 64-byte cache line. */
const BLOCK_BITS = 2;
const BLOCK_MASK = (1 << BLOCK_BITS) - 1;

/**
 * Calendar queue (R. Brown, CACM 1988) over distinct times, with a FIFO of events per time.
 *
 * Pending times ("entries") are spread over `nb` buckets of `width` ns: entry t sits in bucket floor(t/width) mod
 * nb, each bucket a list of entries sorted by time. An entry holds the FIFO of events scheduled at its time, in
 * push (= seq) order, so ties cost no comparisons and a burst of events at one instant (a collective step
 * schedules every rank's arrival at once) is O(1) per event. Pop takes the head event of the current entry; the
 * next entry is found by walking buckets from the current virtual bucket, or after a full lap by a direct search.
 *
 * The FIFO of a time is a chain of blocks of 4 consecutive pool slots, and the calendar hands out the slots: the
 * payloads of one time's events sit together (4 to a cache line) and are popped in address order, and the block of a
 * time still being filled stays in cache between its pushes. With events linked one by one through their slots
 * instead, every pop and every push to a time's tail touched a random line of the pool: measured (same-process and
 * fresh-process A/B, bench/RESULTS.md) about 1.8x faster on the hold model at 1e6 resident events, no loss at 1e3.
 *
 * The bucket count follows the number of distinct times (doubling above 1/2 entry per bucket, halving below 1/8), and
 * the width is re-estimated (half the mean gap between the earliest times) at each resize and whenever operations
 * scan too far. Sparse, narrow buckets (unlike Brown's 2 per bucket and 3 × the gap) mean a push almost never walks
 * a bucket list and a pop's scan over empty buckets is a sequential read of `head`: measured 1.2× faster on the hold
 * model at 1e3 and 1e5 resident events, and 1.6× on the queue alone with 16 distinct delays, where Brown's wide
 * buckets held several times each and the walks triggered a resize every few dozen operations. Expected O(1) per
 * push and pop for stationary workloads; O(T) worst case for one operation, T = distinct pending times.
 */
export class CalendarScheduler implements Scheduler {
  readonly name = 'calendar' as const;
  readonly readsSeq = false; // equal times keep push order in their entry's FIFO
  // The FIFO of a time is a chain of blocks of BLOCK consecutive pool slots (blockNext links them; free blocks form a
  // list through it too), so its events' payloads are adjacent in memory and its pops read them in address order.
  private blockNext: Int32Array;
  private freeBlocks = -1;
  private nBHigh = 0;
  // entries (one per distinct pending time), 16 bytes each in one buffer seen as float64 (etime[2e]: the time) and
  // int32 (ent[4e + 2]: first slot, the next to pop; ent[4e + 3]: last slot pushed, -1 before the first push), so a
  // push reads the time and the tail from one cache line; enext[e]: the next entry in the bucket
  private etime: Float64Array;
  private ent: Int32Array;
  private enext: Int32Array;
  private efree: Int32Array;
  private nEFree = 0;
  private nEHigh = 0;
  private nEntries = 0;
  // buckets
  private head: Int32Array; // first entry
  private nb = 0;
  private mask = 0;
  private width = 1;
  private invW = 1;
  private cur = 0; // virtual bucket of the current minimum entry
  private minEntry = -1; // cached: the entry holding the minimum, valid until a push before it or its removal
  private n = 0;
  private lastTime = NaN; // burst cache: the entry of the previous push
  private lastEntry = -1;
  private work = 0;
  private ops = 0;

  constructor(private readonly keys: EventKeys) {
    this.blockNext = new Int32Array(Math.max(16, keys.gen.length >> BLOCK_BITS));
    const buf = new ArrayBuffer(16 * 64);
    this.etime = new Float64Array(buf);
    this.ent = new Int32Array(buf);
    this.enext = new Int32Array(64);
    this.efree = new Int32Array(64);
    this.head = new Int32Array(0);
    this.setBuckets(16, 1);
  }

  get size(): number {
    return this.n;
  }

  push(): number {
    const t = this.keys.key[0]!;
    let e: number;
    if (t === this.lastTime) e = this.lastEntry;
    else {
      e = this.entryFor(t);
      this.lastTime = t;
      this.lastEntry = e;
    }
    const ent = this.ent, k = 4 * e + 2;
    const tl = ent[k + 1]!;
    let slot: number;
    // room in the tail block? (before the first push tl = -1, and -1 & BLOCK_MASK is BLOCK_MASK: a block is made)
    if ((tl & BLOCK_MASK) !== BLOCK_MASK) slot = tl + 1;
    else {
      const b = this.newBlock();
      slot = b << BLOCK_BITS;
      if (tl === -1) ent[k] = slot;
      else this.blockNext[tl >> BLOCK_BITS] = b;
    }
    ent[k + 1] = slot;
    this.n++;
    return slot;
  }

  peek(): number {
    if (this.n === 0) return -1;
    const e = this.minEntry !== -1 ? this.minEntry : this.findMin();
    this.keys.key[0] = this.etime[2 * e]!;
    return this.ent[4 * e + 2]!;
  }

  pop(): number {
    if (this.n === 0) return -1;
    const e = this.minEntry !== -1 ? this.minEntry : this.findMin();
    const ent = this.ent, k = 4 * e + 2;
    const slot = ent[k]!;
    this.keys.key[0] = this.etime[2 * e]!;
    this.n--;
    if (slot !== ent[k + 1]) {
      // more events at this time: the next slot of the block, or the first of the next block
      if ((slot & BLOCK_MASK) !== BLOCK_MASK) ent[k] = slot + 1;
      else {
        const b = slot >> BLOCK_BITS;
        ent[k] = this.blockNext[b]! << BLOCK_BITS;
        this.freeBlock(b);
      }
      return slot;
    }
    // the entry is empty: free its last block; it is the head of bucket cur & mask: unlink and recycle it
    this.freeBlock(slot >> BLOCK_BITS);
    this.head[this.cur & this.mask] = this.enext[e]!;
    this.freeEntry(e);
    this.minEntry = -1;
    if (this.nb > 16 && this.nEntries < this.nb >> 3) this.resize(this.nb >> 1);
    else if (++this.ops > this.nb && this.work > 8 * this.ops) this.resize(this.nb);
    return slot;
  }

  clear(): void {
    this.head.fill(-1);
    this.n = 0;
    this.nEntries = 0;
    this.nEFree = 0;
    this.nEHigh = 0;
    this.cur = 0;
    this.minEntry = -1;
    this.lastTime = NaN;
    this.lastEntry = -1;
    this.freeBlocks = -1;
    this.nBHigh = 0;
  }

  /** A block of pool slots for a FIFO: the one freed last (still in cache) if any. */
  private newBlock(): number {
    const b = this.freeBlocks;
    if (b !== -1) {
      this.freeBlocks = this.blockNext[b]!;
      return b;
    }
    return this.freshBlock();
  }

  private freshBlock(): number {
    const b = this.nBHigh++;
    if (b >= this.blockNext.length) this.blockNext = grownInt32(this.blockNext, b + 1);
    if ((b + 1) << BLOCK_BITS > this.keys.gen.length) growPool(this.keys, (b + 1) << BLOCK_BITS);
    return b;
  }

  private freeBlock(b: number): void {
    this.blockNext[b] = this.freeBlocks;
    this.freeBlocks = b;
  }

  /** The entry for time t, created (and linked into its bucket) if there is none. */
  private entryFor(t: number): number {
    const vb = Math.floor(t * this.invW);
    const b = vb & this.mask;
    const time = this.etime, enext = this.enext;
    let prev = -1;
    let e = this.head[b]!;
    while (e !== -1 && time[2 * e]! < t) {
      prev = e;
      e = enext[e]!;
      this.work++;
    }
    if (e !== -1 && time[2 * e] === t) return e;
    const ne = this.newEntry(t);
    this.enext[ne] = e;
    if (prev === -1) this.head[b] = ne;
    else this.enext[prev] = ne;
    if (vb < this.cur || (vb === this.cur && prev === -1)) {
      // before (or at the head of) the current position: the cached minimum is stale
      this.cur = vb;
      this.minEntry = -1;
    }
    if (++this.nEntries > this.nb >> 1) this.resize(this.nb * 2);
    else if (++this.ops > this.nb && this.work > 8 * this.ops) this.resize(this.nb);
    return ne;
  }

  private newEntry(t: number): number {
    let e: number;
    if (this.nEFree > 0) e = this.efree[--this.nEFree]!;
    else {
      e = this.nEHigh++;
      if (e >= this.enext.length) {
        const cap = this.enext.length * 2;
        const buf = new ArrayBuffer(16 * cap);
        new Int32Array(buf).set(this.ent);
        this.etime = new Float64Array(buf);
        this.ent = new Int32Array(buf);
        this.enext = grownInt32(this.enext, cap);
        this.efree = grownInt32(this.efree, cap);
      }
    }
    this.etime[2 * e] = t;
    this.ent[4 * e + 2] = -1;
    this.ent[4 * e + 3] = -1;
    return e;
  }

  private freeEntry(e: number): void {
    this.efree[this.nEFree++] = e;
    this.nEntries--;
    if (this.lastEntry === e) {
      this.lastEntry = -1;
      this.lastTime = NaN;
    }
  }

  /** Moves `cur` to the virtual bucket of the earliest entry and returns that entry (the head of its bucket). */
  private findMin(): number {
    const time = this.etime, head = this.head, mask = this.mask, invW = this.invW;
    let cur = this.cur;
    for (let k = 0; k < this.nb; k++, cur++) {
      const e = head[cur & mask]!;
      if (e !== -1 && Math.floor(time[2 * e]! * invW) <= cur) {
        this.work += k;
        this.cur = cur;
        this.minEntry = e;
        return e;
      }
    }
    return this.findMinDirect();
  }

  /** After a full lap without an entry of this year: a direct search over the bucket heads (kept out of findMin so
   * that the common scan stays small enough for V8 to inline into pop). */
  private findMinDirect(): number {
    const time = this.etime, head = this.head, invW = this.invW;
    let best = -1;
    let bt = Infinity;
    for (let b = 0; b < this.nb; b++) {
      const e = head[b]!;
      if (e !== -1 && time[2 * e]! < bt) {
        bt = time[2 * e]!;
        best = e;
      }
    }
    this.work += 2 * this.nb;
    this.cur = Math.floor(bt * invW);
    this.minEntry = best;
    return best;
  }

  private setBuckets(nb: number, width: number): void {
    this.nb = nb;
    this.mask = nb - 1;
    this.width = width;
    this.invW = 1 / width;
    if (this.head.length !== nb) this.head = new Int32Array(nb);
    this.head.fill(-1);
  }

  resizes = 0;
  /** Rebuilds with `nb` buckets and a width estimated from the earliest pending times. */
  private resize(nb: number): void {
    this.resizes++;
    const time = this.etime, enext = this.enext;
    // take the entries out in time order (the calendar itself sorts them)
    const order = new Int32Array(this.nEntries);
    let k = 0;
    while (k < order.length) {
      const e = this.minEntry !== -1 ? this.minEntry : this.findMin();
      this.head[this.cur & this.mask] = enext[e]!;
      this.minEntry = -1;
      order[k++] = e;
    }
    // half the mean gap between the first (up to) 25 times, ignoring gaps over twice the mean (Brown takes 3 ×)
    let width = this.width;
    const m = Math.min(k, 26);
    if (m >= 2) {
      const mean = (time[2 * order[m - 1]!]! - time[2 * order[0]!]!) / (m - 1);
      let sum = 0;
      let cnt = 0;
      for (let i = 1; i < m; i++) {
        const g = time[2 * order[i]!]! - time[2 * order[i - 1]!]!;
        if (g <= 2 * mean) { sum += g; cnt++; }
      }
      width = Math.max(1, (0.5 * sum) / cnt);
    }
    this.setBuckets(nb, width);
    // re-link in time order: each entry goes to the tail of its bucket, so lists stay sorted
    const tails = new Int32Array(nb).fill(-1);
    for (let i = 0; i < k; i++) {
      const e = order[i]!;
      const b = Math.floor(time[2 * e]! * this.invW) & this.mask;
      enext[e] = -1;
      if (tails[b] === -1) this.head[b] = e;
      else enext[tails[b]!] = e;
      tails[b] = e;
    }
    this.cur = k > 0 ? Math.floor(time[2 * order[0]!]! * this.invW) : 0;
    this.minEntry = k > 0 ? order[0]! : -1;
    this.work = 0;
    this.ops = 0;
  }
}
