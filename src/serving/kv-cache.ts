/**
 * A replica's paged KV cache: `total` blocks of `blockSize` tokens, handed out by id from a free stack. Every block
 * has one owner (a request id) or none; allocating an owned block or freeing one the caller does not own throws,
 * so accounting bugs fail loudly instead of skewing results. Time-weighted usage feeds the KV-utilization metric.
 */
export class KvCache {
  private readonly free: Int32Array;
  private freeTop: number;
  /** Owner request id per block, −1 when free. */
  readonly owner: Int32Array;
  private peakUsed = 0;
  private usedArea = 0; // ∫ used blocks dt, block·ns
  private lastT = 0;

  constructor(readonly total: number, readonly blockSize: number) {
    this.free = new Int32Array(total);
    this.owner = new Int32Array(total).fill(-1);
    for (let i = 0; i < total; i++) this.free[i] = total - 1 - i; // block 0 handed out first
    this.freeTop = total;
  }

  get freeBlocks(): number {
    return this.freeTop;
  }

  get usedBlocks(): number {
    return this.total - this.freeTop;
  }

  /** Blocks needed to hold `tokens` tokens. */
  blocksFor(tokens: number): number {
    return Math.ceil(tokens / this.blockSize);
  }

  /** Moves the usage integral to time t (call before any change at t). */
  advance(t: number): void {
    if (t > this.lastT) {
      this.usedArea += this.usedBlocks * (t - this.lastT);
      this.lastT = t;
    }
  }

  /** Appends n blocks to `blocks` for request `owner`; false (and nothing taken) when fewer than n are free. */
  allocate(owner: number, n: number, blocks: number[]): boolean {
    if (n > this.freeTop) return false;
    for (let i = 0; i < n; i++) {
      const b = this.free[--this.freeTop]!;
      if (this.owner[b] !== -1) throw new Error(`KV block ${b} handed to request ${owner} is already owned by ${this.owner[b]}`);
      this.owner[b] = owner;
      blocks.push(b);
    }
    this.peakUsed = Math.max(this.peakUsed, this.usedBlocks);
    return true;
  }

  /** Returns all of `blocks` (owned by `owner`) to the free stack and empties the array. */
  release(owner: number, blocks: number[]): void {
    for (const b of blocks) {
      if (this.owner[b] !== owner) throw new Error(`request ${owner} frees KV block ${b}, owned by ${this.owner[b]}`);
      this.owner[b] = -1;
      this.free[this.freeTop++] = b;
    }
    blocks.length = 0;
  }

  /** Peak blocks in use. */
  get peak(): number {
    return this.peakUsed;
  }

  /** Time-averaged fraction of blocks in use over [0, t]. */
  meanUtilization(t: number): number {
    this.advance(t);
    return t > 0 && this.total > 0 ? this.usedArea / (t * this.total) : 0;
  }
}
