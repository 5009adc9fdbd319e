/**
 * `orrery serve` as an API: a model (workload description), a cluster (topology and device), replicas × TP, a
 * scheduler and router, and requests (synthetic or a trace) in; serving metrics out.
 *
 * Composition: the model's shapes come from `workloads/*.json`; each replica r takes the NPUs r·T … r·T + T − 1
 * of the topology (so TP groups sit in its fastest dimension); its step time is the kernel compute model summed
 * over the step's kernels (serving/kernel-step-time.ts; `stepModel: 'roofline'` for serving/step-time.ts) on the
 * device preset, with the TP all-reduces timed by the collective model on exactly
 * those NPUs (memoized by size). HBM per GPU comes from the device table below (or `gpuMemoryBytes`).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InterpolatedAllReduce, InterpolatedKvTransfer } from './serve-comm.ts';
import { cudaGraphSizes } from './serve-cuda-graph.ts';
import { resolveTopology } from './topology.ts';
import { loadWorkloadSpec, WORKLOADS_DIR } from './workloads.ts';
import { InputError, readRequestTrace, requestsCsv, serveSvg, writeChromeTrace, type RequestRow } from '../io/index.ts';
import { serveTimeline } from './serve-timeline.ts';
import { DEFAULT_TIMELINE_MAX_EVENTS } from '../workload/timeline.ts';
import { DEFAULT_NETWORK_MODEL } from '../network/index.ts';
import {
  planMemory, rankShapes, RooflineStepTime, KernelStepTime, CudaGraphPadding, PipelineReplica, stageLayers, stageWeightBytes, serveMetrics, simulateServing, syntheticRequests, traceRequests, ServingError,
  meetsSlo, DEFAULT_SCHEDULER_CONFIG, SCHEDULER_KINDS, ROUTERS,
  type ArrivalSpec, type LengthSpec, type MemoryPlan, type ModelShape, type Request, type SchedulerConfig, type ServeMetrics,
  type ServeSimResult, type Slo, type StepTimeModel,
} from '../serving/index.ts';
import { getDevice, type DevicePreset } from '../workload/devices.ts';
import { BYTES_PER_ELEMENT } from '../workload/generators/spec.ts';
import { parseTime, groupDigits } from '../units/index.ts';

/** The repository's serving traces (`traces/serving/`), for `--trace NAME`. */
export const SERVING_TRACES_DIR = join(WORKLOADS_DIR, '..', 'traces', 'serving');

/**
 * HBM per GPU, bytes, as NVML (nvidia-smi) reports it: 81,920 MiB for the A100 80GB and 81,559 MiB for the H100
 * 80GB (Modal, "Why does an NVIDIA H100 80GB card offer 85.52 GB?", thundergolfer.com/blog/nvidia-gpu-memory-capacity,
 * table of NVML-reported capacities; the datasheets say "80GB"). Override with `gpuMemoryBytes`.
 */
export const DEVICE_MEMORY_BYTES: Record<string, number> = {
  'A100-SXM4-80GB': 81_920 * 2 ** 20,
  'H100-SXM5-80GB': 81_559 * 2 ** 20,
};

/**
 * Host (PCIe) bandwidth per GPU per direction, GB/s, for KV swapping: PCIe Gen4 x16 on the A100 SXM4 (datasheet:
 * "PCIe Gen4: 64 GB/s", both directions) and Gen5 x16 on the H100 SXM5 (datasheet: "PCIe Gen5: 128 GB/s").
 * Peak figures; override with `hostBandwidthGBps`.
 */
export const DEVICE_HOST_GBPS: Record<string, number> = {
  'A100-SXM4-80GB': 32,
  'H100-SXM5-80GB': 64,
};

/** vLLM's default swap space per GPU (`swap_space`, 4 GiB). */
export const DEFAULT_SWAP_SPACE_BYTES = 4 * 2 ** 30;

/** Step-time models of `orrery serve` (serving/kernel-step-time.ts, serving/step-time.ts). */
export const STEP_MODELS = ['kernel', 'roofline'] as const;
export const DEFAULT_STEP_MODEL = 'kernel';

