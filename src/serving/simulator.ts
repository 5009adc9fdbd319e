/**
 * The serving simulation: requests arrive, the router sends each to a replica, and every replica runs steps back
 * to back while it has work, each step's batch chosen by its scheduler and timed by the step-time model.
 *
 * A simple event loop of its own, deterministic by construction: at each distinct time t (the earliest of the
 * next arrival and the earliest step end), first the replicas whose step ends at t finish it, in replica order
 * (tokens emitted at t, finished requests retired), then the requests arriving at t are routed, in id order, then
 * every idle replica with work starts its next step at t, in replica order. Steps on different replicas are
 * independent (their TP groups share no links in the model), so no event queue is needed beyond this scan.
 *
 * Disaggregated prefill/decode (Splitwise, DistServe), with `disaggregation`: replicas 0 … P−1 only prefill,
 * P … R−1 only decode. Arrivals are routed over the prefill pool; a request's first token comes from its prefill
 * replica, which then frees its KV blocks and sends the KV cache (cached tokens × KV bytes per token, per GPU) to a
 * decode replica chosen by the same kind of router over the decode pool (its own stream), taking `transferNs`. The
 * transfer lands between step ends and arrivals at its time (in the order they were sent); the request then waits
 * for KV blocks for its cached tokens on the decode replica and joins its running batch, decoding from the next
 * step. A request preempted on the decode replica is recomputed there. Transfers are timed alone (no contention
 * between them or with the TP all-reduces).
 */
import { ServingError } from './errors.ts';
import { KvCache } from './kv-cache.ts';
import { inPrefill, newSeq, Replica, type Seq } from './replica.ts';
import type { Request } from './requests.ts';
import { createRouter } from './router.ts';
import { createBatchScheduler, DEFAULT_SCHEDULER_CONFIG, RESERVES_WHOLE_REQUEST, type SchedulerConfig } from './schedulers.ts';
import type { BatchShape, StepTimeModel } from './step-time.ts';
import { PipelineReplica } from './pipeline.ts';

export interface ServeSimSpec {
  /** Sorted by arrival, ids 0..n−1 in that order. */
  requests: readonly Request[];
  replicas: number;
  /** One model for every replica, or one per replica (ignored for replicas given a pipeline). */
  stepTime: StepTimeModel | readonly StepTimeModel[];
  /**
   * Pipeline parallelism (pipeline.ts): one PipelineReplica per replica, each with `virtualEngines` virtual engines
   * (vLLM runs one per stage). Default: no pipeline, one engine per replica timed by `stepTime`.
   */
  pipelines?: readonly PipelineReplica[];
  virtualEngines?: number;
  /** KV blocks per engine (per replica without a pipeline) and tokens per block. */
  kvBlocks: number;
  blockSize: number;
  scheduler: string;
  schedulerConfig?: Partial<SchedulerConfig>;
  router: string;
  seed: number | string;
  /** Keep every step (replica, start, duration, rows, tokens) for a timeline. */
  recordSteps?: boolean;
  /** Separate prefill and decode pools (see above). */
  disaggregation?: Disaggregation;
  /**
   * Preemption by swap (vllm and sarathi): host blocks per engine for swapped-out KV, and the ns to move n blocks
   * between HBM and host memory (charged to the step that swaps, before its compute). Default: recompute.
   */
  swap?: { hostBlocks: number; swapNs(blocks: number): number };
}

export interface Disaggregation {
  /** Replicas 0 … prefillReplicas − 1 prefill; the rest decode. */
  prefillReplicas: number;
  /** KV bytes per token on each GPU of a replica. */
  kvBytesPerToken: number;
  /** ns to move `bytesPerGpu` from every GPU of replica `from` to the matching GPU of replica `to`. */
  transferNs(from: number, to: number, bytesPerGpu: number): number;
}

/** One step, when recorded. */
export interface StepRecord {
  /** The engine: the replica, or with a pipeline replica · virtualEngines + virtual engine. */
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
  /** Per engine (per replica, or per virtual engine with a pipeline). */
  kv: { blocksPerReplica: number; meanUtilization: number[]; peakBlocks: number[]; freeAtEnd: number[] };
  /** Engines per replica (virtual engines with a pipeline, else 1). */
  enginesPerReplica: number;
  stepLog?: StepRecord[];
  /** Preemption by swap: requests swapped out, the PCIe time charged to steps, host blocks free at the end. */
  swap?: { swaps: number; totalNs: number; hostFreeAtEnd: number[] };
  /** KV transfers (disaggregated serving): count and total time, ns. */
  transfers?: { count: number; totalNs: number; maxNs: number };
}

