/**
 * Coalesced deliveries: messages that the engine would deliver one after another, at one time, with nothing
 * scheduled between them, travel as one engine event that delivers them in the same order.
 *
 * Why it is exact. The engine runs events in (time, seq) order, seq being the order of scheduling (the calendar
 * keeps a FIFO per time, which is the same order). Suppose deliveries d1 … dk are all due at time T and were
 * scheduled one after another with no other event scheduled in between (by anyone). Then their seqs are
 * consecutive, no other event sorts between them, and the engine would pop them back to back: d1's handler, then
 * d2's, … dk's, and whatever those handlers schedule (even at T) sorts after dk. One event at d1's place that
 * calls the same handlers in the same order runs exactly the same code in exactly the same order, so every
 * simulated time, every message and every report is the same; only the count of engine events differs.
 *
 * "Nothing scheduled in between" is checked, not assumed: the engine's pending count plus the events this system
 * has been dispatched (`pops`) goes up by exactly one per event scheduled, so if it is unchanged since the last
 * delivery joined the open batch, nothing was scheduled since, and the next one may join too; otherwise it opens a
 * new batch. A batch closes for good when it starts to run (a delivery due at the current time goes to a new one,
 * after it, as the engine would order it).
 *
 * That count explains every change of the pending count only if every event on the engine is this system's (each
 * pop enters one of its handlers) and none is ever cancelled, so the system coalesces only when its creator says it
 * owns the engine (runCollective: one collective, its engine, its network), and only on a network model whose
 * message is exactly one event at a time known when it is sent, with nothing else scheduled (`arrivalAt`:
 * astra-unaware). Everywhere else deliveries are the network's own events, as before.
 */
import type { Engine } from '../engine/index.ts';
import type { PhaseRun } from './algorithms/base.ts';

/**
 * Entries per block. A batch is a chain of blocks: its first from a pool of small ones, the rest from a pool of big
 * ones, so a batch of one delivery costs one small block (192 bytes) rather than a typed array of its own (on
 * 32 × 32 × 16 NPUs some 32,000 batches are pending at once, most of them small), and a long batch (a step of a
 * 1,024-rank ring) is taken in a few calls. Big blocks' ids carry BIG_FLAG.
 */
const SMALL = 16;
const BIG = 256;
const BIG_FLAG = 1 << 30;

/** Blocks of `size` entries (3 ints each): entries, and per block its successor and its count. */
class BlockPool {
  entries: Int32Array;
  nextOf = new Int32Array(16);
  fillOf = new Int32Array(16);
  freeHead = -1;
  made = 0;

  constructor(readonly size: number, readonly flag: number) {
    this.entries = new Int32Array(16 * 3 * size);
  }

  /** A free block (its successor -1), id with this pool's flag. */
  take(): number {
    let b = this.freeHead;
    if (b >= 0) this.freeHead = this.nextOf[b]!;
    else {
      if (this.made === this.nextOf.length) this.grow();
      b = this.made++;
    }
    this.nextOf[b] = -1;
    return b | this.flag;
  }

  private grow(): void {
    const n = 2 * this.nextOf.length;
    const entries = new Int32Array(n * 3 * this.size), nextOf = new Int32Array(n), fillOf = new Int32Array(n);
    entries.set(this.entries);
    nextOf.set(this.nextOf);
    fillOf.set(this.fillOf);
    this.entries = entries;
    this.nextOf = nextOf;
    this.fillOf = fillOf;
  }
}

export class DeliveryBatches {
  /**
   * Events of the owning system dispatched so far: every handler of the system adds one on entry. With the engine
   * owned by the system, `engine.pending + pops` is the number of events ever scheduled (plus a constant).
   */
  pops = 0;
  /**
   * Entries are (run id, or ~run id for an arrival; member; round). A pool that grows replaces its arrays: a reader
   * holding the old ones still sees the entries of every closed batch, which never change.
   */
  private readonly small = new BlockPool(SMALL, 0);
  private readonly big = new BlockPool(BIG, BIG_FLAG);
  /**
   * The batch deliveries may still join (its first block, or -1); its time; its last block, that block's entries
   * so far, capacity, array and first index (kept here while it is open); and the schedule count after its last
   * delivery.
   */
  private open = -1;
  private openAt = -1;
  private tail = -1;
  private tailFill = 0;
  private tailCap = 0;
  private tailBuf: Int32Array = new Int32Array(0);
  private tailBase = 0;
  private mark = -1;

  private readonly handler: number;

  /** `runs`: the system's phase runs by id (the array itself, which the system fills and empties in place). */
  constructor(private readonly engine: Engine, private readonly runs: readonly (PhaseRun | undefined)[]) {
    this.handler = engine.register({ onEvent: (head) => this.deliver(head) });
  }