export interface ServeOptions {
  /** Workload name (`workloads/NAME.json`) or file; its `model` section is served. */
  workload: string;
  /** Workload field overrides by dotted path (`{"model.precision": "fp8"}`; CLI `--set`). */
  set?: Record<string, unknown>;
  topology: string;
  bandwidthGBps?: number[];
  latencyNs?: number[];
  /** Device preset; default from the topology's name (a100 / h100) when it names one. */
  device?: string;
  replicas: number;
  tp: number;
  /** Pipeline stages per replica (vLLM-style virtual engines, one micro-batch per stage in flight). Default 1. */
  pp?: number;
  /** Disaggregated serving: replicas 0 … P−1 prefill, the rest decode, KV moved over the network model. */
  prefillReplicas?: number;
  scheduler: string;
  router?: string;
  /** Requests to simulate (a trace: its first N; default all of a trace). */
  requests?: number;
  /** Arrival rate, requests/s (Poisson unless `arrival` says gamma). With a trace, replaces its arrival times. */
  qps?: number;
  arrival?: 'poisson' | 'gamma' | 'burst';
  /** Coefficient of variation of gamma inter-arrival gaps. */
  cv?: number;
  /** A request trace: a path, or a name in traces/serving/ (`splitwise_conv`). */
  trace?: string;
  /** Prompt and output lengths for synthetic requests: `512`, `uniform:100-1000`, `zipf:4096:1.1`. */
  promptTokens?: string;
  outputTokens?: string;
  seed: number;
  /** `ttft=2s,tbt=200ms` (also tpot=, e2e=). */
  slo?: string;
  gpuMemoryBytes?: number;
  gpuMemoryUtilization?: number;
  blockSize?: number;
  maxBatchSize?: number;
  maxBatchTokens?: number;
  chunkSize?: number;
  /** Preemption when KV blocks run out (vllm, sarathi): `recompute` (default) or `swap` to host memory. */
  preemption?: 'recompute' | 'swap';
  /** Host memory per GPU for swapped-out KV (default 4 GiB, vLLM's swap_space). */
  swapSpaceBytes?: number;
  /** Host link bandwidth per GPU per direction, GB/s (default: the device's PCIe, DEVICE_HOST_GBPS). */
  hostBandwidthGBps?: number;
  /** Network model for the TP collectives (default: the project's default model). */
  networkModel?: string;
  /** How a step is timed: `kernel` (default: the kernel compute model per kernel) or `roofline`. */
  stepModel?: string;
  /** CUDA-graph padding of decode-only steps: `off` (default), `trtllm` or a list `1,2,4,8` (serve-cuda-graph.ts). */
  cudaGraphPadding?: string;
  /** Write the per-request CSV here. */
  csv?: string;
  /** Write a Perfetto (Chrome trace) timeline of every replica's steps here. */
  timeline?: string;
  /** Most steps in the timeline (default 1,000,000). */
  timelineMaxEvents?: number;
  /** Write an SVG of the latency CDFs and KV-cache use over time here. */
  svg?: string;
}

