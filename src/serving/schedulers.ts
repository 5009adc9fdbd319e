/**
 * Per-replica batch schedulers, in a registry by name. Each builds the next step's batch from its replica's
 * waiting and running requests; the simulator runs the step and emits the tokens.
 *
 * - `vllm` (vLLM v0's default scheduler, as Vidur models it): continuous batching with a paged KV cache. A step is
 *   either prefills or decodes: when requests wait and fit (batch ≤ maxBatchSize requests, prefill tokens ≤
 *   maxBatchTokens, KV blocks for the whole prompt with a watermark of free blocks left), the step prefills them;
 *   otherwise every running request decodes one token, taking a new block when its last one is full; when none is
 *   free, the latest-arrived running request is preempted by recompute (its blocks freed; it re-queues at the
 *   front and later prefills its prompt plus the tokens it had generated), or with swap space by swap (its blocks
 *   move to host memory; while any request is swapped out no new prefill is admitted, and swapped requests come
 *   back, oldest first, in a step that preempted nothing).
 * - `orca` (Orca, OSDI'22): iteration-level batching without paging: a request is admitted when KV for its whole
 *   prompt + output fits (reserved up front, so nothing is ever preempted), and newly admitted requests prefill in
 *   the same step as the running ones decode.
 * - `sarathi` (Sarathi-Serve, OSDI'24): chunked prefill under a token budget per step (`chunkSize`): the running
 *   decodes first (one token each), then ongoing prefills continue, then new requests are admitted, their prompts
 *   cut into chunks to fill the budget. Paged KV and preemption (recompute or swap) as vLLM.
 * - `static` (FasterTransformer-style static batching): when the replica is idle it takes up to maxBatchSize
 *   waiting requests (KV reserved for prompt + output), prefills them together and decodes until the longest is
 *   done; finished requests stay in the batch as padding (computed, no tokens) and nothing joins until it ends.
 *
 * - `trtllm` (TensorRT-LLM's in-flight batching with its default capacity policy GUARANTEED_NO_EVICT, chunked
 *   context off, as trtllm-bench runs it): a request is admitted only when KV for its whole prompt + output fits
 *   (reserved up front, so nothing is ever preempted); each step the running generation requests decode one token
 *   first, then waiting requests' whole contexts join while the step's tokens (decodes + context tokens) stay within
 *   max_num_tokens (`maxBatchTokens`) and the batch within max_batch_size; a context that does not fit ends the
 *   admissions of the step (first come, first served). The first context of an otherwise empty step always fits.
 *
 * Requests are served first come, first served in all five.
 */
import { ServingError } from './errors.ts';
import { inPrefill, isDone, type Replica, type Seq } from './replica.ts';

export interface SchedulerConfig {
  /** Requests in a batch at most (vLLM max_num_seqs). */
  maxBatchSize: number;
  /** Prefill tokens in a step at most (vLLM max_num_batched_tokens; the first prefill of a step always fits). */
  maxBatchTokens: number;
  /** Sarathi-Serve's token budget per step. */
  chunkSize: number;
  /** Fraction of KV blocks an admission must leave free (vLLM's watermark, 0.01). */
  watermark: number;
}

/** vLLM 0.x defaults (max_num_seqs 256, watermark 0.01), Vidur's max_tokens_in_batch 4096 and Sarathi chunk 512. */
export const DEFAULT_SCHEDULER_CONFIG: SchedulerConfig = { maxBatchSize: 256, maxBatchTokens: 4096, chunkSize: 512, watermark: 0.01 };

export interface BatchScheduler {
  /** Fills `r.batch` (cleared by the caller) for a step starting now. */
  plan(r: Replica): void;
  /** After a step's tokens are emitted: drop finished requests from `running` and free what they hold. */
  retire(r: Replica): void;
}

/**
 * Admits s, the head of the waiting queue, with KV blocks for its whole life (the prompt and every output token but
 * the last), as the schedulers that never preempt reserve them; undefined when the blocks are not free.
 */
function admitWhole(r: Replica, s: Seq): Seq | undefined {
  return r.admit(r.kv.blocksFor(s.req.promptTokens + s.req.outputTokens - 1));
}

/** Default retirement: finished requests leave and free their blocks at once. */
function retireFinished(r: Replica): void {
  let j = 0;
  for (const s of r.running) {
    if (isDone(s)) r.kv.release(s.req.id, s.blocks);
    else r.running[j++] = s;
  }
  r.running.length = j;
}

/** Whether an admission of `blocks` leaves the watermark free. */
function fits(r: Replica, blocks: number, watermark: number): boolean {
  return r.kv.freeBlocks - blocks >= Math.ceil(watermark * r.kv.total) || (r.running.length === 0 && blocks <= r.kv.freeBlocks);
}

/** Every running request (in order) decodes a token, growing its KV and preempting from the back when short. */
function decodeRunning(r: Replica, skip: (s: Seq) => boolean): void {
  for (let i = 0; i < r.running.length; i++) {
    const s = r.running[i]!;
    if (skip(s)) continue;
    if (!r.grow(s, s.cached + 1)) break; // s itself was preempted; everything after it was preempted first
    r.batch.add(s, 1);
  }
}

/**
 * Swap mode: brings swapped-out requests back (oldest first) while blocks allow, keeping the watermark free unless
 * nothing is running; those past their prefill decode in this step.
 */
function swapInto(r: Replica, c: SchedulerConfig): void {
  while (r.swapped.length > 0 && r.running.length < c.maxBatchSize) {
    const s = r.swapIn(r.running.length === 0 ? 0 : Math.ceil(c.watermark * r.kv.total));
    if (!s) break;
    if (!inPrefill(s)) r.batch.add(s, 1);
  }
}

