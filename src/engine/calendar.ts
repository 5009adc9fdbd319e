/**
 * The default scheduler: a calendar queue with a FIFO of pool-slot blocks per distinct time (scheduler.ts has the
 * ordering contract it shares with the heaps).
 */
import { growPool, grownInt32, type EventKeys, type Scheduler } from './scheduler.ts';

/** Pool slots per unit: 2^BLOCK_BITS, 4 events of 16 bytes = one 64-byte cache line. A time's first block is one unit. */
const BLOCK_BITS = 2;
/** Units per block after a time's first: a run of 4 consecutive units, 16 events, 256 bytes. */
const RUN = 4;

/**
 * Calendar queue (R. Brown, CACM 1988) over distinct times, with a FIFO of events per time.
 *
 * Pending times ("entries") are spread over `nb` buckets of `width` ns: entry t sits in bucket floor(t/width) mod
 * nb, each bucket a list of entries sorted by time. An entry holds the FIFO of events scheduled at its time, in
 * push (= seq) order, so ties cost no comparisons and a burst of events at one instant (a collective step
 * schedules every rank's arrival at once) is O(1) per event. Pop takes the head event of the current entry; the
 * next entry is found by walking buckets from the current virtual bucket, or after a full lap by a direct search.
 *
 * The FIFO of a time is a chain of blocks of consecutive pool slots, and the calendar hands out the slots: the
 * payloads of one time's events sit together (4 to a cache line) and are popped in address order, and the block of a
 * time still being filled stays in cache between its pushes. With events linked one by one through their slots
 * instead, every pop and every push to a time's tail touched a random line of the pool: measured (same-process and
 * fresh-process A/B, bench/HISTORY.md) about 1.8x faster on the hold model at 1e6 resident events, no loss at 1e3.
 * A time's first block is 4 slots (a time holding one event costs one cache line of pool, not four) and every later
 * block a run of 16: a time holding many events crosses a block boundary (a free-list pop, a link, a free) every 16
 * events instead of every 4. Each entry keeps the last slot of its head and tail blocks, so the boundary test is a
 * compare within the entry's cache line whatever the block's size. Measured against blocks of 4 only (bench/engine-ab.ts,
 * same process, both copy orders, bench/HISTORY.md): 1.3x on the hold model at 1e5 resident events (about 50 per
 * distinct time), 1.6x at 1e6, no change at 1e3 (about one event per time).
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
  // The FIFO of a time is a chain of blocks of consecutive pool slots, in units of 4 slots: a single unit first, then
  // runs of RUN units. blockNext[u], for the last unit u of a block, is the first unit of the next block; free runs
  // form a list through blockNext of their first unit. A single unit belongs to one entry index for good (its first
  // slot in ent[8e + 6]): a recycled entry reuses it, so a time holding one event costs no block allocation or free
  // (1.02x at 1e3 in a same-process A/B, and less code). span[u]: 0 for a single unit, else u's
  // position in its run, 1..RUN (a unit is made one or the other once, when the pool first reaches it).
  private blockNext: Int32Array;
  private span: Uint8Array;
  private freeRuns = -1;
  private nBHigh = 0;
  // entries (one per distinct pending time), 32 bytes each in one buffer seen as float64 (etime[4e]: the time) and
  // int32 (ent[8e + 2]: head, the next slot to pop; ent[8e + 3]: tail, the last slot pushed, or the slot before the
  // head before the first push; ent[8e + 4], ent[8e + 5]: the last slots of the head's and the tail's blocks), so a
  // push and a pop read the time and the FIFO from one cache line; enext[e]: the next entry in the bucket
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
    this.span = new Uint8Array(this.blockNext.length);
    const buf = new ArrayBuffer(32 * 64);
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
    const ent = this.ent, k = 8 * e + 2;
    const tl = ent[k + 1]!;
    // the next slot of the tail block, or the first of a new run (a new entry comes with its first block)
    const slot = tl !== ent[k + 3] ? tl + 1 : this.spill(k, tl);
    ent[k + 1] = slot;
    this.n++;
    return slot;
  }

  peek(): number {
    if (this.n === 0) return -1;
    const e = this.minEntry !== -1 ? this.minEntry : this.findMin();
    this.keys.key[0] = this.etime[4 * e]!;
    return this.ent[8 * e + 2]!;
  }

  pop(): number {
    if (this.n === 0) return -1;
    const e = this.minEntry !== -1 ? this.minEntry : this.findMin();
    const ent = this.ent, k = 8 * e + 2;
    const slot = ent[k]!;
    this.keys.key[0] = this.etime[4 * e]!;
    this.n--;
    if (slot !== ent[k + 1]) {
      // more events at this time: the next slot of the block, or the first of the next block (a run)
      if (slot !== ent[k + 2]) ent[k] = slot + 1;
      else this.nextBlock(k, slot);
      return slot;
    }
    // the entry is empty: free its last block; it is the head of bucket cur & mask: unlink and recycle it
    this.freeUnit(slot >> BLOCK_BITS);
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
    this.freeRuns = -1;
    this.nBHigh = 0;
  }


  private freshBlock(): number {
    const b = this.nBHigh++;
    if (b >= this.blockNext.length) this.growUnits(b + 1);
    this.span[b] = 0;
    if ((b + 1) << BLOCK_BITS > this.keys.gen.length) growPool(this.keys, (b + 1) << BLOCK_BITS);
    return b;
  }

  private growUnits(n: number): void {
    this.blockNext = grownInt32(this.blockNext, n);
    const s = new Uint8Array(this.blockNext.length);
    s.set(this.span);
    this.span = s;
  }

  /** The first slot of a new run chained after the full tail block of the entry at ent[k - 2] (tail slot tl). */
  private spill(k: number, tl: number): number {
    const r = this.newRun();
    this.blockNext[tl >> BLOCK_BITS] = r;
    const slot = r << BLOCK_BITS;
    this.ent[k + 3] = slot + (RUN << BLOCK_BITS) - 1;
    return slot;
  }

  /** Moves the head of the entry at ent[k - 2] from the last slot of its block to the next block (a run), and frees
   * the block it leaves. */
  private nextBlock(k: number, slot: number): void {
    const u = slot >> BLOCK_BITS;
    const nx = this.blockNext[u]! << BLOCK_BITS;
    this.ent[k] = nx;
    this.ent[k + 2] = nx + (RUN << BLOCK_BITS) - 1;
    this.freeUnit(u);
  }

  /** A run of RUN units for a FIFO's second and later blocks: the one freed last if any. */
  private newRun(): number {
    const r = this.freeRuns;
    if (r !== -1) {
      this.freeRuns = this.blockNext[r]!;
      return r;
    }
    const f = this.nBHigh;
    this.nBHigh += RUN;
    if (this.nBHigh > this.blockNext.length) this.growUnits(this.nBHigh);
    if (this.nBHigh << BLOCK_BITS > this.keys.gen.length) growPool(this.keys, this.nBHigh << BLOCK_BITS);
    for (let i = 0; i < RUN; i++) this.span[f + i] = i + 1;
    return f;
  }

  /** Frees the run holding unit u; a single unit stays with its entry. */
  private freeUnit(u: number): void {
    const p = this.span[u]!;
    if (p !== 0) {
      const r = u - p + 1;
      this.blockNext[r] = this.freeRuns;
      this.freeRuns = r;
    }
  }


  /** The entry for time t, created (and linked into its bucket) if there is none. */
  private entryFor(t: number): number {
    const vb = Math.floor(t * this.invW);
    const b = vb & this.mask;
    const time = this.etime, enext = this.enext;
    let prev = -1;
    let e = this.head[b]!;
    while (e !== -1 && time[4 * e]! < t) {
      prev = e;
      e = enext[e]!;
      this.work++;
    }
    if (e !== -1 && time[4 * e] === t) return e;
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
    let first: number;
    if (this.nEFree > 0) {
      e = this.efree[--this.nEFree]!;
      first = this.ent[8 * e + 6]!;
    } else {
      e = this.nEHigh++;
      if (e >= this.enext.length) {
        const cap = this.enext.length * 2;
        const buf = new ArrayBuffer(32 * cap);
        new Int32Array(buf).set(this.ent);
        this.etime = new Float64Array(buf);
        this.ent = new Int32Array(buf);
        this.enext = grownInt32(this.enext, cap);
        this.efree = grownInt32(this.efree, cap);
      }
      first = this.freshBlock() << BLOCK_BITS;
      this.ent[8 * e + 6] = first;
    }
    this.etime[4 * e] = t;
    // its first block, its own single unit: head = first slot, tail = the slot before (none pushed yet), both ends its
    // last
    const ent = this.ent, k = 8 * e + 2;
    ent[k] = first;
    ent[k + 1] = first - 1;
    ent[k + 2] = first + (1 << BLOCK_BITS) - 1;
    ent[k + 3] = first + (1 << BLOCK_BITS) - 1;
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
      if (e !== -1 && Math.floor(time[4 * e]! * invW) <= cur) {
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
      if (e !== -1 && time[4 * e]! < bt) {
        bt = time[4 * e]!;
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
      const mean = (time[4 * order[m - 1]!]! - time[4 * order[0]!]!) / (m - 1);
      let sum = 0;
      let cnt = 0;
      for (let i = 1; i < m; i++) {
        const g = time[4 * order[i]!]! - time[4 * order[i - 1]!]!;
        if (g <= 2 * mean) { sum += g; cnt++; }
      }
      width = Math.max(1, (0.5 * sum) / cnt);
    }
    this.setBuckets(nb, width);
    // re-link in time order: each entry goes to the tail of its bucket, so lists stay sorted
    const tails = new Int32Array(nb).fill(-1);
    for (let i = 0; i < k; i++) {
      const e = order[i]!;
      const b = Math.floor(time[4 * e]! * this.invW) & this.mask;
      enext[e] = -1;
      if (tails[b] === -1) this.head[b] = e;
      else enext[tails[b]!] = e;
      tails[b] = e;
    }
    this.cur = k > 0 ? Math.floor(time[4 * order[0]!]! * this.invW) : 0;
    this.minEntry = k > 0 ? order[0]! : -1;
    this.work = 0;
    this.ops = 0;
  }
}