export interface ServeReport {
  requests: number;
  throughputTokensPerS: number;
  ttftNs: ServeMetrics['ttftNs'];
  tbtNs: ServeMetrics['tbtNs'];
  e2eNs: ServeMetrics['e2eNs'];
  wallMs: number;
  tpotNs: ServeMetrics['tpotNs'];
  throughputRequestsPerS: number;
  promptTokens: number;
  outputTokens: number;
  spanNs: number;
  slo?: ServeMetrics['slo'];
  kv: ServeMetrics['kv'];
  preemptions: number;
  steps: number;
  batchSize: ServeMetrics['batchSize'];
  events: number;
  /** Disaggregated serving: KV transfers from the prefill to the decode pool (count, total and largest ns). */
  kvTransfers?: { count: number; totalNs: number; maxNs: number };
  /** Preemption by swap: requests swapped out and the PCIe time charged to steps, ns. */
  swaps?: { count: number; totalNs: number };
  /** With `--cuda-graph-padding`: decode-only steps padded (first pipeline stage) and the dummy rows they ran. */
  cudaGraphPadding?: { paddedSteps: number; paddedRows: number };
  /** The Perfetto timeline written, when asked for. */
  timeline?: { file: string; steps: number; bytes: number; cut?: string };
  setup: {
    workload: string;
    topology: string;
    device: string;
    replicas: number;
    tp: number;
    prefillReplicas?: number;
    /** Pipeline stages per replica (P > 1 only), their layers, and KV blocks per virtual engine (memory.blocks / P). */
    pp?: number;
    stageLayers?: number[];
    kvBlocksPerEngine?: number;
    /** Preemption by swap: host blocks per engine, swap space and host bandwidth per GPU. */
    swap?: { hostBlocksPerEngine: number; swapSpaceBytes: number; hostBandwidthGBps: number };
    scheduler: string;
    router: string;
    requestSource: string;
    seed: number;
    memory: MemoryPlan;
    schedulerConfig: SchedulerConfig;
    networkModel: string;
    /** The step-time model, and for `kernel` where its device constants come from. */
    stepModel: string;
    stepModelSource: string;
    /** The batch sizes decode-only steps are padded to (`--cuda-graph-padding`), when on. */
    cudaGraphBatchSizes?: number[];
  };
}

/** `512` | `fixed:512` | `uniform:100-1000` | `zipf:MAX[:S]` (S default 1). */
export function parseLength(text: string, flag: string): LengthSpec {
  const t = text.trim();
  let m: RegExpExecArray | null;
  if ((m = /^(?:fixed:)?(\d+)$/.exec(t))) return { kind: 'fixed', tokens: Number(m[1]) };
  if ((m = /^uniform:(\d+)-(\d+)$/.exec(t))) return { kind: 'uniform', min: Number(m[1]), max: Number(m[2]) };
  if ((m = /^zipf:(\d+)(?::([0-9]*\.?[0-9]+))?$/.exec(t))) return { kind: 'zipf', max: Number(m[1]), s: m[2] ? Number(m[2]) : 1 };
  throw new InputError(`${flag} "${text}": expected a token count (512), uniform:MIN-MAX or zipf:MAX[:S]`);
}

/** `ttft=2s,tbt=200ms,tpot=50ms,e2e=30s` (any subset). */
export function parseSlo(text: string): Slo {
  const out: Slo = {};
  const keys: Record<string, keyof Slo> = { ttft: 'ttftNs', tbt: 'tbtNs', tpot: 'tpotNs', e2e: 'e2eNs' };
  for (const part of text.split(',')) {
    const m = /^\s*([a-z0-9]+)\s*=\s*(\S+)\s*$/i.exec(part);
    const key = m ? keys[m[1]!.toLowerCase()] : undefined;
    if (!m || !key) throw new InputError(`--slo "${text}": "${part}" is not NAME=TIME with NAME one of: ${Object.keys(keys).join(', ')} (e.g. ttft=2s,tbt=200ms)`);
    try {
      out[key] = parseTime(m[2]!, `--slo ${m[1]}`);
    } catch (e) {
      throw new InputError((e as Error).message);
    }
  }
  return out;
}

/** The trace's path and how to name it in reports (as given, or `traces/serving/NAME.csv` for a shipped one). */
function traceFile(arg: string): { path: string; label: string } {
  if (existsSync(arg)) return { path: arg, label: arg };
  for (const ext of ['.csv', '.jsonl']) {
    const p = join(SERVING_TRACES_DIR, `${arg}${ext}`);
    if (existsSync(p)) return { path: p, label: `traces/serving/${arg}${ext}` };
  }
  throw new InputError(`--trace: "${arg}" is neither a file nor a trace in traces/serving/ (splitwise_conv, splitwise_code, arxiv_summarization, llmservingsim_example)`);
}