interface Transfer {
  at: number;
  order: number;
  seq: Seq;
  to: number;
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
  const V = spec.virtualEngines ?? 1;
  if (!(Number.isSafeInteger(V) && V >= 1)) throw new ServingError(`virtual engines: expected an integer ≥ 1, got ${V}`);
  if (V > 1 && spec.pipelines === undefined) throw new ServingError('virtual engines need a pipeline per replica');
  const config: SchedulerConfig = { ...DEFAULT_SCHEDULER_CONFIG, ...spec.schedulerConfig };
  const schedulers = Array.from({ length: R * V }, () => createBatchScheduler(spec.scheduler, config));
  const dis = spec.disaggregation;
  const P = dis ? dis.prefillReplicas : R;
  if (dis && !(Number.isSafeInteger(P) && P >= 1 && P < R)) {
    throw new ServingError(`--prefill-replicas: expected 1 … ${R - 1} (the rest decode), got ${P}`);
  }
  if (dis && spec.scheduler === 'static') throw new ServingError('--prefill-replicas: static batching has no disaggregated form; use vllm, orca or sarathi');
  if (dis && V > 1) throw new ServingError('--prefill-replicas: disaggregated pools with pipeline stages (--pp > 1) are not modelled');
  const reserveWhole = (RESERVES_WHOLE_REQUEST as Record<string, boolean>)[spec.scheduler] === true;
  const route = createRouter(spec.router, P, spec.seed);
  const routeDecode = dis ? createRouter(spec.router, R - P, `${spec.seed}/decode`) : undefined;
  let pipes: readonly PipelineReplica[];
  if (spec.pipelines) {
    if (spec.pipelines.length !== R) throw new ServingError(`${spec.pipelines.length} pipelines for ${R} replicas`);
    pipes = spec.pipelines;
  } else {
    const stepTimes = Array.isArray(spec.stepTime) ? (spec.stepTime as readonly StepTimeModel[]) : Array.from({ length: R }, () => spec.stepTime as StepTimeModel);
    if (stepTimes.length !== R) throw new ServingError(`${stepTimes.length} step-time models for ${R} replicas`);
    pipes = stepTimes.map((st) => new PipelineReplica([st], () => 0));
  }
  // engine e = replica · V + virtual engine; without a pipeline, engine = replica
  const swapSpace = spec.swap ? { hostBlocks: spec.swap.hostBlocks } : undefined;
  const replicas = Array.from({ length: R * V }, (_, i) => new Replica(i, new KvCache(spec.kvBlocks, spec.blockSize), swapSpace));
  for (const q of requests) {
    if (!(q.promptTokens >= 1 && q.outputTokens >= 1)) {
      throw new ServingError(`request ${q.id}: expected at least 1 prompt and 1 output token, got ${q.promptTokens} and ${q.outputTokens}`);
    }
    const need = Math.ceil((q.promptTokens + q.outputTokens - 1) / spec.blockSize);
    if (need > spec.kvBlocks) {
      throw new ServingError(
        `request ${q.id} (${q.promptTokens} prompt + ${q.outputTokens} output tokens) needs ${need} KV blocks of ${spec.blockSize} tokens; ` +
          `a ${V > 1 ? 'virtual engine' : 'replica'} holds ${spec.kvBlocks}: raise --tp, --pp or --gpu-memory-utilization, or shorten the requests`,
      );
    }
  }

