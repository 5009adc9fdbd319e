/**
 * A replica's state as its scheduler sees it: the requests waiting (a deque: preempted requests go back to the
 * front), the requests running (admission order, kept sorted by arrival), the KV cache, and the batch being built
 * for the next step.
 *
 * A request's life on a replica (`Seq`): admitted with `target` = prompt + tokens generated so far (a request
 * preempted by recompute comes back with its output so far as part of its prompt); prefill steps add their chunk to
 * `cached` until it reaches `target`, and the step that gets there emits a token; each decode step then processes
 * the last token (cached + 1) and emits the next. So a request of P prompt and O output tokens holds at most
 * P + O − 1 tokens of KV cache, and its last token comes from its (O − 1)-th decode step.
 */
import type { KvCache } from './kv-cache.ts';
import type { Request } from './requests.ts';

export interface Seq {
  readonly req: Request;
  replica: number;
  /** Tokens in the KV cache. */
  cached: number;
  /** Output tokens emitted so far. */
  generated: number;
  /** Tokens to have cached before the next token is emitted (prompt + generated at admission). */
  target: number;
  /** KV block ids held. */
  readonly blocks: number[];
  firstTokenNs: number;
  lastTokenNs: number;
  maxTbtNs: number;
  doneNs: number;
  preemptions: number;
  /** KV blocks held in host memory while swapped out (preemption by swap), else 0. */
  swappedBlocks: number;
}

export function newSeq(req: Request, replica: number): Seq {
  return {
    req, replica, cached: 0, generated: 0, target: req.promptTokens, blocks: [],
    firstTokenNs: -1, lastTokenNs: -1, maxTbtNs: 0, doneNs: -1, preemptions: 0, swappedBlocks: 0,
  };
}

export const isDone = (s: Seq): boolean => s.generated >= s.req.outputTokens;
export const inPrefill = (s: Seq): boolean => s.cached < s.target;

/** A FIFO with push to the front, on a ring buffer. */
export class Deque<T> {
  private buf: (T | undefined)[] = new Array(16);
  private head = 0;
  size = 0;

  private grow(): void {
    const next: (T | undefined)[] = new Array(this.buf.length * 2);
    for (let i = 0; i < this.size; i++) next[i] = this.buf[(this.head + i) % this.buf.length];
    this.buf = next;
    this.head = 0;
  }

  push(x: T): void {
    if (this.size === this.buf.length) this.grow();
    this.buf[(this.head + this.size++) % this.buf.length] = x;
  }

  unshift(x: T): void {
    if (this.size === this.buf.length) this.grow();
    this.head = (this.head - 1 + this.buf.length) % this.buf.length;
    this.buf[this.head] = x;
    this.size++;
  }

  peek(): T | undefined {
    return this.size > 0 ? this.buf[this.head] : undefined;
  }

  shift(): T | undefined {
    if (this.size === 0) return undefined;
    const x = this.buf[this.head];
    this.buf[this.head] = undefined;
    this.head = (this.head + 1) % this.buf.length;
    this.size--;
    return x;
  }
}

/** The next step's work: rows of (request, tokens processed); a row with 0 tokens is static batching's padding. */
export class Batch {
  readonly seqs: Seq[] = [];
  readonly tokens: number[] = [];
  prefillRows = 0;
  tokenCount = 0;

  clear(): void {
    this.seqs.length = 0;
    this.tokens.length = 0;
    this.prefillRows = 0;
    this.tokenCount = 0;
  }

  add(seq: Seq, tokens: number): void {
    this.seqs.push(seq);
    this.tokens.push(tokens);
    this.tokenCount += tokens;
    if (inPrefill(seq) && tokens > 0) this.prefillRows++;
  }

  get size(): number {
    return this.seqs.length;
  }
}

/**
 * Preemption by swap (vLLM's preemption_mode "swap"): a victim's KV blocks go to host memory (`hostBlocks` of
 * them per replica) instead of being dropped, and come back before any new prefill is admitted. The blocks moved
 * in either direction during the step being planned are counted in `swapBlocksThisStep`; the simulator charges
 * their PCIe time to the step. When host memory is full the victim is preempted by recompute instead.
 */