  /** A batch is due: each (run, member, round) in order, as their own events would run, then its blocks are freed. */
  private deliver(head: number): void {
    const runs = this.runs;
    this.pops++;
    if (this.open === head) this.close(); // no delivery joins it any more
    for (let b = head; b >= 0; b = this.next(b)) {
      // (a pool may grow while a block is delivered: the array read here still holds this batch's entries)
      const buf = this.entries(b), start = this.start(b), end = start + 3 * this.fill(b);
      for (let k = start; k < end;) {
        const r = buf[k]!;
        if (r >= 0) k = runs[r]!.processedRun(buf, k, end);
        else {
          runs[~r]!.arrive(buf[k + 1]!, buf[k + 2]!);
          k += 3;
        }
      }
    }
    this.release(head);
  }

  /**
   * Delivers (run, member, round) at `at` to the run's `processed` (or, with `arrival`, its `arrive`), joining the
   * open batch when that is exact (see the header), else in a new batch event.
   */
  add(at: number, run: number, member: number, round: number, arrival: boolean): void {
    const count = this.engine.pending + this.pops;
    if (this.open < 0 || at !== this.openAt || count !== this.mark) return this.addNew(at, run, member, round, arrival);
    this.put(arrival ? ~run : run, member, round);
  }

  /**
   * {@link add} for a caller that knows the open batch is the one its own previous `add` used, for the same time, and
   * that nothing has been scheduled since (so the checks of `add` would pass): appends a delivery to that batch.
   */
  append(run: number, member: number, round: number): void {
    this.put(run, member, round);
  }

  /** Block b's entries: the array (read it for each block: pools grow), where they start, how many (3 ints each). */
  private entries(b: number): Int32Array {
    return (b & BIG_FLAG) !== 0 ? this.big.entries : this.small.entries;
  }

  private start(b: number): number {
    return (b & BIG_FLAG) !== 0 ? 3 * BIG * (b ^ BIG_FLAG) : 3 * SMALL * b;
  }

  private fill(b: number): number {
    return (b & BIG_FLAG) !== 0 ? this.big.fillOf[b ^ BIG_FLAG]! : this.small.fillOf[b]!;
  }

  /** The block after b in its batch, or -1. */
  private next(b: number): number {
    return (b & BIG_FLAG) !== 0 ? this.big.nextOf[b ^ BIG_FLAG]! : this.small.nextOf[b]!;
  }

  /** Batch `head` has been delivered: its blocks are free for others. */
  private release(head: number): void {
    for (let b = head; b >= 0;) {
      const p = (b & BIG_FLAG) !== 0 ? this.big : this.small, i = b & ~BIG_FLAG;
      const next = p.nextOf[i]!;
      p.nextOf[i] = p.freeHead;
      p.freeHead = i;
      b = next;
    }
  }

  private put(a: number, b: number, c: number): void {
    let n = this.tailFill;
    if (n === this.tailCap) {
      this.extend();
      n = 0;
    }
    const buf = this.tailBuf, k = this.tailBase + 3 * n;
    buf[k] = a;
    buf[k + 1] = b;
    buf[k + 2] = c;
    this.tailFill = n + 1;
  }

  /** The open batch's last block is full: a big block follows it. */
  private extend(): void {
    const nb = this.big.take();
    this.setFill(this.tail, this.tailFill);
    if ((this.tail & BIG_FLAG) !== 0) this.big.nextOf[this.tail ^ BIG_FLAG] = nb;
    else this.small.nextOf[this.tail] = nb;
    this.setTail(nb);
  }

  /** {@link add} in a new batch: one engine event at `at`, which the next deliveries may join. */
  private addNew(at: number, run: number, member: number, round: number, arrival: boolean): void {
    this.close();
    const b = this.small.take();
    this.engine.scheduleAt(at, this.handler, b);
    this.open = b;
    this.openAt = at;
    this.setTail(b);
    this.mark = this.engine.pending + this.pops;
    this.put(arrival ? ~run : run, member, round);
  }

  private setTail(b: number): void {
    this.tail = b;
    this.tailFill = 0;
    this.tailCap = (b & BIG_FLAG) !== 0 ? BIG : SMALL;
    this.tailBuf = this.entries(b);
    this.tailBase = this.start(b);
  }

  private setFill(b: number, n: number): void {
    if ((b & BIG_FLAG) !== 0) this.big.fillOf[b ^ BIG_FLAG] = n;
    else this.small.fillOf[b] = n;
  }

  /** No more deliveries join the open batch: its last block's count is written back. */
  private close(): void {
    if (this.open < 0) return;
    this.setFill(this.tail, this.tailFill);
    this.open = -1;
  }
}
