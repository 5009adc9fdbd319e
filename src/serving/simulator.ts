/**
 * The serving simulation: requests arrive, the router sends each to a replica, and every replica runs steps back
 * to back while it has work, each step's batch chosen by its scheduler and timed by the step-time model.
 *
 * A simple event loop of its own, deterministic by construction: at each distinct time t (the earliest of the
 * next arrival and the earliest step end), first the replicas whose step ends at t finish it, in replica order
 * (tokens emitted at t, finished requests retired), then the requests arriving at t are routed, in id order, then
 * every idle replica with work starts its next step at t, in replica order. Steps on different replicas are
 * independent (their TP groups share no links in the model), so no event queue is needed beyond this scan.
 */
import { ServingError } from './errors.ts';
import { KvCache } from './kv-cache.ts';
import { inPrefill, newSeq, Replica, type Seq } from './replica.ts';
import type { Request } from './requests.ts';
import { createRouter } from './router.ts';
import { createBatchScheduler, DEFAULT_SCHEDULER_CONFIG, type SchedulerConfig } from './schedulers.ts';
import type { BatchShape, StepTimeModel } from './step-time.ts';

export interface ServeSimSpec {
  /** Sorted by arrival, ids 0..n−1 in that order. */
  requests: readonly Request[];
  replicas: number;
  /** One model for every replica, or one per replica. */
  stepTime: StepTimeModel | readonly StepTimeModel[];
  /** KV blocks per replica and tokens per block. */
  kvBlocks: number;
  blockSize: number;
  scheduler: string;
  schedulerConfig?: Partial<SchedulerConfig>;
  router: string;
  seed: number | string;
  /** Keep every step (replica, start, duration, rows, tokens) for a timeline. */
  recordSteps?: boolean;
}

/** One step, when recorded. */
export interface StepRecord {
  replica: number;
  startNs: number;
  durNs: number;
  requests: number;
  prefillTokens: number;
  decodes: number;
  kvBlocksUsed: number;
}

export interface ServeSimResult {
  /** Per request, in id order. */
  seqs: Seq[];
  /** Every time between consecutive tokens of a request, ns. */
  tbtNs: Float64Array;
  /** batchSizeCounts[k] = steps with k requests in the batch. */
  batchSizeCounts: number[];
  steps: number;
  events: number;
  preemptions: number;
  /** When the last request finished, ns. */
  endNs: number;
  kv: { blocksPerReplica: number; meanUtilization: number[]; peakBlocks: number[]; freeAtEnd: number[] };
  stepLog?: StepRecord[];
}

class Growable {
  data = new Float64Array(1024);
  length = 0;
  push(x: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = x;
  }
}