function deviceFor(opts: ServeOptions, topologyName: string): DevicePreset {
  const name = opts.device ?? (/a100/i.test(topologyName) ? 'a100' : /h100/i.test(topologyName) ? 'h100' : undefined);
  if (name === undefined) throw new InputError(`--device: required, the topology "${topologyName}" does not name one (a100, h100)`);
  try {
    return getDevice(name);
  } catch (e) {
    throw new InputError(`--device: ${(e as Error).message}`);
  }
}

/**
 * Weight precisions that are quantized deployments: only the transformer blocks' linear layers run in them, while
 * activations, norms, the embedding and the LM head stay bf16 (NVIDIA's ModelOpt FP8 checkpoints that TensorRT-LLM
 * benchmarks: "Only the weights and activations of the linear operators within transformers blocks are quantized",
 * nvidia/Llama-3.1-405B-Instruct-FP8 model card; vLLM's FP8 likewise leaves lm_head unquantized). The KV cache
 * keeps the weight precision (trtllm-bench picks an FP8 KV cache for an FP8 checkpoint, perf-benchmarking.md).
 */
const QUANTIZED_WEIGHTS = new Set(['fp8', 'int8']);

export function modelShape(opts: Pick<ServeOptions, 'workload' | 'set'>): ModelShape {
  const spec = loadWorkloadSpec(opts.workload, opts.set);
  const m = spec.model;
  return {
    name: spec.name, layers: m.layers, hidden: m.hidden, heads: m.heads, kvHeads: m.kvHeads, ffn: m.ffn, mlp: m.mlp, vocab: m.vocab,
    precision: m.precision, bytesPerElement: BYTES_PER_ELEMENT[m.precision],
    ...(QUANTIZED_WEIGHTS.has(m.precision) ? { activationPrecision: 'bf16', activationBytes: BYTES_PER_ELEMENT.bf16 } : {}),
    ...(m.moe ? { moe: { ...m.moe } } : {}),
  };
}

export function buildRequests(opts: ServeOptions): { requests: Request[]; source: string } {
  const arrival: ArrivalSpec | undefined = opts.arrival === 'burst' ? { kind: 'burst' }
    : opts.qps !== undefined ? (opts.arrival === 'gamma' ? { kind: 'gamma', qps: opts.qps, cv: opts.cv ?? 1 } : { kind: 'poisson', qps: opts.qps })
    : opts.arrival !== undefined ? (() => { throw new InputError(`--arrival ${opts.arrival}: needs --qps`); })()
    : undefined;
  if (opts.trace !== undefined) {
    if (opts.promptTokens !== undefined || opts.outputTokens !== undefined) throw new InputError('--prompt-tokens and --output-tokens are for synthetic requests; a --trace gives the lengths');
    const { path, label } = traceFile(opts.trace);
    const requests = traceRequests(readRequestTrace(path), {
      ...(opts.requests !== undefined ? { count: opts.requests } : {}), ...(arrival ? { arrival } : {}), seed: opts.seed, source: path,
    });
    return { requests, source: `${label}${arrival ? ` (lengths; ${arrival.kind}${arrival.kind !== 'burst' ? ` at ${opts.qps} QPS` : ''})` : ''}` };
  }
  if (opts.requests === undefined) throw new InputError('--requests: required without --trace (how many synthetic requests)');
  const prompt = parseLength(opts.promptTokens ?? '512', '--prompt-tokens');
  const output = parseLength(opts.outputTokens ?? '128', '--output-tokens');
  const a = arrival ?? { kind: 'burst' as const };
  return {
    requests: syntheticRequests({ count: opts.requests, arrival: a, prompt, output, seed: opts.seed }),
    source: `synthetic: ${a.kind}${a.kind !== 'burst' ? ` at ${opts.qps} QPS` : ''}, prompt ${opts.promptTokens ?? '512'}, output ${opts.outputTokens ?? '128'}`,
  };
}

export interface ServeRun {
  report: ServeReport;
  result: ServeSimResult;
  requests: Request[];
}