export interface SwapSpace {
  hostBlocks: number;
}

export class Replica {
  readonly waiting = new Deque<Seq>();
  readonly running: Seq[] = [];
  readonly batch = new Batch();
  /** Swapped-out requests, in the order they were swapped out (swap mode only). */
  readonly swapped: Seq[] = [];
  /** Free host blocks for swapped-out KV (0 without swap). */
  hostFreeBlocks = 0;
  /** Blocks swapped out or in while planning the current step (reset by the simulator). */
  swapBlocksThisStep = 0;
  swaps = 0;
  preemptions = 0;
  /** Requests routed here and not finished. */
  outstanding = 0;
  busy = false;
  stepEndNs = 0;
  /** The step in flight started at this time and took this long (for metrics and the timeline). */
  stepStartNs = 0;

  constructor(readonly index: number, readonly kv: KvCache, readonly swap?: SwapSpace) {
    if (swap) this.hostFreeBlocks = swap.hostBlocks;
  }

  /** Moves the front waiting request into `running` (arrival order) with `blocks` new KV blocks; false if short. */
  admit(blocks: number): Seq | undefined {
    const seq = this.waiting.peek()!;
    if (!this.kv.allocate(seq.req.id, blocks, seq.blocks)) return undefined;
    this.waiting.shift();
    seq.target = seq.req.promptTokens + seq.generated;
    let i = this.running.length;
    while (i > 0 && this.running[i - 1]!.req.id > seq.req.id) i--;
    this.running.splice(i, 0, seq);
    return seq;
  }

  /**
   * Preemption: by swap when the replica has swap space with room for the request's blocks (its KV moves to host
   * memory, it joins `swapped`), else by recompute (the request loses its KV cache and goes back to the front of
   * the queue).
   */
  preempt(seq: Seq): void {
    const i = this.running.indexOf(seq);
    this.running.splice(i, 1);
    seq.preemptions++;
    this.preemptions++;
    const n = seq.blocks.length;
    if (this.swap && n <= this.hostFreeBlocks) {
      this.kv.release(seq.req.id, seq.blocks);
      seq.swappedBlocks = n;
      this.hostFreeBlocks -= n;
      this.swapBlocksThisStep += n;
      this.swaps++;
      this.swapped.push(seq);
      return;
    }
    this.kv.release(seq.req.id, seq.blocks);
    seq.cached = 0;
    this.waiting.unshift(seq);
  }

  /**
   * Brings the oldest swapped-out request back: the blocks it had (a request swapped mid-prefill holds its whole
   * prompt's), and at least enough for its cached tokens plus the next one; its host blocks freed; back into
   * `running`. Undefined (nothing changed) when that would leave fewer than `reserveFree` blocks free.
   */
  swapIn(reserveFree: number): Seq | undefined {
    const seq = this.swapped[0]!;
    const need = Math.max(seq.swappedBlocks, this.kv.blocksFor(seq.cached + 1));
    if (this.kv.freeBlocks - need < reserveFree || !this.kv.allocate(seq.req.id, need, seq.blocks)) return undefined;
    this.swapped.shift();
    this.hostFreeBlocks += seq.swappedBlocks;
    this.swapBlocksThisStep += seq.swappedBlocks;
    seq.swappedBlocks = 0;
    let i = this.running.length;
    while (i > 0 && this.running[i - 1]!.req.id > seq.req.id) i--;
    this.running.splice(i, 0, seq);
    return seq;
  }

  /**
   * Makes room for `seq` to grow to `tokens` cached tokens, preempting the latest-arrived running requests (vLLM's
   * policy) while blocks are short. False when `seq` itself had to be preempted.
   */
  grow(seq: Seq, tokens: number): boolean {
    const need = this.kv.blocksFor(tokens) - seq.blocks.length;
    if (need <= 0) return true;
    while (this.kv.freeBlocks < need) {
      const victim = this.running[this.running.length - 1]!;
      this.preempt(victim);
      if (victim === seq) return false;
    }
    this.kv.allocate(seq.req.id, need, seq.blocks);
    return true;
  }
}