export function simulateServing(spec: ServeSimSpec): ServeSimResult {
  const { requests, replicas: R } = spec;
  if (!(Number.isSafeInteger(R) && R >= 1)) throw new ServingError(`--replicas: expected an integer ≥ 1, got ${R}`);
  const config: SchedulerConfig = { ...DEFAULT_SCHEDULER_CONFIG, ...spec.schedulerConfig };
  const schedulers = Array.from({ length: R }, () => createBatchScheduler(spec.scheduler, config));
  const route = createRouter(spec.router, R, spec.seed);
  const stepTimes = Array.isArray(spec.stepTime) ? (spec.stepTime as readonly StepTimeModel[]) : Array.from({ length: R }, () => spec.stepTime as StepTimeModel);
  if (stepTimes.length !== R) throw new ServingError(`${stepTimes.length} step-time models for ${R} replicas`);
  const replicas = Array.from({ length: R }, (_, i) => new Replica(i, new KvCache(spec.kvBlocks, spec.blockSize)));
  for (const q of requests) {
    if (!(q.promptTokens >= 1 && q.outputTokens >= 1)) {
      throw new ServingError(`request ${q.id}: expected at least 1 prompt and 1 output token, got ${q.promptTokens} and ${q.outputTokens}`);
    }
    const need = Math.ceil((q.promptTokens + q.outputTokens - 1) / spec.blockSize);
    if (need > spec.kvBlocks) {
      throw new ServingError(
        `request ${q.id} (${q.promptTokens} prompt + ${q.outputTokens} output tokens) needs ${need} KV blocks of ${spec.blockSize} tokens; ` +
          `a replica holds ${spec.kvBlocks}: raise --tp or --gpu-memory-utilization, or shorten the requests`,
      );
    }
  }

  const seqs: Seq[] = new Array(requests.length);
  const tbt = new Growable();
  const batchSizeCounts: number[] = [];
  const stepLog: StepRecord[] | undefined = spec.recordSteps ? [] : undefined;
  const shape = { prefillTokens: [] as number[], prefillContext: [] as number[], decodeKv: [] as number[], samples: 0 } satisfies BatchShape;
  let steps = 0, events = 0, endNs = 0;

  const emit = (r: Replica, s: Seq, t: number): void => {
    s.generated++;
    if (s.firstTokenNs < 0) s.firstTokenNs = t;
    else {
      const gap = t - s.lastTokenNs;
      tbt.push(gap);
      if (gap > s.maxTbtNs) s.maxTbtNs = gap;
    }
    s.lastTokenNs = t;
    if (s.generated === s.req.outputTokens) {
      s.doneNs = t;
      r.outstanding--;
      if (t > endNs) endNs = t;
    }
  };

  const finishStep = (r: Replica, t: number): void => {
    events++;
    r.busy = false;
    r.kv.advance(t);
    const b = r.batch;
    const n = b.seqs.length;
    for (let i = 0; i < n; i++) {
      const s = b.seqs[i]!, q = b.tokens[i]!;
      if (q === 0) continue;
      const wasPrefill = inPrefill(s);
      s.cached += q;
      if (!wasPrefill || s.cached === s.target) emit(r, s, t);
    }
    schedulers[r.index]!.retire(r);
  };

  const startStep = (r: Replica, t: number): void => {
    if (r.waiting.size === 0 && r.running.length === 0) return;
    r.kv.advance(t);
    const b = r.batch;
    b.clear();
    schedulers[r.index]!.plan(r);
    if (b.size === 0) {
      if (r.running.length === 0) throw new Error(`replica ${r.index}: the scheduler admitted nothing with ${r.waiting.size} waiting and nothing running (a bug)`);
      return;
    }
    shape.prefillTokens.length = shape.prefillContext.length = shape.decodeKv.length = 0;
    let samples = 0, prefillTokens = 0;
    const n = b.seqs.length;
    for (let i = 0; i < n; i++) {
      const s = b.seqs[i]!, q = b.tokens[i]!;
      if (q > 0 && inPrefill(s)) {
        shape.prefillTokens.push(q);
        shape.prefillContext.push(s.cached);
        prefillTokens += q;
        if (s.cached + q === s.target) samples++;
      } else {
        shape.decodeKv.push(s.cached);
        samples++;
      }
    }
    shape.samples = samples;
    const dur = stepTimes[r.index]!.stepNs(shape);
    r.busy = true;
    r.stepStartNs = t;
    r.stepEndNs = t + dur;
    steps++;
    events++;
    batchSizeCounts[n] = (batchSizeCounts[n] ?? 0) + 1;
    stepLog?.push({ replica: r.index, startNs: t, durNs: dur, requests: n, prefillTokens, decodes: shape.decodeKv.length, kvBlocksUsed: r.kv.usedBlocks });
  };

  let next = 0;
  const outstanding = (i: number) => replicas[i]!.outstanding;
  for (;;) {
    let t = next < requests.length ? requests[next]!.arrivalNs : Infinity;
    for (const r of replicas) if (r.busy && r.stepEndNs < t) t = r.stepEndNs;
    if (t === Infinity) break;
    for (const r of replicas) if (r.busy && r.stepEndNs === t) finishStep(r, t);
    while (next < requests.length && requests[next]!.arrivalNs === t) {
      const q = requests[next++]!;
      const i = route(outstanding);
      const r = replicas[i]!;
      const s = newSeq(q, i);
      seqs[q.id] = s;
      r.outstanding++;
      r.waiting.push(s);
      events++;
    }
    for (const r of replicas) if (!r.busy) startStep(r, t);
  }

  for (const r of replicas) {
    if (r.waiting.size > 0 || r.running.length > 0) throw new Error(`replica ${r.index} stopped with unfinished requests (a bug)`);
  }
  for (let i = 0; i < batchSizeCounts.length; i++) batchSizeCounts[i] ??= 0;
  const result: ServeSimResult = {
    seqs,
    tbtNs: tbt.data.subarray(0, tbt.length),
    batchSizeCounts,
    steps,
    events,
    preemptions: replicas.reduce((a, r) => a + r.preemptions, 0),
    endNs,
    kv: {
      blocksPerReplica: spec.kvBlocks,
      meanUtilization: replicas.map((r) => r.kv.meanUtilization(endNs)),
      peakBlocks: replicas.map((r) => r.kv.peak),
      freeAtEnd: replicas.map((r) => r.kv.freeBlocks),
    },
  };
  if (stepLog) result.stepLog = stepLog;
  return result;
}