/**
 * Everything but the request stream: the per-replica step-time models and the KV plan.
 *
 * With `pp` P > 1 (pipeline.ts), replica r's stage s takes NPUs (r·P + s)·T … (r·P + s)·T + T − 1 and holds its
 * share of the layers (vLLM's split); each stage has its own step-time model (its layers; embedding on the first,
 * LM head on the last) and all-reduce group; a stage hands each micro-batch's activations on as vLLM does, hidden
 * states and residual (2 · m · h activations per GPU, to the same TP rank of the next stage), timed on the network
 * model. The KV plan is the tightest stage's (vLLM takes the minimum over workers); each of the P virtual engines
 * gets ⌊blocks / P⌋ of it.
 */
export function buildReplicas(opts: ServeOptions): {
  stepTimes: StepTimeModel[]; memory: MemoryPlan; model: ModelShape; device: DevicePreset; topologyName: string; networkModel: string;
  stepModel: string; stepModelSource: string;
  kvTransfer: InterpolatedKvTransfer;
  cudaGraphBatchSizes?: number[];
  /** P > 1 only: one pipeline per replica, and KV blocks per virtual engine. */
  pipelines?: PipelineReplica[];
  kvBlocksPerEngine: number;
  stageLayers: number[];
} {
  const model = modelShape(opts);
  const { topology } = resolveTopology({
    topology: opts.topology,
    ...(opts.bandwidthGBps ? { bandwidthGBps: opts.bandwidthGBps } : {}),
    ...(opts.latencyNs ? { latencyNs: opts.latencyNs } : {}),
  });
  const device = deviceFor(opts, topology.name);
  const { replicas: R, tp: T } = opts;
  const P = opts.pp ?? 1;
  if (!(Number.isSafeInteger(R) && R >= 1)) throw new InputError(`--replicas: expected an integer ≥ 1, got ${R}`);
  if (!(Number.isSafeInteger(T) && T >= 1)) throw new InputError(`--tp: expected an integer ≥ 1, got ${T}`);
  if (!(Number.isSafeInteger(P) && P >= 1)) throw new InputError(`--pp: expected an integer ≥ 1, got ${P}`);
  if (R * T * P > topology.npus) {
    throw new InputError(`--replicas ${R} × --tp ${T}${P > 1 ? ` × --pp ${P}` : ''} needs ${R * T * P} GPUs; the topology ${topology.name} has ${topology.npus}`);
  }
  if (P > 1 && opts.prefillReplicas !== undefined) throw new InputError('--prefill-replicas: disaggregated pools with --pp > 1 are not modelled');
  let layers: number[];
  try {
    layers = stageLayers(model.layers, P);
  } catch (e) {
    throw new InputError((e as Error).message);
  }
  const stageShapes = layers.map((l) => rankShapes(P > 1 ? { ...model, layers: l } : model, T));
  const parts = layers.map((_, s) => ({ first: s === 0, last: s === P - 1 }));
  const gpuMem = opts.gpuMemoryBytes ?? DEVICE_MEMORY_BYTES[device.name];
  if (gpuMem === undefined) throw new InputError(`--gpu-memory: required for ${device.name} (no HBM size on record)`);
  const util = opts.gpuMemoryUtilization ?? 0.9;
  if (!(util > 0 && util <= 1)) throw new InputError(`--gpu-memory-utilization: expected a fraction in (0, 1], got ${util}`);
  let memory: MemoryPlan | undefined;
  for (let s = 0; s < P; s++) {
    const plan = planMemory(stageShapes[s]!, gpuMem, util, opts.blockSize ?? 16, stageWeightBytes(stageShapes[s]!, parts[s]!.first, parts[s]!.last));
    if (memory === undefined || plan.blocks < memory.blocks) memory = plan;
  }
  const kvBlocksPerEngine = Math.floor(memory!.blocks / P);
  if (kvBlocksPerEngine < 1) throw new InputError(`--pp ${P}: ${memory!.blocks} KV blocks per stage leave none for each of ${P} virtual engines; lower --pp or raise --gpu-memory-utilization`);
  const networkModel = opts.networkModel ?? DEFAULT_NETWORK_MODEL;
  const stepModel = opts.stepModel ?? DEFAULT_STEP_MODEL;
  if (!(STEP_MODELS as readonly string[]).includes(stepModel)) throw new InputError(`--step-model "${stepModel}": expected one of: ${STEP_MODELS.join(', ')}`);
  // TP groups (one per replica and stage) that are translates of one another inside the first dimension of a
  // logical topology (all of whose dimension kinds are symmetric) share one all-reduce table; otherwise each has
  // its own
  const d0 = topology.dims[0]!.npus;
  const shared = topology.physical === undefined && d0 % T === 0;
  const comms = new Map<number, InterpolatedAllReduce>();
  const graphSizes = cudaGraphSizes(opts.cudaGraphPadding, opts.maxBatchSize ?? DEFAULT_SCHEDULER_CONFIG.maxBatchSize, opts.maxBatchTokens ?? DEFAULT_SCHEDULER_CONFIG.maxBatchTokens);
  const stageModel = (g: number, s: number): StepTimeModel => {
    const key = shared ? 0 : g;
    let comm = comms.get(key);
    if (!comm) {
      comm = new InterpolatedAllReduce(topology, Array.from({ length: T }, (_, i) => g * T + i), networkModel);
      comms.set(key, comm);
    }
    const m = stepModel === 'kernel' ? new KernelStepTime(stageShapes[s]!, device, comm, parts[s]) : new RooflineStepTime(stageShapes[s]!, device, comm, parts[s]);
    return graphSizes ? new CudaGraphPadding(m, graphSizes) : m;
  };
  const kvTransfer = new InterpolatedKvTransfer(topology, T, networkModel);
  let stepTimes: StepTimeModel[];
  let pipelines: PipelineReplica[] | undefined;
  if (P === 1) stepTimes = Array.from({ length: R }, (_, r) => stageModel(r, 0));
  else {
    // stage models are the same for every replica when the all-reduce tables are shared
    const perStage = shared ? layers.map((_, s) => stageModel(s, s)) : undefined;
    const actBytes = 2 * model.hidden * (model.activationBytes ?? model.bytesPerElement);
    pipelines = Array.from({ length: R }, (_, r) => new PipelineReplica(
      layers.map((_, s) => perStage?.[s] ?? stageModel(r * P + s, s)),
      (s, tokens) => kvTransfer.transferNs(r * P + s, r * P + s + 1, tokens * actBytes),
    ));
    stepTimes = pipelines.map((p) => p.stages[0]!);
  }
  const first = stepTimes[0] instanceof CudaGraphPadding ? stepTimes[0].inner : stepTimes[0]!;
  const stepModelSource = first instanceof KernelStepTime
    ? `kernel model, ${first.model.constants.fittedOn}`
    : `roofline at ${device.computeEfficiency} of peak FLOPS, ${device.memoryEfficiency} of HBM bandwidth`;
  return {
    stepTimes, memory: memory!, model, device, topologyName: topology.name, networkModel, kvTransfer, stepModel, stepModelSource,
    ...(pipelines ? { pipelines } : {}), kvBlocksPerEngine, stageLayers: layers, ...(graphSizes ? { cudaGraphBatchSizes: graphSizes } : {}),
  };
}

