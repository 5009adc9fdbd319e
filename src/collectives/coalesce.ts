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

/** Initial entries per batch buffer (it doubles as needed). */
const INITIAL = 64;

export class DeliveryBatches {
  /**
   * Events of the owning system dispatched so far: every handler of the system adds one on entry. With the engine
   * owned by the system, `engine.pending + pops` is the number of events ever scheduled (plus a constant).
   */
  pops = 0;
  /** Per batch: entries of (run id, or ~run id for an arrival; member; round), 3 ints each. */
  private bufs: Int32Array[] = [];
  private lens: number[] = [];
  private readonly free: number[] = [];
  /**
   * The batch deliveries may still join, or -1; its time, its buffer and entries so far (kept here while it is open,
   * so that a delivery touches these fields only); and the schedule count after its last delivery.
   */
  private open = -1;
  private openAt = -1;
  private openBuf: Int32Array = new Int32Array(0);
  private openLen = 0;
  private mark = -1;

  constructor(private readonly engine: Engine, private readonly handler: number) {}

  /**
   * Delivers (run, member, round) at `at` to the run's `processed` (or, with `arrival`, its `arrive`), joining the
   * open batch when that is exact (see the header), else in a new batch event.
   */
  add(at: number, run: number, member: number, round: number, arrival: boolean): void {
    const count = this.engine.pending + this.pops;
    if (this.open < 0 || at !== this.openAt || count !== this.mark) return this.addNew(at, run, member, round, arrival);
    let buf = this.openBuf;
    const n = this.openLen;
    if (n + 3 > buf.length) buf = this.grow();
    buf[n] = arrival ? ~run : run;
    buf[n + 1] = member;
    buf[n + 2] = round;
    this.openLen = n + 3;
  }

  /**
   * {@link add} for a caller that knows the open batch is the one its own previous `add` used, for the same time, and
   * that nothing has been scheduled since (so the checks of `add` would pass): appends a delivery to that batch.
   */
  append(run: number, member: number, round: number): void {
    let buf = this.openBuf;
    const n = this.openLen;
    if (n + 3 > buf.length) buf = this.grow();
    buf[n] = run;
    buf[n + 1] = member;
    buf[n + 2] = round;
    this.openLen = n + 3;
  }

  /** {@link add} in a new batch: one engine event at `at`, which the next deliveries may join. */
  private addNew(at: number, run: number, member: number, round: number, arrival: boolean): void {
    this.close();
    const b = this.free.length > 0 ? this.free.pop()! : this.newBatch();
    this.engine.scheduleAt(at, this.handler, b);
    this.open = b;
    this.openAt = at;
    this.openBuf = this.bufs[b]!;
    this.openLen = 0;
    this.mark = this.engine.pending + this.pops;
    this.add(at, run, member, round, arrival);
  }

  /** Batch b's event has come: closes it and returns its entries (valid until {@link release}); length in `size`. */
  take(b: number): Int32Array {
    if (this.open === b) this.close();
    return this.bufs[b]!;
  }

  /** Entries (3 ints each) of batch b. */
  size(b: number): number {
    return this.lens[b]!;
  }

  /** Batch b has been delivered: its buffer is free for another. */
  release(b: number): void {
    this.lens[b] = 0;
    this.free.push(b);
  }

  /** No more deliveries join the open batch: its entries are written back. */
  private close(): void {
    if (this.open < 0) return;
    this.lens[this.open] = this.openLen;
    this.open = -1;
  }

  /** Doubles the open batch's buffer. */
  private grow(): Int32Array {
    const grown = new Int32Array(2 * this.openBuf.length);
    grown.set(this.openBuf);
    this.bufs[this.open] = this.openBuf = grown;
    return grown;
  }

  private newBatch(): number {
    this.bufs.push(new Int32Array(3 * INITIAL));
    this.lens.push(0);
    return this.bufs.length - 1;
  }
}