  const seqs: Seq[] = new Array(requests.length);
  const tbt = new Growable();
  const batchSizeCounts: number[] = [];
  const stepLog: StepRecord[] | undefined = spec.recordSteps ? [] : undefined;
  const shape = { prefillTokens: [] as number[], prefillContext: [] as number[], decodeKv: [] as number[], samples: 0 } satisfies BatchShape;
  let steps = 0, events = 0, endNs = 0, swapTotalNs = 0;
  const transfers: Transfer[] = []; // pending, sorted by (at, order)
  let transferOrder = 0, transferCount = 0, transferTotal = 0, transferMax = 0;
  const kvWaiting: Seq[][] = Array.from({ length: R * V }, () => []);

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
    if (dis && r.index < P) handOff(r, t); // (no pipeline with disaggregation: engine = replica)
  };

  /** Prefill pool: requests past their prefill leave for a decode replica with their KV cache. */
  const handOff = (r: Replica, t: number): void => {
    let j = 0;
    for (const s of r.running) {
      if (inPrefill(s)) {
        r.running[j++] = s;
        continue;
      }
      const tokens = s.cached;
      r.kv.release(s.req.id, s.blocks);
      r.outstanding--;
      const to = P + routeDecode!((i) => replicas[P + i]!.outstanding);
      replicas[to]!.outstanding++;
      const dt = Math.round(dis!.transferNs(r.index, to, tokens * dis!.kvBytesPerToken));
      transferCount++;
      transferTotal += dt;
      if (dt > transferMax) transferMax = dt;
      const x: Transfer = { at: t + dt, order: transferOrder++, seq: s, to };
      let i = transfers.length;
      while (i > 0 && transfers[i - 1]!.at > x.at) i--;
      transfers.splice(i, 0, x);
    }
    r.running.length = j;
  };

  /** Decode pool: landed requests take KV blocks for their cached tokens and join the running batch. */
  const admitTransferred = (r: Replica): void => {
    const q = kvWaiting[r.index]!;
    let k = 0;
    while (k < q.length && r.running.length < config.maxBatchSize) {
      const s = q[k]!;
      const tokens = reserveWhole ? s.req.promptTokens + s.req.outputTokens - 1 : s.cached;
      if (!r.kv.allocate(s.req.id, r.kv.blocksFor(tokens), s.blocks)) break;
      s.target = s.cached;
      let i = r.running.length;
      while (i > 0 && r.running[i - 1]!.req.id > s.req.id) i--;
      r.running.splice(i, 0, s);
      k++;
    }
    if (k > 0) q.splice(0, k);
  };

  const startStep = (r: Replica, t: number): void => {
    if (kvWaiting[r.index]!.length > 0) {
      r.kv.advance(t);
      admitTransferred(r);
    }
    if (r.waiting.size === 0 && r.running.length === 0 && r.swapped.length === 0) {
      if (kvWaiting[r.index]!.length > 0) throw new Error(`replica ${r.index}: a transferred request does not fit an empty KV cache (a bug)`);
      return;
    }
    r.kv.advance(t);
    const b = r.batch;
    b.clear();
    r.swapBlocksThisStep = 0;
    schedulers[r.index]!.plan(r);
    if (b.size === 0) {
      if (r.running.length === 0) throw new Error(`replica ${r.index}: the scheduler admitted nothing with ${r.waiting.size} waiting, ${r.swapped.length} swapped and nothing running (a bug)`);
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
    const swapNs = r.swapBlocksThisStep > 0 ? Math.round(spec.swap!.swapNs(r.swapBlocksThisStep)) : 0;
    if (swapNs > 0) swapTotalNs += swapNs;
    const end = pipes[Math.floor(r.index / V)]!.issue(t + swapNs, shape);
    const dur = end - t;
    r.busy = true;
    r.stepStartNs = t;
    r.stepEndNs = end;
    steps++;
    events++;
    batchSizeCounts[n] = (batchSizeCounts[n] ?? 0) + 1;
    stepLog?.push({ replica: r.index, startNs: t, durNs: dur, requests: n, prefillTokens, decodes: shape.decodeKv.length, kvBlocksUsed: r.kv.usedBlocks });
  };

  let next = 0;
  const outstanding = V === 1 ? (i: number) => replicas[i]!.outstanding : (i: number) => {
    let n = 0;
    for (let v = 0; v < V; v++) n += replicas[i * V + v]!.outstanding;
    return n;
  };
  /** vLLM: a replica's new request goes to its virtual engine with the fewest unfinished requests (lowest first). */
  const engineOf = (i: number): number => {
    let best = i * V;
    for (let v = 1; v < V; v++) if (replicas[i * V + v]!.outstanding < replicas[best]!.outstanding) best = i * V + v;
    return best;
  };
  for (;;) {
    let t = next < requests.length ? requests[next]!.arrivalNs : Infinity;
    for (const r of replicas) if (r.busy && r.stepEndNs < t) t = r.stepEndNs;
    if (transfers.length > 0 && transfers[0]!.at < t) t = transfers[0]!.at;
    if (t === Infinity) break;
    for (const r of replicas) if (r.busy && r.stepEndNs === t) finishStep(r, t);
    while (transfers.length > 0 && transfers[0]!.at === t) {
      const x = transfers.shift()!;
      x.seq.replica = x.to;
      kvWaiting[x.to]!.push(x.seq);
      events++;
    }
    while (next < requests.length && requests[next]!.arrivalNs === t) {
      const q = requests[next++]!;
      const i = route(outstanding);
      const r = replicas[V === 1 ? i : engineOf(i)]!;
      const s = newSeq(q, i);
      seqs[q.id] = s;
      r.outstanding++;
      r.waiting.push(s);
      events++;
    }
    for (const r of replicas) if (!r.busy) startStep(r, t);
  }

  for (const r of replicas) {
    if (r.waiting.size > 0 || r.running.length > 0 || r.swapped.length > 0 || kvWaiting[r.index]!.length > 0) throw new Error(`replica ${r.index} stopped with unfinished requests (a bug)`);
  }
  for (let i = 0; i < batchSizeCounts.length; i++) batchSizeCounts[i] ??= 0;
  const result: ServeSimResult = {
    seqs,
    tbtNs: tbt.data.subarray(0, tbt.length),
    batchSizeCounts,
    steps,
    events,
    preemptions: replicas.reduce((a, r) => a + r.preemptions, 0),
    ...(spec.swap ? { swap: { swaps: replicas.reduce((a, r) => a + r.swaps, 0), totalNs: swapTotalNs, hostFreeAtEnd: replicas.map((r) => r.hostFreeBlocks) } } : {}),
    endNs,
    enginesPerReplica: V,
    kv: {
      blocksPerReplica: spec.kvBlocks,
      meanUtilization: replicas.map((r) => r.kv.meanUtilization(endNs)),
      peakBlocks: replicas.map((r) => r.kv.peak),
      freeAtEnd: replicas.map((r) => r.kv.freeBlocks),
    },
  };
  if (stepLog) result.stepLog = stepLog;
  if (dis) result.transfers = { count: transferCount, totalNs: transferTotal, maxNs: transferMax };
  return result;
}