export function runServe(opts: ServeOptions): ServeRun {
  const t0 = performance.now();
  if (!(SCHEDULER_KINDS as readonly string[]).includes(opts.scheduler)) throw new InputError(`--scheduler "${opts.scheduler}": expected one of: ${SCHEDULER_KINDS.join(', ')}`);
  const router = opts.router ?? 'round-robin';
  if (!(ROUTERS as readonly string[]).includes(router)) throw new InputError(`--router "${router}": expected one of: ${ROUTERS.join(', ')}`);
  const slo = opts.slo !== undefined ? parseSlo(opts.slo) : undefined;
  const { stepTimes, memory, model, device, topologyName, networkModel, kvTransfer, stepModel, stepModelSource, pipelines, kvBlocksPerEngine, stageLayers: layers, cudaGraphBatchSizes } = buildReplicas(opts);
  const P = opts.pp ?? 1;
  const engines = opts.replicas * P;
  const { requests, source } = buildRequests(opts);
  const schedulerConfig: SchedulerConfig = {
    ...DEFAULT_SCHEDULER_CONFIG,
    ...(opts.maxBatchSize !== undefined ? { maxBatchSize: opts.maxBatchSize } : {}),
    ...(opts.maxBatchTokens !== undefined ? { maxBatchTokens: opts.maxBatchTokens } : {}),
    ...(opts.chunkSize !== undefined ? { chunkSize: opts.chunkSize } : {}),
  };
  const preemption = opts.preemption ?? 'recompute';
  if (preemption !== 'recompute' && preemption !== 'swap') throw new InputError(`--preemption "${String(preemption)}": expected recompute or swap`);
  let swap: { hostBlocks: number; swapNs(blocks: number): number } | undefined;
  let swapSetup: ServeReport['setup']['swap'];
  if (preemption === 'swap') {
    const hostGBps = opts.hostBandwidthGBps ?? DEVICE_HOST_GBPS[device.name];
    if (hostGBps === undefined) throw new InputError(`--host-bandwidth: required for ${device.name} (no PCIe figure on record)`);
    if (!(hostGBps > 0)) throw new InputError(`--host-bandwidth: expected a positive number of GB/s, got ${hostGBps}`);
    const space = opts.swapSpaceBytes ?? DEFAULT_SWAP_SPACE_BYTES;
    const blockBytes = memory.blockSize * memory.kvBytesPerToken;
    const hostBlocks = Math.floor(Math.floor(space / blockBytes) / P);
    swap = { hostBlocks, swapNs: (n: number) => (n * blockBytes) / hostGBps };
    swapSetup = { hostBlocksPerEngine: hostBlocks, swapSpaceBytes: space, hostBandwidthGBps: hostGBps };
  }
  let result: ServeSimResult;
  try {
    result = simulateServing({
      ...(swap ? { swap } : {}),
      requests, replicas: opts.replicas, stepTime: stepTimes, kvBlocks: kvBlocksPerEngine, blockSize: memory.blockSize,
      ...(pipelines ? { pipelines, virtualEngines: P } : {}),
      scheduler: opts.scheduler, schedulerConfig, router, seed: opts.seed, recordSteps: opts.timeline !== undefined || opts.svg !== undefined,
      ...(opts.prefillReplicas !== undefined ? {
        disaggregation: {
          prefillReplicas: opts.prefillReplicas, kvBytesPerToken: memory.kvBytesPerToken,
          transferNs: (from: number, to: number, bytes: number) => kvTransfer.transferNs(from, to, bytes),
        },
      } : {}),
    });
  } catch (e) {
    if (e instanceof ServingError) throw new InputError(e.message);
    throw e;
  }
  const m = serveMetrics(result, slo);
  const padders = [...new Set(stepTimes)].filter((st): st is CudaGraphPadding => st instanceof CudaGraphPadding);
  if (opts.csv !== undefined) {
    try {
      writeFileSync(opts.csv, requestsCsv(requestRows(result, slo)));
    } catch (e) {
      throw new InputError(`--csv ${opts.csv}: cannot write (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
  }
  if (opts.svg !== undefined) {
    const sorted = (xs: number[]) => Float64Array.from(xs).sort();
    const seqs = result.seqs;
    const kv = Array.from({ length: engines }, (_, e) => ({ label: P > 1 ? `replica ${Math.floor(e / P)} engine ${e % P}` : `replica ${e}`, points: [] as [number, number][] }));
    for (const st of result.stepLog!) kv[st.replica]!.points.push([st.startNs, st.kvBlocksUsed / kvBlocksPerEngine]);
    const svg = serveSvg({
      title: `${model.name}: ${opts.replicas} × TP ${opts.tp}, ${opts.scheduler}, ${groupDigits(result.seqs.length)} requests`,
      cdfs: [
        { label: 'TTFT', sortedNs: sorted(seqs.map((q) => q.firstTokenNs - q.req.arrivalNs)) },
        { label: 'TBT', sortedNs: result.tbtNs.slice().sort() },
        { label: 'E2E', sortedNs: sorted(seqs.map((q) => q.doneNs - q.req.arrivalNs)) },
      ],
      kv,
    });
    try {
      writeFileSync(opts.svg, svg);
    } catch (e) {
      throw new InputError(`--svg ${opts.svg}: cannot write (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
  }
  let timeline: ServeReport['timeline'];
  if (opts.timeline !== undefined) {
    const tl = serveTimeline(result.stepLog!, engines, opts.tp, opts.timelineMaxEvents ?? DEFAULT_TIMELINE_MAX_EVENTS);
    const info = writeChromeTrace(opts.timeline, tl, { tool: 'orrery serve', workload: model.name, scheduler: opts.scheduler, replicas: opts.replicas, tp: opts.tp });
    timeline = { file: opts.timeline, steps: tl.slices.n, bytes: info.bytes, ...(tl.cut ? { cut: tl.cut } : {}) };
  }
  const report: ServeReport = {
    requests: m.requests,
    throughputTokensPerS: m.throughputTokensPerS,
    ttftNs: m.ttftNs,
    tbtNs: m.tbtNs,
    e2eNs: m.e2eNs,
    wallMs: performance.now() - t0,
    tpotNs: m.tpotNs,
    throughputRequestsPerS: m.throughputRequestsPerS,
    promptTokens: m.promptTokens,
    outputTokens: m.outputTokens,
    spanNs: m.spanNs,
    ...(m.slo ? { slo: m.slo } : {}),
    kv: m.kv,
    preemptions: m.preemptions,
    steps: m.steps,
    batchSize: m.batchSize,
    events: m.events,
    ...(timeline ? { timeline } : {}),
    ...(result.transfers ? { kvTransfers: result.transfers } : {}),
    ...(result.swap ? { swaps: { count: result.swap.swaps, totalNs: result.swap.totalNs } } : {}),
    ...(padders.length > 0 ? { cudaGraphPadding: { paddedSteps: padders.reduce((a, p) => a + p.paddedSteps, 0), paddedRows: padders.reduce((a, p) => a + p.paddedRows, 0) } } : {}),
    setup: {
      workload: model.name, topology: topologyName, device: device.name, replicas: opts.replicas, tp: opts.tp, scheduler: opts.scheduler, router,
      ...(opts.prefillReplicas !== undefined ? { prefillReplicas: opts.prefillReplicas } : {}),
      ...(P > 1 ? { pp: P, stageLayers: layers, kvBlocksPerEngine } : {}),
      ...(swapSetup ? { swap: swapSetup } : {}),
      requestSource: source, seed: opts.seed, memory, schedulerConfig, networkModel, stepModel, stepModelSource,
      ...(cudaGraphBatchSizes ? { cudaGraphBatchSizes } : {}),
    },
  };
  return { report, result, requests };
}

export function requestRows(result: ServeSimResult, slo?: Slo): RequestRow[] {
  return result.seqs.map((s) => ({
    id: s.req.id, replica: s.replica, arrivalNs: s.req.arrivalNs, promptTokens: s.req.promptTokens, outputTokens: s.req.outputTokens,
    ttftNs: s.firstTokenNs - s.req.arrivalNs, e2eNs: s.doneNs - s.req.arrivalNs, maxTbtNs: s.maxTbtNs,
    tpotNs: s.req.outputTokens > 1 ? (s.doneNs - s.firstTokenNs) / (s.req.outputTokens - 1) : 0,
    preemptions: s.preemptions, ...(slo ? { meetsSlo: meetsSlo(s, slo) } : {}),
  }));
}