class Vllm implements BatchScheduler {
  constructor(readonly c: SchedulerConfig) {}

  /**
   * vLLM v0's order: new prefills only while nothing is swapped out; otherwise the running requests decode, and
   * if none had to be preempted, swapped-out requests come back and decode with them.
   */
  plan(r: Replica): void {
    const b = r.batch;
    while (r.swapped.length === 0 && r.waiting.size > 0 && r.running.length < this.c.maxBatchSize) {
      const s = r.waiting.peek()!;
      const tokens = s.req.promptTokens + s.generated;
      if (b.size > 0 && b.tokenCount + tokens > this.c.maxBatchTokens) break;
      const blocks = r.kv.blocksFor(tokens);
      if (!fits(r, blocks, this.c.watermark) || !r.admit(blocks)) break;
      b.add(s, s.target - s.cached);
    }
    if (b.size > 0) return;
    const preempted = r.preemptions;
    decodeRunning(r, () => false);
    if (r.preemptions === preempted) swapInto(r, this.c);
  }

  retire = retireFinished;
}

class Sarathi implements BatchScheduler {
  constructor(readonly c: SchedulerConfig) {}

  plan(r: Replica): void {
    const b = r.batch;
    const preempted = r.preemptions;
    decodeRunning(r, inPrefill);
    if (r.preemptions === preempted) swapInto(r, this.c);
    let budget = this.c.chunkSize - b.tokenCount;
    for (const s of r.running) {
      if (budget <= 0) break;
      if (!inPrefill(s)) continue;
      const q = Math.min(s.target - s.cached, budget);
      b.add(s, q);
      budget -= q;
    }
    while (budget > 0 && r.swapped.length === 0 && r.waiting.size > 0 && r.running.length < this.c.maxBatchSize) {
      const s = r.waiting.peek()!;
      const blocks = r.kv.blocksFor(s.req.promptTokens + s.generated);
      if (!fits(r, blocks, this.c.watermark) || !r.admit(blocks)) break;
      const q = Math.min(s.target, budget);
      b.add(s, q);
      budget -= q;
    }
  }

  retire = retireFinished;
}

class Orca implements BatchScheduler {
  constructor(readonly c: SchedulerConfig) {}

  plan(r: Replica): void {
    const b = r.batch;
    for (const s of r.running) b.add(s, inPrefill(s) ? s.target - s.cached : 1);
    while (r.waiting.size > 0 && r.running.length < this.c.maxBatchSize) {
      const s = r.waiting.peek()!;
      if (!admitWhole(r, s)) break;
      b.add(s, s.target);
    }
  }

  retire = retireFinished;
}

class InflightBatching implements BatchScheduler {
  constructor(readonly c: SchedulerConfig) {}

  plan(r: Replica): void {
    const b = r.batch;
    for (const s of r.running) b.add(s, 1);
    while (r.waiting.size > 0 && r.running.length < this.c.maxBatchSize) {
      const s = r.waiting.peek()!;
      if (b.size > 0 && b.tokenCount + s.target > this.c.maxBatchTokens) break;
      if (!admitWhole(r, s)) break;
      b.add(s, s.target);
    }
  }

  retire = retireFinished;
}

class Static implements BatchScheduler {
  constructor(readonly c: SchedulerConfig) {}

  plan(r: Replica): void {
    const b = r.batch;
    if (r.running.length === 0) {
      while (r.waiting.size > 0 && r.running.length < this.c.maxBatchSize) {
        const s = r.waiting.peek()!;
        if (!admitWhole(r, s)) break;
        b.add(s, s.target);
      }
      return;
    }
    for (const s of r.running) b.add(s, isDone(s) ? 0 : 1);
  }

  /** The batch ends when its last request does; then all its blocks are freed together. */
  retire(r: Replica): void {
    if (!r.running.every(isDone)) return;
    for (const s of r.running) r.kv.release(s.req.id, s.blocks);
    r.running.length = 0;
  }
}

export const SCHEDULERS = {
  vllm: (c: SchedulerConfig): BatchScheduler => new Vllm(c),
  orca: (c: SchedulerConfig): BatchScheduler => new Orca(c),
  sarathi: (c: SchedulerConfig): BatchScheduler => new Sarathi(c),
  static: (c: SchedulerConfig): BatchScheduler => new Static(c),
  trtllm: (c: SchedulerConfig): BatchScheduler => new InflightBatching(c),
} as const;

export type SchedulerKind = keyof typeof SCHEDULERS;
export const SCHEDULER_KINDS = Object.keys(SCHEDULERS) as SchedulerKind[];

/** Whether the scheduler reserves KV for prompt + output at admission (so a request must fit whole). */
export const RESERVES_WHOLE_REQUEST: Record<SchedulerKind, boolean> = { vllm: false, orca: true, sarathi: false, static: true, trtllm: true };

export function createBatchScheduler(name: string, c: SchedulerConfig): BatchScheduler {
  const f = (SCHEDULERS as Record<string, (c: SchedulerConfig) => BatchScheduler>)[name];
  if (!f) throw new ServingError(`--scheduler "${name}": expected one of: ${SCHEDULER_KINDS.join(', ')}`);
  for (const [k, v] of Object.entries(c)) {
    const ok = k === 'watermark' ? v >= 0 && v < 1 : Number.isSafeInteger(v) && v >= 1;
    if (!ok) throw new ServingError(`scheduler option ${k}: expected ${k === 'watermark' ? 'a fraction in [0, 1)' : 'an integer ≥ 1'}, got ${v}`);
  }
  return f(c);
}
